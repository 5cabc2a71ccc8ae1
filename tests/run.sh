#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/run.sh: the one test runner behind `make test`.
#
#   sh tests/run.sh [unit|cli|spec|corpus|bad|install]
#
# Layers (all of them without an argument):
#   unit    every unit test binary in $BUILD/tests/ (each check inside a
#           binary counts as one test)
#   cli     golden CLI tests: tests/cli/NAME/{cmd,stdout,stderr,status}
#   spec    the GFM spec examples through $BUILD/tools/spec_render
#   corpus  every Markdown file of ../shared/corpus compiled as prose
#   bad     hostile inputs: huge, deeply nested, invalid bytes, broken
#           manifests and rules, missing and unreadable files
#   install `make install` into a staging directory, the installed binary,
#           the shared library's exports, a program built with pkg-config
#   NAME    any tests/layers/NAME.sh (git, site, exports, ...)
#
# Environment: BUILD (default build), UPDATE=1 rewrites the expected files
# of the CLI tests (read the diff before committing it), VERBOSE=1 prints
# every passing test too, KEEP=1 keeps the temporary directory,
# CASEBOOK_TEST_SWEEPS=1 runs the out-of-memory sweeps of the unit tests
# whole (they are sampled otherwise: tests/unit/testlib.h).
#
# The last line printed is always "N passed, M failed"; the exit status is
# nonzero when a test failed or when no test ran at all.

set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CASEBOOK=$BUILD/casebook
SHARED=$(dirname "$ROOT")/shared
CORPUS=$SHARED/corpus
LAYER=${1:-all}
UPDATE=${UPDATE:-}
VERBOSE=${VERBOSE:-}

