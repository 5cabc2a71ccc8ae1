# SPDX-License-Identifier: MIT
# tests/lib.sh: what the shell test layers share, sourced by tests/run.sh
# (and so by every tests/layers/NAME.sh) and by tests/bench/run.sh.
#
#   - counting:   pass, fail, sanitizer_report;
#   - tools:      apt_install, need_cmd, need_chromium, npm_need (the one
#                 npm folder tests/node), run_limited, now;
#   - projects:   tgit / tgit_commit (git with a fixed identity, so commit
#                 ids are the same on every machine), project_build (a
#                 copy of a casebook built outside any git repository);
#   - comparing:  golden (a file or a directory against its expected copy;
#                 UPDATE=1 rewrites the expected copy);
#   - schemas:    ajv_run and ajv_expect (ajv-cli of tests/node).
#
# The sourcing script sets ROOT (the repository), TMP (a scratch directory
# of its own), CASEBOOK (the binary) and UPDATE and VERBOSE (empty or not)
# before it calls these.

PASSED=${PASSED:-0}
FAILED=${FAILED:-0}

pass() {
  PASSED=$((PASSED + 1))
  if [ -n "${VERBOSE:-}" ]; then echo "ok   $1"; fi
}

# fail NAME [DETAIL-FILE]: counts a failure and shows why.
fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL $1"
  if [ $# -gt 1 ] && [ -s "$2" ]; then
    head -n 40 "$2" | sed 's/^/     /'
  fi
}

# True when FILE holds a sanitizer report.
sanitizer_report() {
  grep -E -q 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$1"
}

# ---- Tools the tests need ------------------------------------------------