# Further layers live in tests/layers/NAME.sh, each defining layer_NAME;
# they run after the built-in ones, in name order.
EXTRA_LAYERS=
for f in tests/layers/*.sh; do
  [ -f "$f" ] || continue
  EXTRA_LAYERS="$EXTRA_LAYERS $(basename "$f" .sh)"
done

case " all unit cli spec corpus bad install$EXTRA_LAYERS " in
*" $LAYER "*) ;;
*)
  echo "usage: sh tests/run.sh [unit|cli|spec|corpus|bad|install|$(echo $EXTRA_LAYERS | tr ' ' '|')]" >&2
  exit 2
  ;;
esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/casebook-tests.XXXXXX") || exit 1
cleanup() {
  if [ -n "${KEEP:-}" ]; then
    echo "kept $TMP" >&2
  else
    chmod -R u+rwx "$TMP" 2>/dev/null
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Sanitizer runtimes: fail on the first report, keep the messages greppable.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
NO_COLOR=1
# The key of the build cache lives in the user's cache directory
# (docs/cache.md): the tests have one of their own, never the real one.
XDG_CACHE_HOME=$TMP/xdg-cache
export ASAN_OPTIONS UBSAN_OPTIONS NO_COLOR XDG_CACHE_HOME

PASSED=0
FAILED=0
# pass, fail, the tool installers, run_limited and the helpers the layers
# share (git, builds of copies, golden files, ajv)
. "$ROOT/tests/lib.sh"

need_cmd timeout coreutils
case $LAYER in all | spec | bad) need_cmd node nodejs ;; esac
case $LAYER in all | bad) need_cmd mkfifo coreutils ;; esac

if [ ! -x "$CASEBOOK" ] && [ "$LAYER" != unit ]; then
  echo "tests: $CASEBOOK is missing: run make first" >&2
fi

# case_rule FILE ID SUMMARY CONDITION MESSAGE: writes a project rule that
# reports a warning, MESSAGE (a Lua expression), at every case c for which
# CONDITION (a Lua expression) holds.
case_rule() {
  cat >"$1" <<EOF
return {
  id = "$2",
  severity = "warning",
  summary = "$3",
  check = function(book, report)
    for _, c in ipairs(book.cases) do
      if $4 then
        report({ at = c, message = $5 })
      end
    end
  end,
}
EOF
}

# ---- unit ------------------------------------------------------------------

layer_unit() {
  found=0
  case ${CASEBOOK_TEST_SWEEPS:-0} in
  0) echo "     (out-of-memory sweeps sampled; CASEBOOK_TEST_SWEEPS=1 runs them whole)" ;;
  esac
  for bin in "$BUILD"/tests/*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    found=1
    name=$(basename "$bin")
    out=$TMP/unit-$name.out
    (cd "$ROOT" && timeout -k 5 300 "$bin") >"$out" 2>&1
    rc=$?
    # The binary's own count of checks ("unit NAME: N passed, M failed",
    # testlib.h) goes into the totals, not one test per binary.
    line=$(grep -E '^unit .*: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
    n_pass=0 n_fail=0
    if [ -n "$line" ]; then
      echo "     $line"
      set -- ${line##*: }
      n_pass=$1 n_fail=$3
    fi
    PASSED=$((PASSED + n_pass))
    if [ $rc -eq 0 ] && [ -n "$line" ] && ! sanitizer_report "$out"; then
      FAILED=$((FAILED + n_fail))
      if [ -n "$VERBOSE" ]; then echo "ok   unit $name"; fi
    else
      # fail counts one: the failed checks when they are the whole
      # story (exit status 1), else one more than they (a crash, a
      # sanitizer report, a missing summary line)
      [ -n "$line" ] || echo "     (no summary line)" >>"$out"
      echo "     (exit status $rc)" >>"$out"
      if [ -n "$line" ] && [ "$n_fail" -gt 0 ] && [ $rc -eq 1 ] &&
        ! sanitizer_report "$out"; then
        FAILED=$((FAILED + n_fail - 1))
      else
        FAILED=$((FAILED + n_fail))
      fi
      fail "unit $name" "$out"
    fi
  done
  if [ $found -eq 0 ]; then
    echo "     no unit test binaries in $BUILD/tests"
  fi
}

# ---- cli -------------------------------------------------------------------

# Each tests/cli/NAME/cmd is one shell command line run from the repository
# root, with $CASEBOOK the binary and $T a fresh empty directory. Occurrences
# of $T's path in the outputs are written as "$T" so the expected files do
# not depend on where the temporary directory is.
layer_cli() {
  for dir in "$ROOT"/tests/cli/*/; do
    [ -f "$dir/cmd" ] || continue
    name=$(basename "$dir")
    T=$TMP/cli/$name
    mkdir -p "$T"
    out=$TMP/cli-$name.stdout
    err=$TMP/cli-$name.stderr
    (
      cd "$ROOT" || exit 1
      CASEBOOK=$CASEBOOK T=$T timeout -k 5 120 sh -c "$(cat "$dir/cmd")"
    ) >"$out.raw" 2>"$err.raw"
    status=$?
    sed "s#$T#\$T#g" "$out.raw" >"$out"
    sed "s#$T#\$T#g" "$err.raw" >"$err"
    if [ -n "$UPDATE" ]; then
      cp "$out" "$dir/stdout"
      cp "$err" "$dir/stderr"
      echo "$status" >"$dir/status"
    fi
    diff=$TMP/cli-$name.diff
    : >"$diff"
    if [ ! -f "$dir/status" ] || [ "$status" != "$(cat "$dir/status")" ]; then
      echo "exit status $status, expected $(cat "$dir/status" 2>/dev/null || echo '(no status file)')" >>"$diff"
    fi
    for stream in stdout stderr; do
      if [ ! -f "$dir/$stream" ]; then
        echo "no expected $stream file" >>"$diff"
      elif ! cmp -s "$dir/$stream" "$TMP/cli-$name.$stream"; then
        echo "$stream differs:" >>"$diff"
        diff -u "$dir/$stream" "$TMP/cli-$name.$stream" | tail -n +3 >>"$diff"
      fi
    done
    if sanitizer_report "$err"; then
      echo "sanitizer report in stderr" >>"$diff"
    fi
    if [ -s "$diff" ]; then
      fail "cli $name" "$diff"
    else
      pass "cli $name"
    fi
  done
}

# ---- spec ------------------------------------------------------------------