APT_UPDATED=
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "tests: cannot install $* (no apt-get)" >&2
    return 1
  fi
  if [ -z "$APT_UPDATED" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

need_cmd() { # need_cmd COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 || apt_install "$2" || true
}

# Chromium from Debian, for the browser tests.
need_chromium() {
  need_cmd chromium chromium
  command -v chromium >/dev/null 2>&1
}

# Every npm tool of the tests lives in one folder, tests/node, pinned by
# its package-lock.json. Scripts in other folders of tests/ find the
# packages through NODE_PATH (CommonJS require looks there after their own
# node_modules, of which there are none), and the commands in NODE_BIN.
NODE_TOOLS=$ROOT/tests/node
NODE_BIN=$NODE_TOOLS/node_modules/.bin
NODE_PATH=$NODE_TOOLS/node_modules
export NODE_PATH

# npm_need: installs the npm packages of tests/node with `npm ci`, unless
# the installed tree was made from the same package-lock.json (a copy of
# which is kept in node_modules as the mark of a finished install).
# Returns nonzero when npm or the registry is not there.
npm_need() {
  nn_mark=$NODE_TOOLS/node_modules/.casebook-lock.json
  cmp -s "$NODE_TOOLS/package-lock.json" "$nn_mark" 2>/dev/null && return 0
  need_cmd npm npm
  command -v npm >/dev/null 2>&1 || return 1
  nn_log=${TMP:-${TMPDIR:-/tmp}}/npm-tools.log
  if (cd "$NODE_TOOLS" && npm ci --no-audit --no-fund --loglevel=error) >"$nn_log" 2>&1; then
    cp "$NODE_TOOLS/package-lock.json" "$nn_mark"
  else
    cat "$nn_log" >&2
    rm -rf "$NODE_TOOLS/node_modules"
    return 1
  fi
}

# Elapsed whole seconds since the epoch, for the time limits.
now() { date +%s; }

# run_limited SECONDS OUT ERR CMD...: runs CMD with a time limit, stdout and
# stderr to files. Sets RC (124 on timeout) and ELAPSED.
run_limited() {
  rl_limit=$1 rl_out=$2 rl_err=$3
  shift 3
  rl_t0=$(now)
  timeout -k 5 "$rl_limit" "$@" >"$rl_out" 2>"$rl_err"
  RC=$?
  ELAPSED=$(($(now) - rl_t0))
}

# ---- Projects --------------------------------------------------------------

# tgit ARGS...: git with no user or system configuration (HOME is
# $TMP/git-home) and a fixed identity, so that commit ids are the same on
# every machine and every run. The author is Ann Author <ann@example.org>
# and the committer Cid Committer <cid@example.org> unless TGIT_AUTHOR_NAME,
# TGIT_AUTHOR_EMAIL, TGIT_COMMITTER_NAME or TGIT_COMMITTER_EMAIL say
# otherwise; the dates come from GIT_AUTHOR_DATE and GIT_COMMITTER_DATE
# when the caller sets them (tgit_commit does).
tgit() {
  HOME=${TGIT_HOME:-$TMP/git-home} GIT_CONFIG_NOSYSTEM=1 \
    GIT_AUTHOR_NAME=${TGIT_AUTHOR_NAME:-Ann Author} \
    GIT_AUTHOR_EMAIL=${TGIT_AUTHOR_EMAIL:-ann@example.org} \
    GIT_COMMITTER_NAME=${TGIT_COMMITTER_NAME:-Cid Committer} \
    GIT_COMMITTER_EMAIL=${TGIT_COMMITTER_EMAIL:-cid@example.org} \
    git "$@"
}

# tgit_commit REPO AUTHOR-DATE COMMITTER-DATE MESSAGE: commits everything
# in REPO (git add -A) with those dates.
tgit_commit() {
  tgit -C "$1" add -A >/dev/null &&
    GIT_AUTHOR_DATE=$2 GIT_COMMITTER_DATE=$3 tgit -C "$1" commit -q -m "$4"
}

# project_build NAME SRC [MARK]: copies the casebook SRC to $TMP/NAME-src
# without its _build (outside any git repository, so that the version
# stamp does not change with every commit) and builds it quietly into
# $TMP/NAME-out; stdout and stderr in $TMP/NAME.out and $TMP/NAME.err, the
# exit status in RC. Returns nonzero when the status is above 1, a
# sanitizer reported, or the output has no file MARK (a path below the
# output directory, when given).
project_build() {
  pb_name=$1 pb_src=$2 pb_mark=${3:-}
  rm -rf "$TMP/$pb_name-src" "$TMP/$pb_name-out"
  cp -R "$pb_src" "$TMP/$pb_name-src"
  rm -rf "$TMP/$pb_name-src/_build"
  run_limited 120 "$TMP/$pb_name.out" "$TMP/$pb_name.err" \
    "$CASEBOOK" -q build "$TMP/$pb_name-src" -o "$TMP/$pb_name-out"
  [ $RC -le 1 ] && ! sanitizer_report "$TMP/$pb_name.err" &&
    { [ -z "$pb_mark" ] || [ -s "$TMP/$pb_name-out/$pb_mark" ]; }
}

# ---- Golden files ----------------------------------------------------------

# golden NAME EXPECTED GOT: one test NAME, passed when GOT (a file or a
# directory) equals EXPECTED byte for byte, else failed with the
# differences (diff -u). UPDATE=1 first makes EXPECTED a copy of GOT:
# read the diff before committing it.
golden() {
  gd_name=$1 gd_want=$2 gd_got=$3
  gd_why=$TMP/golden.diff
  if [ -n "${UPDATE:-}" ]; then
    rm -rf "$gd_want"
    mkdir -p "$(dirname "$gd_want")"
    cp -R "$gd_got" "$gd_want"
  fi
  if [ ! -e "$gd_want" ]; then
    echo "no expected file ${gd_want#"$ROOT"/}" >"$gd_why"
    fail "$gd_name" "$gd_why"
  elif [ -d "$gd_got" ]; then
    if diff -r -u "$gd_want" "$gd_got" >"$gd_why" 2>&1; then
      pass "$gd_name"
    else
      fail "$gd_name" "$gd_why"
    fi
  elif cmp -s "$gd_want" "$gd_got"; then
    pass "$gd_name"
  else
    diff -u "$gd_want" "$gd_got" | tail -n +3 >"$gd_why"
    fail "$gd_name" "$gd_why"
  fi
}

# ---- JSON Schemas ------------------------------------------------------------

# ajv_run SPEC COMMAND ARGS...: ajv-cli (COMMAND is validate or compile)
# for JSON Schema SPEC (draft7 or draft2020), union types allowed. Call
# npm_need first.
ajv_run() {
  ar_spec=$1 ar_cmd=$2
  shift 2
  "$NODE_BIN/ajv" "$ar_cmd" --spec="$ar_spec" --allow-union-types "$@"
}

# ajv_expect valid|invalid NAME SPEC SCHEMA DATA: one test NAME, passed
# when ajv finds DATA valid (or invalid, for a test that the schema is not
# vacuous) against SCHEMA; the ajv output is shown when it fails.
ajv_expect() {
  ae_want=$1 ae_name=$2
  if ajv_run "$3" validate -s "$4" -d "$5" >"$TMP/ajv.out" 2>&1; then
    ae_got=valid
  else
    ae_got=invalid
  fi
  if [ "$ae_got" = "$ae_want" ]; then
    pass "$ae_name"
  else
    fail "$ae_name" "$TMP/ajv.out"
  fi
}