layer_spec() {
  render=$BUILD/tools/spec_render
  spec=$CORPUS/spec/spec-0.29-gfm_cmark-gfm-2020-06-30.txt
  ext=$CORPUS/spec/extensions_cmark-gfm-2020-06-30.txt
  if [ ! -x "$render" ]; then
    fail "spec: $render is missing (make builds it)"
    return
  fi
  if [ ! -f "$spec" ] || [ ! -f "$ext" ]; then
    fail "spec: the spec files are missing from $CORPUS/spec"
    return
  fi
  if ! command -v node >/dev/null 2>&1; then
    fail "spec: node is needed to run tests/spec/run.js"
    return
  fi
  out=$TMP/spec.out
  node "$ROOT/tests/spec/run.js" "$render" "$ROOT/tests/spec/known-differences.txt" \
    "$spec" "$ext" >"$out" 2>&1
  grep -v '^RESULT ' "$out" | grep -E '^(FAIL|spec )' | sed 's/^/     /'
  result=$(grep '^RESULT ' "$out" | tail -n 1)
  if [ -z "$result" ]; then
    fail "spec: run.js did not finish" "$out"
    return
  fi
  set -- $result
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
}

# ---- corpus ----------------------------------------------------------------

# copy_tree SRC DEST: copies the Markdown files of SRC into DEST so that the
# compiler sees every one of them as a chapter: README.md is renamed, and so
# are directories whose names start with '.' or '_'.
copy_tree() {
  mkdir -p "$2"
  cp -R "$1/." "$2/"
  find "$2" -depth -mindepth 1 -type d -name '[._]*' | while IFS= read -r d; do
    mv "$d" "$(dirname "$d")/x$(basename "$d")"
  done
  find "$2" -type f -name README.md | while IFS= read -r f; do
    mv "$f" "$(dirname "$f")/README-copy.md"
  done
}

# compile_corpus NAME DIR: the project must compile with exit status 0 or 1,
# no sanitizer report, and one HTML page per chapter.
compile_corpus() {
  name=$1 dir=$2
  n_md=$(find "$dir" -type f -name '*.md' | wc -l)
  out=$TMP/corpus-$name.out
  err=$TMP/corpus-$name.err
  run_limited 900 "$out" "$err" "$CASEBOOK" -q build "$dir" -o "$TMP/corpus-$name-build"
  if [ $RC -gt 1 ] || sanitizer_report "$err"; then
    {
      echo "exit status $RC after ${ELAPSED}s"
      grep -E -A 8 'Sanitizer|runtime error:' "$err" | head -n 20
      tail -n 5 "$err"
    } >"$err.tail"
    fail "corpus $name ($n_md files)" "$err.tail"
  else
    [ -n "$VERBOSE" ] && echo "     corpus $name: $n_md files in ${ELAPSED}s, exit status $RC"
    pass "corpus $name ($n_md files)"
  fi
}

layer_corpus() {
  if [ ! -d "$CORPUS/guidelines" ] || [ ! -d "$CORPUS/bulk" ]; then
    fail "corpus: $CORPUS is missing (shared/ must sit beside the repository)"
    return
  fi
  copy_tree "$CORPUS/guidelines" "$TMP/corpus/guidelines"
  compile_corpus guidelines "$TMP/corpus/guidelines"
  for tree in "$CORPUS"/bulk/*/; do
    name=$(basename "$tree")
    copy_tree "$tree" "$TMP/corpus/$name"
    compile_corpus "$name" "$TMP/corpus/$name"
    rm -rf "$TMP/corpus/$name" "$TMP/corpus-$name-build"
  done
}

# ---- bad -------------------------------------------------------------------

# expect_sane NAME LIMIT [MAX-STATUS]: checks the last run_limited: it ended
# within LIMIT seconds, with exit status at most MAX-STATUS (default 2),
# without a sanitizer report. Returns 0 when all holds, else reports.
expect_sane() {
  es_name=$1 es_limit=$2 es_max=${3:-2}
  why=$TMP/why
  : >"$why"
  if [ $RC -eq 124 ] || [ $RC -eq 137 ]; then
    echo "did not finish within ${es_limit}s" >>"$why"
  elif [ $RC -gt "$es_max" ]; then
    echo "exit status $RC (at most $es_max expected)" >>"$why"
  fi
  if sanitizer_report "$LAST_ALL"; then
    echo "sanitizer report:" >>"$why"
    grep -E -m 5 'Sanitizer|runtime error:' "$LAST_ALL" >>"$why"
  fi
  if [ -s "$why" ]; then
    tail -n 5 "$LAST_ALL" >>"$why"
    fail "bad $es_name" "$why"
    return 1
  fi
  return 0
}

# bad_run NAME LIMIT CMD...: run_limited with files named after the test.
bad_run() {
  br_name=$1 br_limit=$2
  shift 2
  LAST_OUT=$TMP/bad-$br_name.out
  LAST_ERR=$TMP/bad-$br_name.err
  LAST_ALL=$TMP/bad-$br_name.all
  run_limited "$br_limit" "$LAST_OUT" "$LAST_ERR" "$@"
  cat "$LAST_OUT" "$LAST_ERR" >"$LAST_ALL"
}

# expect_in NAME PATTERN FILE: passes when FILE matches PATTERN (grep -E).
expect_in() {
  if grep -E -q -- "$2" "$3"; then
    pass "bad $1"
  else
    printf 'no line matches: %s\n--- output:\n' "$2" >"$TMP/why"
    head -n 20 "$3" >>"$TMP/why"
    fail "bad $1" "$TMP/why"
  fi
}

# one_chapter DIR FILE: a project whose only chapter is FILE (moved in).
one_chapter() {
  mkdir -p "$1"
  mv "$2" "$1/chapter.md"
}

# repeat N STRING: STRING N times, no newline.
repeat() {
  awk -v n="$1" -v s="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}

bad_pathological() {
  # name, then the text of a one-line chapter
  for spec in \
    "nested-quotes:$(repeat 10000 '> ')deep" \
    "nested-lists:$(repeat 10000 '- ')deep" \
    "nested-ordered:$(repeat 10000 '1. ')deep" \
    "open-brackets:$(repeat 50000 '[')" \
    "stars:$(repeat 50000 '*')" \
    "emphasis-pairs:$(repeat 25000 '*a _b ')" \
    "link-openers:$(repeat 20000 '[a](')" \
    "backticks:$(repeat 20000 '`a``')" \
    "entities:$(repeat 20000 '&#x')" \
    "html-openers:$(repeat 30000 '<a ')" \
    "table-columns:|$(repeat 5000 ' a |')
|$(repeat 5000 ' - |')
|$(repeat 5000 ' b |')"; do
    name=${spec%%:*}
    mkdir -p "$TMP/path-$name"
    printf '%s\n' "${spec#*:}" >"$TMP/path-$name/chapter.md"
    bad_run "$name" 20 "$CASEBOOK" check "$TMP/path-$name"
    if expect_sane "pathological $name" 20 1; then
      pass "bad pathological $name (${ELAPSED}s)"
    fi
  done
  # 10,000 nested lists by indentation, as a person would write them
  mkdir -p "$TMP/path-indented"
  awk 'BEGIN { for (i = 0; i < 3000; i++) { printf "%" (2 * i) "s- item %d\n", "", i } }' \
    >"$TMP/path-indented/chapter.md"
  bad_run indented 20 "$CASEBOOK" check "$TMP/path-indented"
  if expect_sane "pathological indented" 20 1; then
    pass "bad pathological indented lists (${ELAPSED}s)"
  fi
}

# A 100 MB chapter of ordinary prose and cases (below the limit of 128 MiB
# per project file; tests/layers/paths.sh builds one above it).
bad_huge() {
  mkdir -p "$TMP/huge"
  awk 'BEGIN {
    block = "## Case huge-%d: A generated case\n\n```prompt\nWhat is %d + %d?\n```\n\n" \
            "- answer: yes\n\nSome *prose* with a [link](https://example.com/%d), " \
            "`code`, and **emphasis** to parse.\n\n| a | b |\n|---|---|\n| %d | %d |\n\n"
    print "# A very large chapter\n\n## Question answer: Is it right?\n\n| Option | Meaning |\n|---|---|\n| yes | Right. |\n"
    for (i = 0; total < 100 * 1024 * 1024; i++) {
      s = sprintf(block, i, i, i, i, i, i)
      printf "%s", s
      total += length(s)
    }
  }' >"$TMP/huge/chapter.md"
  size=$(wc -c <"$TMP/huge/chapter.md")
  bad_run huge 300 "$CASEBOOK" -q check "$TMP/huge"
  if expect_sane "huge chapter" 300 1; then
    pass "bad huge chapter ($((size / 1048576)) MB in ${ELAPSED}s)"
  fi
  rm -rf "$TMP/huge"
}

bad_encoding() {
  bad_run encoding-check 30 "$CASEBOOK" check casebooks/tests/encoding
  if expect_sane "encoding check" 30 1; then
    expect_in "invalid UTF-8 is reported with its position" \
      '^casebooks/tests/encoding/bad-bytes\.md:19:32: ' "$LAST_ALL"
    expect_in "a NUL byte is reported with its position" \
      '^casebooks/tests/encoding/bad-bytes\.md:21:22: ' "$LAST_ALL"
  fi
  bad_run encoding-build 30 "$CASEBOOK" -q build casebooks/tests/encoding -o "$TMP/enc-out"
  if expect_sane "encoding build" 30 1; then
    gold=$TMP/enc-out/gold.jsonl
    if [ -f "$gold" ]; then
      expect_in "a case after invalid bytes is still compiled" '"after-bad-bytes"' "$gold"
      if node -e '
        const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
        for (const l of lines) JSON.parse(l);' "$gold" 2>"$TMP/why"; then
        pass "bad gold.jsonl is valid JSON despite invalid bytes in an input"
      else
        fail "bad gold.jsonl is valid JSON despite invalid bytes in an input" "$TMP/why"
      fi
    else
      echo "no gold.jsonl in the output" >"$TMP/why"
      fail "bad encoding build output" "$TMP/why"
    fi
  fi
}

bad_missing() {
  bad_run missing 10 "$CASEBOOK" check "$TMP/no-such-directory"
  lines=$(wc -l <"$LAST_ERR")
  if [ $RC -eq 2 ] && [ "$lines" -eq 1 ] && ! sanitizer_report "$LAST_ERR"; then
    pass "bad missing directory"
  else
    echo "exit status $RC, $lines lines on stderr (want 2 and 1)" >"$TMP/why"
    cat "$LAST_ERR" >>"$TMP/why"
    fail "bad missing directory" "$TMP/why"
  fi
}

bad_unreadable() {
  # As root, chmod 000 does not stop reading, so the test uses a chapter
  # that cannot be opened whoever runs it: a symbolic link to nowhere. When
  # not root, a chmod 000 file is tested as well.
  dir=$TMP/unreadable
  mkdir -p "$dir"
  printf '# Fine\n\nA readable chapter.\n' >"$dir/fine.md"
  ln -s "$TMP/nowhere/missing.md" "$dir/dangling.md"
  bad_run dangling 10 "$CASEBOOK" check "$dir"
  if expect_sane "dangling symlink chapter" 10; then
    expect_in "a chapter that cannot be opened is named" 'dangling\.md' "$LAST_ALL"
  fi
  rm -f "$dir/dangling.md"
  if [ "$(id -u)" != 0 ]; then
    printf '# Secret\n' >"$dir/secret.md"
    chmod 000 "$dir/secret.md"
    bad_run unreadable 10 "$CASEBOOK" check "$dir"
    if expect_sane "unreadable chapter" 10; then
      expect_in "an unreadable chapter is named" 'secret\.md' "$LAST_ALL"
    fi
    chmod 644 "$dir/secret.md"
    rm -f "$dir/secret.md"
  else
    [ -n "$VERBOSE" ] && echo "     (chmod 000 not tested: running as root, which reads it anyway)"
  fi
  # A FIFO named like a chapter must not make the compiler wait forever.
  if mkfifo "$dir/fifo.md" 2>/dev/null; then
    bad_run fifo 10 "$CASEBOOK" check "$dir"
    if expect_sane "fifo chapter" 10; then
      pass "bad a FIFO among the chapters does not block"
    fi
    rm -f "$dir/fifo.md"
  fi
}

bad_empty() {
  bad_run empty 10 "$CASEBOOK" check casebooks/tests/empty
  if expect_sane "empty project" 10 1; then
    pass "bad empty project"
  fi
}

bad_manifests() {
  rm -f /tmp/casebook-manifest-os-ran
  for name in manifest-error manifest-syntax manifest-loop manifest-os; do
    bad_run "$name" 30 "$CASEBOOK" check "casebooks/tests/$name"
    if expect_sane "$name" 30; then
      expect_in "$name is reported at the manifest" \
        '^casebooks/tests/'"$name"'/casebook\.lua(:[0-9]+)?(:[0-9]+)?: (error|warning)' "$LAST_ALL"
    fi
  done
  if [ -e /tmp/casebook-manifest-os-ran ]; then
    echo "the manifest ran os.execute" >"$TMP/why"
    fail "bad manifest sandbox blocks os.execute" "$TMP/why"
  else
    pass "bad manifest sandbox blocks os.execute"
  fi
}

bad_rules() {
  for name in rule-loop rule-error rule-memory; do
    bad_run "$name" 60 "$CASEBOOK" check "casebooks/tests/$name"
    if expect_sane "$name" 60 1; then
      expect_in "$name is reported at the rule file" \
        '^casebooks/tests/'"$name"'/rules/[a-z-]+\.lua(:[0-9]+)?(:[0-9]+)?: (error|warning)' "$LAST_ALL"
    fi
  done
}

bad_atomic() {
  out=$TMP/atomic-out
  bad_run build 60 "$CASEBOOK" -q build casebooks/chat-safety -o "$out"
  if expect_sane "build of the example" 60 0; then
    leftovers=$(find "$out" -name '*.tmp' -o -name '.*tmp*' | head -n 5)
    if [ -z "$leftovers" ] && [ -f "$out/rubric.json" ] && [ -f "$out/gold.jsonl" ]; then
      pass "bad build leaves complete outputs and no temporary files"
    else
      { echo "temporary files: $leftovers"; ls -la "$out"; } >"$TMP/why" 2>&1
      fail "bad build leaves complete outputs and no temporary files" "$TMP/why"
    fi
  fi
  # Interrupt a long build: whatever is left must be complete files.
  big=$TMP/atomic-big
  if [ -d "$CORPUS/bulk/rust-rfcs" ]; then
    copy_tree "$CORPUS/bulk/rust-rfcs" "$big"
  else
    mkdir -p "$big"
    cp casebooks/chat-safety/*.md "$big/"
  fi
  "$CASEBOOK" -q build "$big" -o "$big/_out" >/dev/null 2>&1 &
  pid=$!
  sleep 0.5
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if node -e '
    const fs = require("fs"), dir = process.argv[1];
    if (fs.existsSync(dir + "/rubric.json")) JSON.parse(fs.readFileSync(dir + "/rubric.json", "utf8"));
    if (fs.existsSync(dir + "/gold.jsonl"))
      for (const l of fs.readFileSync(dir + "/gold.jsonl", "utf8").split("\n").filter(Boolean)) JSON.parse(l);
  ' "$big/_out" 2>"$TMP/why"; then
    pass "bad an interrupted build leaves no half-written rubric"
  else
    fail "bad an interrupted build leaves no half-written rubric" "$TMP/why"
  fi
}

layer_bad() {
  if [ ! -x "$CASEBOOK" ]; then
    fail "bad: $CASEBOOK is missing"
    return
  fi
  bad_pathological
  bad_encoding
  bad_missing
  bad_unreadable
  bad_empty
  bad_manifests
  bad_rules
  bad_atomic
  bad_huge
}

# ---- install ---------------------------------------------------------------

# `make install` into a staging directory: the binary, headers, libraries,
# casebook.pc, templates and man page land where PREFIX says, and the
# installed binary works on its own (templates and rules are embedded).
# Then the shared library exports the public API and nothing else, and a
# program outside the tree compiles and links through pkg-config, against
# the shared library and against the static one.
layer_install() {
  dest=$TMP/install
  if ! make -s --no-print-directory BUILD="$BUILD" install PREFIX=/usr \
    DESTDIR="$dest" >"$TMP/install.log" 2>&1; then
    fail "install: make install" "$TMP/install.log"
    return
  fi
  version=$(sed -n 's/^#define CB_VERSION_[A-Z]* \([0-9]*\)$/\1/p' \
    include/casebook/version.h | paste -s -d .)
  missing=
  for f in usr/bin/casebook usr/lib/libcasebook.a \
    usr/lib/libcasebook.so.$version usr/lib/libcasebook.so \
    usr/lib/pkgconfig/casebook.pc \
    usr/share/casebook/templates/page.html usr/share/man/man1/casebook.1; do
    [ -f "$dest/$f" ] || missing="$missing $f"
  done
  for h in include/casebook/*.h; do
    cmp -s "$h" "$dest/usr/$h" || missing="$missing usr/$h"
  done
  soname=$(readelf -d "$dest/usr/lib/libcasebook.so.$version" 2>/dev/null |
    sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
  if [ -z "$soname" ] || [ ! -f "$dest/usr/lib/$soname" ]; then
    missing="$missing usr/lib/(the soname '$soname')"
  fi
  if [ -n "$missing" ]; then
    echo "missing or different:$missing" >"$TMP/install.log"
    fail "install: installed files" "$TMP/install.log"
  else
    pass "install: installed files"
  fi
  if (cd "$TMP" && "$dest/usr/bin/casebook" -q build "$ROOT/casebooks/chat-safety" \
    -o "$TMP/install-out") >"$TMP/install.log" 2>&1 &&
    [ -s "$TMP/install-out/html/index.html" ] && [ -s "$TMP/install-out/gold.jsonl" ]; then
    pass "install: the installed binary builds the example"
  else
    fail "install: the installed binary builds the example" "$TMP/install.log"
  fi
  install_exports "$dest/usr/lib/libcasebook.so.$version"
  install_pkgconfig "$dest"
}

# install_exports SO: the dynamic symbols SO defines are exactly the
# functions include/casebook/ declares (read from the preprocessed
# casebook.h, so comments do not count): no internal cb_<module>__
# function, no helper of alloc.h, and none left out (a declaration
# without CB_EXTERN is hidden).
install_exports() {
  name="install: the shared library exports the public functions only"
  printf '#include "casebook/casebook.h"\n' |
    ${CC:-cc} -E -P -Iinclude -x c - 2>"$TMP/exports.log" |
    grep -o '\bcb_[a-z0-9_]*[[:space:]]*(' | sed 's/[[:space:](]*$//' |
    sort -u >"$TMP/exports.want"
  nm -D --defined-only "$1" 2>"$TMP/exports.log" | awk '{ print $NF }' |
    sort -u >"$TMP/exports.got"
  if [ ! -s "$TMP/exports.want" ] || [ ! -s "$TMP/exports.got" ]; then
    echo "no declarations or no exported symbols" >>"$TMP/exports.log"
    fail "$name" "$TMP/exports.log"
  elif ! diff "$TMP/exports.want" "$TMP/exports.got" >"$TMP/exports.diff"; then
    {
      echo "< declared in include/casebook/ only, > exported only:"
      cat "$TMP/exports.diff"
    } >"$TMP/exports.log"
    fail "$name" "$TMP/exports.log"
  else
    pass "$name ($(wc -l <"$TMP/exports.got"))"
  fi
}

# pc_query ROOT ARGS...: pkg-config about the casebook.pc installed in the
# staging root ROOT (PKG_CONFIG_SYSROOT_DIR puts ROOT before its paths).
pc_query() {
  pq_root=$1
  shift
  PKG_CONFIG_PATH=$pq_root/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$pq_root \
    pkg-config "$@" casebook
}

# install_pkgconfig ROOT: a program outside the tree, built with the flags
# pkg-config gives for the casebook.pc installed under ROOT, loads the
# example and runs; once against the shared library, once statically.
install_pkgconfig() {
  need_cmd pkg-config pkg-config
  prog=$TMP/pc-prog
  mkdir -p "$prog"
  cat >"$prog/main.c" <<'EOF'
#include <casebook/casebook.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  size_t errors = 0, warnings = 0, notes = 0;
  if (argc != 2 || strcmp(cb_version(), CB_VERSION) != 0)
    return 2;
  if (cb_ctx_new(&ctx, NULL) < 0)
    return 3;
  if (cb_book_load(&book, ctx, argv[1]) < 0 || !book) {
    cb_ctx_free(ctx);
    return 4;
  }
  cb_ctx_diag_counts(ctx, &errors, &warnings, &notes);
  printf("casebook %s: %zu chapters, %zu cases, %zu errors\n", cb_version(),
         book->n_chapters, book->n_cases, errors);
  cb_ctx_free(ctx);
  return 0;
}
EOF
  : >"$prog/log"
  # a library built with the sanitizers needs them in the program too
  san=
  if nm -D --undefined-only "$1/usr/lib/libcasebook.so" 2>/dev/null | grep -q '__asan_'; then
    san="-fsanitize=address,undefined"
  fi
  name="install: a program builds with pkg-config --cflags --libs casebook and runs"
  if ! cflags=$(pc_query "$1" --cflags 2>>"$prog/log") ||
    ! libs=$(pc_query "$1" --libs 2>>"$prog/log") ||
    ! slibs=$(pc_query "$1" --static --libs 2>>"$prog/log") ||
    ! version=$(pc_query "$1" --modversion 2>>"$prog/log"); then
    fail "$name" "$prog/log"
    return
  fi
  # shellcheck disable=SC2086
  if ${CC:-cc} -std=c11 -Wall -Wextra -Werror $san $cflags -o "$prog/dynamic" \
    "$prog/main.c" $libs >>"$prog/log" 2>&1 &&
    readelf -d "$prog/dynamic" | grep -q 'NEEDED.*libcasebook\.so' &&
    LD_LIBRARY_PATH=$1/usr/lib "$prog/dynamic" casebooks/chat-safety \
      >"$prog/out" 2>>"$prog/log" &&
    grep -q "^casebook $version: [1-9][0-9]* chapters, [1-9][0-9]* cases" "$prog/out"; then
    pass "$name"
  else
    {
      echo "cflags: $cflags"
      echo "libs: $libs"
      cat "$prog/out" 2>/dev/null
    } >>"$prog/log"
    fail "$name" "$prog/log"
  fi
  # The same with --static and libcasebook.a in place of the shared
  # library: what Requires.private and Libs.private name is all it needs.
  name="install: a program links libcasebook.a with pkg-config --static --libs casebook"
  slibs=$(printf '%s\n' "$slibs" | sed 's/-lcasebook\( \|$\)/-l:libcasebook.a\1/')
  # shellcheck disable=SC2086
  if ${CC:-cc} -std=c11 $san $cflags -o "$prog/static" "$prog/main.c" $slibs \
    >>"$prog/log" 2>&1 &&
    ! readelf -d "$prog/static" | grep -q 'NEEDED.*libcasebook' &&
    "$prog/static" casebooks/chat-safety >"$prog/out" 2>>"$prog/log" &&
    grep -q "^casebook $version: " "$prog/out"; then
    pass "$name"
  else
    {
      echo "libs: $slibs"
      cat "$prog/out" 2>/dev/null
    } >>"$prog/log"
    fail "$name" "$prog/log"
  fi
}

# ---- further layers --------------------------------------------------------

for l in $EXTRA_LAYERS; do
  # shellcheck disable=SC1090
  . "tests/layers/$l.sh"
done

# ---- main ------------------------------------------------------------------

run_layer() {
  echo "== $1"
  before_p=$PASSED before_f=$FAILED layer_t0=$(now)
  "layer_$1"
  echo "   $1: $((PASSED - before_p)) passed, $((FAILED - before_f)) failed ($(($(now) - layer_t0))s)"
}

if [ "$LAYER" = all ]; then
  for l in unit cli spec corpus bad install $EXTRA_LAYERS; do run_layer "$l"; done
else
  run_layer "$LAYER"
fi

echo "$PASSED passed, $FAILED failed"
if [ "$FAILED" -ne 0 ] || [ "$PASSED" -eq 0 ]; then
  exit 1
fi
exit 0
