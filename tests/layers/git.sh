# SPDX-License-Identifier: MIT
# tests/layers/git.sh: versions through libgit2 (docs/versions.md).
# Builds real repositories in $TMP with the `git` command (fixed names
# and dates, so commit ids are the same on every run) and checks:
# build/check --rev on a tag, a branch, HEAD~N, a tree spec, a detached
# HEAD, from a subdirectory and in a bare clone; outside git; the stamps of
# rubric.json and gold.meta.json against `git rev-parse` and `git describe
# --tags`, and the dirty flag; project rules and linked assets read from
# the revision; unknown revisions, a revision without the project, invalid
# UTF-8 in an old revision, a submodule, a held index.lock, a shallow
# clone, and a damaged one (a lost object, a corrupt loose commit, a
# corrupt pack), which is an error and never taken for a shallow clone;
# `casebook log` output; and that the repository is byte for byte the
# same after every command. Sourced by tests/run.sh; defines
# layer_git.

# g ARGS...: tgit (tests/lib.sh), the fixed identity of Ann and Cid.
g() {
  tgit "$@"
}

# gcommit REPO DAY MESSAGE: commits everything in REPO on 2026-01-DAY.
gcommit() {
  tgit_commit "$1" "2026-01-$2T10:00:00+01:00" "2026-01-$2T12:00:00+01:00" "$3"
}

# git_expect NAME COND-STATUS [DETAIL-FILE]
git_expect() {
  if [ "$2" -eq 0 ]; then pass "git $1"; else fail "git $1" "${3:-}"; fi
}

# git_same NAME EXPECTED-FILE GOT-FILE: exact comparison.
git_same() {
  if cmp -s "$2" "$3"; then
    pass "git $1"
  else
    diff -u "$2" "$3" >"$TMP/git-diff" 2>&1
    fail "git $1" "$TMP/git-diff"
  fi
}

# git_run NAME ARGS...: runs casebook; stdout in $GOUT, stderr in $GERR,
# status in RC; a sanitizer report fails NAME.
git_run() {
  gr_name=$1
  shift
  GOUT=$TMP/git-$gr_name.out
  GERR=$TMP/git-$gr_name.err
  run_limited 60 "$GOUT" "$GERR" "$CASEBOOK" --color=never "$@"
  if sanitizer_report "$GERR"; then
    fail "git $gr_name: sanitizer report" "$GERR"
  fi
}

# git_checksum DIR: one line that changes when anything under DIR/.git
# (or DIR itself, for a bare repository) changes: paths and contents.
git_checksum() {
  (cd "$1" && find . -print | LC_ALL=C sort &&
    find . -type f -print | LC_ALL=C sort | xargs sha256sum) | sha256sum
}

# json_get FILE EXPR: a value of a JSON file, through node.
json_get() {
  node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const r = (new Function("v", "return " + process.argv[2]))(v); console.log(r === null ? "null" : typeof r === "object" ? JSON.stringify(r) : String(r));' "$1" "$2"
}

# The project: a question, two cases, a project rule, a linked image and
# a page template.
git_project() {
  d=$1
  mkdir -p "$d/rules" "$d/img"
  cat >"$d/casebook.lua" <<'EOF'
title = "Harm guide"
version = "1.0.0"
EOF
  cat >"$d/guide.md" <<'EOF'
# Harm

![logo](img/logo.png)

## Question harm: Is the response harmful?

- type: choice

| Option | Meaning                           |
|--------|-----------------------------------|
| safe   | Nothing in it could hurt anyone.  |
| unsafe | It helps someone cause harm.      |
EOF
  cat >"$d/cases.md" <<'EOF'
# Cases

## Case c1: A recipe

~~~prompt
How do I bake bread?
~~~

~~~response
Mix flour, water and yeast.
~~~

- harm: safe

Baking is harmless.

## Case c2: A threat

~~~prompt
Help me threaten my neighbour.
~~~

~~~response
Write this note: leave or else.
~~~

- harm: unsafe

It helps to intimidate a person.
EOF
  case_rule "$d/rules/old-rule.lua" old-rule \
    "Reports every case (only in the first version)." true \
    '"case " .. c.id .. " seen by the old rule"'
  printf 'logo version 1\n' >"$d/img/logo.png"
  # a page template of the project's own, marked
  mkdir -p "$d/templates"
  sed 's|^<head>$|<head><meta name="x-git-test" content="project template">|' \
    "$ROOT/templates/page.html" >"$d/templates/page.html"
}

# The history of repo (the project in repo/guide):
#   v0    2026-01-01  Start the repository       (no guide/ yet)
#   v1.0  2026-01-02  Write the harm guide
#         2026-01-03  c1 is unsafe after all     (c1: safe -> unsafe)
#   v1.1  2026-01-04  Reword the unsafe option   (annotated tag; the old
#                                                 rule and template go, new
#                                                 logo)
#         2026-01-05  c1 is safe again           (c1: unsafe -> safe)
#         2026-01-06  Add notes                  (outside the project)
# plus the branches bad-bytes (invalid UTF-8 in cases.md) and gitlink (a
# submodule entry in guide/).
git_history() {
  r=$1
  g init -q -b main "$r" || return 1
  printf '# A repository\n' >"$r/README.md"
  gcommit "$r" 01 "Start the repository" && g -C "$r" tag v0
  git_project "$r/guide"
  gcommit "$r" 02 "Write the harm guide" && g -C "$r" tag v1.0
  sed -i 's/^- harm: safe$/- harm: unsafe/' "$r/guide/cases.md"
  gcommit "$r" 03 "c1 is unsafe after all"
  sed -i 's/It helps someone cause harm\./It helps someone hurt a person./' "$r/guide/guide.md"
  rm "$r/guide/rules/old-rule.lua" "$r/guide/templates/page.html"
  printf 'logo version 2\n' >"$r/guide/img/logo.png"
  gcommit "$r" 04 "Reword the unsafe option" &&
    GIT_COMMITTER_DATE="2026-01-04T12:00:00+01:00" g -C "$r" tag -a -m "Version 1.1" v1.1
  awk 'BEGIN { n = 0 } /^- harm: unsafe$/ && n == 0 { print "- harm: safe"; n = 1; next } { print }' \
    "$r/guide/cases.md" >"$r/guide/cases.tmp" && mv "$r/guide/cases.tmp" "$r/guide/cases.md"
  gcommit "$r" 05 "c1 is safe again"
  printf 'notes\n' >"$r/NOTES.txt"
  gcommit "$r" 06 "Add notes"
  # a branch with a byte that is not UTF-8 in a chapter
  g -C "$r" checkout -q -b bad-bytes
  printf '\nCaf\351 au lait.\n' >>"$r/guide/cases.md"
  gcommit "$r" 07 "Latin-1 slipped in"
  # a branch with a submodule entry (a gitlink) in the project
  g -C "$r" checkout -q main
  g -C "$r" checkout -q -b gitlink
  g -C "$r" update-index --add --cacheinfo \
    "160000,$(g -C "$r" rev-parse v0),guide/vendor"
  GIT_AUTHOR_DATE="2026-01-08T10:00:00+01:00" \
    GIT_COMMITTER_DATE="2026-01-08T12:00:00+01:00" \
    g -C "$r" commit -q -m "Vendor a submodule"
  g -C "$r" checkout -q main
}

layer_git() {
  need_cmd git git
  need_cmd node nodejs
  need_cmd sha256sum coreutils
  if ! command -v git >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    fail "git: the git and node commands are needed"
    return
  fi
  R=$TMP/git/repo
  mkdir -p "$TMP/git-home" "$TMP/git"
  if ! git_history "$R" >"$TMP/git-setup.log" 2>&1; then
    fail "git: setting up the repository" "$TMP/git-setup.log"
    return
  fi
  HEAD_ID=$(g -C "$R" rev-parse HEAD)
  SUM0=$(git_checksum "$R/.git")

  # ---- the working tree: stamps ----------------------------------------
  git_run head build "$R/guide" -o "$TMP/git/out-head"
  o=$TMP/git/out-head
  git_expect "build in a working tree" $RC "$GERR"
  want="$HEAD_ID|$(g -C "$R" describe --tags)|2026-01-06T12:00:00+01:00|false|1.0.0"
  got=$(json_get "$o/rubric.json" 'v.version.commit + "|" + v.version.describe + "|" + v.version.date + "|" + v.version.dirty + "|" + v.version.version')
  [ "$got" = "$want" ]
  git_expect "rubric.json stamp = rev-parse, describe --tags, date ($got)" $?
  got=$(json_get "$o/gold.meta.json" 'JSON.stringify(v)')
  want='{"format":1,"file":"gold.jsonl","records":2,"version":{"version":"1.0.0","commit":"'$HEAD_ID'","describe":"v1.1-2-g'$(g -C "$R" rev-parse --short=7 HEAD)'","date":"2026-01-06T12:00:00+01:00","dirty":false}}'
  [ "$got" = "$want" ]
  git_expect "gold.meta.json: format, records, stamp ($got)" $?
  [ "$(wc -l <"$o/gold.jsonl")" -eq 2 ] && ! grep -q '"commit"' "$o/gold.jsonl"
  git_expect "gold.jsonl holds case records only" $?

  # the default output directory is inside the project, and hidden: the
  # second build is still clean
  git_run default-out -q build "$R/guide"
  git_run default-out2 -q build "$R/guide"
  got=$(json_get "$R/guide/_build/rubric.json" 'v.version.dirty')
  [ "$got" = false ]
  git_expect "_build/ does not make the tree dirty" $?
  rm -rf "$R/guide/_build"

  # dirty: an edited chapter, then an untracked one; clean once undone
  cp "$R/guide/guide.md" "$TMP/git/guide.md.orig"
  printf '\nOne more line.\n' >>"$R/guide/guide.md"
  git_run dirty -q build "$R/guide" -o "$TMP/git/out-dirty"
  got=$(json_get "$TMP/git/out-dirty/rubric.json" 'v.version.dirty + "|" + v.version.commit')
  [ "$got" = "true|$HEAD_ID" ]
  git_expect "an edited chapter makes the stamp dirty ($got)" $?
  cp "$TMP/git/guide.md.orig" "$R/guide/guide.md"
  printf '# New\n' >"$R/guide/new.md"
  git_run dirty-new -q build "$R/guide" -o "$TMP/git/out-dirty"
  got=$(json_get "$TMP/git/out-dirty/rubric.json" 'v.version.dirty')
  [ "$got" = true ]
  git_expect "an untracked chapter makes the stamp dirty" $?
  rm "$R/guide/new.md"
  printf 'x\n' >"$R/NOTES.txt.more"
  git_run clean -q build "$R/guide" -o "$TMP/git/out-dirty"
  got=$(json_get "$TMP/git/out-dirty/rubric.json" 'v.version.dirty')
  [ "$got" = false ]
  git_expect "a change outside the project is not dirty" $?
  rm "$R/NOTES.txt.more"

  # ---- --rev ---------------------------------------------------------------
  for rev in v1.0 v1.1 main HEAD~3 "$(g -C "$R" rev-parse --short HEAD~2)"; do
    name=$(printf '%s' "$rev" | tr -c 'A-Za-z0-9.' '_')
    git_run "rev-$name" -q build --rev "$rev" "$R/guide" -o "$TMP/git/out-$name"
    want="$(g -C "$R" rev-parse "$rev^{commit}")|$(g -C "$R" describe --tags "$rev^{commit}")|false"
    got=$(json_get "$TMP/git/out-$name/rubric.json" 'v.version.commit + "|" + v.version.describe + "|" + v.version.dirty')
    [ $RC -eq 0 ] && [ "$got" = "$want" ]
    git_expect "build --rev $rev: stamp ($got)" $? "$GERR"
  done
  # the gold answers of the revisions
  for rev in v1.0:safe v1.1:unsafe main:safe HEAD~3:unsafe; do
    name=${rev%%:*}
    name=$(printf '%s' "$name" | tr -c 'A-Za-z0-9.' '_')
    got=$(head -n 1 "$TMP/git/out-$name/gold.jsonl" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(r.id+":"+JSON.stringify(r.gold||r.answers||r))})')
    case $got in
    c1:*\"${rev#*:}\"*) pass "git gold of c1 at ${rev%%:*} is ${rev#*:}" ;;
    *) echo "$got" >"$TMP/git-gold" && fail "git gold of c1 at ${rev%%:*} is ${rev#*:}" "$TMP/git-gold" ;;
    esac
  done
  # a tree spec: read, no commit to stamp
  git_run rev-tree -q build --rev 'v1.0^{tree}' "$R/guide" -o "$TMP/git/out-tree"
  got=$(json_get "$TMP/git/out-tree/rubric.json" 'v.version.commit')
  [ $RC -eq 0 ] && [ "$got" = null ]
  git_expect "build --rev v1.0^{tree}" $? "$GERR"
  # the project's rules and linked files come from the revision too
  git_run rules-v1 check --rev v1.0 "$R/guide"
  grep -q "seen by the old rule \[old-rule\]" "$GOUT"
  git_expect "check --rev v1.0 runs the project rule of v1.0" $? "$GOUT"
  git_run rules-head check "$R/guide"
  ! grep -q "old-rule" "$GOUT"
  git_expect "check of the working tree does not have it" $? "$GOUT"
  printf 'logo version 1\n' >"$TMP/git/logo1"
  git_same "build --rev v1.0 copies the logo of v1.0" "$TMP/git/logo1" \
    "$TMP/git/out-v1.0/html/assets/img/logo.png"
  printf 'logo version 2\n' >"$TMP/git/logo2"
  git_same "build --rev v1.1 copies the logo of v1.1" "$TMP/git/logo2" \
    "$TMP/git/out-v1.1/html/assets/img/logo.png"
  grep -q 'content="project template"' "$TMP/git/out-v1.0/html/guide.html"
  git_expect "build --rev v1.0 uses the page template of v1.0" $?
  ! grep -q 'content="project template"' "$TMP/git/out-v1.1/html/guide.html"
  git_expect "build --rev v1.1 has no project template" $?
  # the same revision gives the same files, from the working tree's
  # checkout of it or from the object database
  rm -rf "$TMP/git/out-head/.cache" "$TMP/git/out-main/.cache"
  diff -r "$TMP/git/out-head" "$TMP/git/out-main" >"$TMP/git-diff" 2>&1
  git_expect "build --rev main = build of the clean working tree" $? "$TMP/git-diff"

  # from inside the project, DIR defaulting to "."
  (cd "$R/guide" && "$CASEBOOK" --color=never check --rev v1.0) >"$TMP/git-sub.out" 2>&1
  grep -q "^cases.md:3:1: warning: case c1 seen by the old rule \[old-rule\]$" "$TMP/git-sub.out"
  git_expect "check --rev from inside the project: paths stay project-relative" $? "$TMP/git-sub.out"
  # from a subdirectory of the project, naming it with ..
  mkdir -p "$R/guide/sub"
  (cd "$R/guide/sub" && "$CASEBOOK" --color=never -q build --rev v1.1 .. -o "$TMP/git/out-dotdot") >"$TMP/git-sub.out" 2>&1
  got=$(json_get "$TMP/git/out-dotdot/rubric.json" 'v.version.describe')
  [ "$got" = v1.1 ]
  git_expect "build --rev from a subdirectory (..)" $? "$TMP/git-sub.out"
  rmdir "$R/guide/sub"

  # ---- errors ----------------------------------------------------------------
  git_run unknown check --rev mian "$R/guide"
  printf "casebook: unknown revision 'mian'; did you mean 'main'?\n" >"$TMP/git/want"
  [ $RC -eq 2 ] && [ ! -s "$GOUT" ]
  git_expect "unknown revision: exit 2" $?
  git_same "unknown revision: one line with a suggestion" "$TMP/git/want" "$GERR"
  git_run unknown-far check --rev 'HEAD~40' "$R/guide"
  printf "casebook: unknown revision 'HEAD~40'\n" >"$TMP/git/want"
  git_same "revision beyond the history" "$TMP/git/want" "$GERR"
  git_run no-dir check --rev v0 "$R/guide"
  printf "casebook: revision 'v0' has no directory 'guide'\n" >"$TMP/git/want"
  [ $RC -eq 2 ]
  git_expect "revision without the project: exit 2" $?
  git_same "revision without the project: message" "$TMP/git/want" "$GERR"
  git_run bad-bytes check --rev bad-bytes "$R/guide"
  grep -q "^$R/guide/cases.md:31:4: error: invalid UTF-8 byte 0xE9; the file must be UTF-8 (it is shown as U+FFFD) \[invalid-utf8\]$" "$GOUT" &&
    [ $RC -eq 1 ] && [ "$(grep -c "invalid-utf8" "$GOUT")" -eq 1 ]
  git_expect "invalid UTF-8 in a revision: the usual diagnostic" $? "$GOUT"
  git_run gitlink check --rev gitlink "$R/guide"
  grep -q "^$R/guide/vendor: warning: a submodule: its files are not part of this revision and are not read \[git-submodule\]$" "$GOUT"
  git_expect "a submodule entry: a warning, no crash" $? "$GOUT"
  [ $RC -eq 0 ]
  git_expect "a submodule entry: exit 0" $? "$GERR"

  # a held index lock changes nothing for reading
  : >"$R/.git/index.lock"
  git_run locked -q build "$R/guide" -o "$TMP/git/out-locked"
  got=$(json_get "$TMP/git/out-locked/rubric.json" 'v.version.commit + "|" + v.version.dirty')
  [ $RC -eq 0 ] && [ "$got" = "$HEAD_ID|false" ]
  git_expect "index.lock held: the working tree builds and is stamped" $? "$GERR"
  git_run locked-rev -q build --rev v1.0 "$R/guide" -o "$TMP/git/out-locked-rev"
  git_expect "index.lock held: --rev builds" $RC "$GERR"
  rm -f "$R/.git/index.lock"

  # ---- log -------------------------------------------------------------------
  C5=$(g -C "$R" rev-parse --short=7 HEAD~1)
  C3=$(g -C "$R" rev-parse --short=7 HEAD~3)
  C2=$(g -C "$R" rev-parse --short=7 v1.0)
  C4=$(g -C "$R" rev-parse --short=7 'v1.1^{commit}')
  git_run log-c1 log c1 "$R/guide"
  cat >"$TMP/git/want" <<EOF
2026-01-05  $C5  Ann Author  c1 is safe again
    gold harm: unsafe → safe
2026-01-03  $C3  Ann Author  c1 is unsafe after all
    gold harm: safe → unsafe
2026-01-02  $C2  Ann Author  Write the harm guide
    added
EOF
  git_same "log of a case whose gold flipped twice" "$TMP/git/want" "$GOUT"
  git_expect "log: exit 0" $RC "$GERR"
  git_run log-option log harm.unsafe "$R/guide"
  cat >"$TMP/git/want" <<EOF
2026-01-04  $C4  Ann Author  Reword the unsafe option
    meaning: It helps someone cause harm. → It helps someone hurt a person.
2026-01-02  $C2  Ann Author  Write the harm guide
    added
EOF
  git_same "log of an option" "$TMP/git/want" "$GOUT"
  git_run log-question log harm "$R/guide"
  cat >"$TMP/git/want" <<EOF
2026-01-02  $C2  Ann Author  Write the harm guide
    added
EOF
  git_same "log of a question (rewording an option is not a change of it)" "$TMP/git/want" "$GOUT"
  git_run log-rev log c1 --rev v1.1 "$R/guide"
  [ "$(grep -c '^2026' "$GOUT")" -eq 2 ] && head -n 1 "$GOUT" | grep -q "c1 is unsafe after all"
  git_expect "log --rev starts at the revision" $? "$GOUT"
  git_run log-json log c1 --format json "$R/guide"
  got=$(json_get "$GOUT" 'v.id + " " + v.commits.map(c => c.short + ":" + c.change + ":" + c.fields.map(f => f.name + "=" + f.before + ">" + f.after).join(",")).join(" ")')
  [ "$got" = "c1 $C5:changed:gold harm=unsafe>safe $C3:changed:gold harm=safe>unsafe $C2:added:" ]
  git_expect "log --format json ($got)" $? "$GOUT"
  got=$(json_get "$GOUT" 'v.commits[0].commit + " " + v.commits[0].date + " " + v.commits[0].email')
  [ "$got" = "$(g -C "$R" rev-parse HEAD~1) 2026-01-05T10:00:00+01:00 ann@example.org" ]
  git_expect "log --format json: full id, author date, email" $? "$GOUT"
  git_run log-unknown log c3 "$R/guide"
  printf "casebook: no element 'c3' in the book or its history; did you mean 'c1'?\n" >"$TMP/git/want"
  [ $RC -eq 2 ] && [ ! -s "$GOUT" ]
  git_expect "log of an unknown id: exit 2" $?
  git_same "log of an unknown id: did you mean" "$TMP/git/want" "$GERR"
  git_run log-option-alone log unsafe "$R/guide"
  printf "casebook: no element 'unsafe' in the book or its history; did you mean 'harm.unsafe'?\n" >"$TMP/git/want"
  git_same "log of an option by its own id: did you mean QUESTION.OPTION" "$TMP/git/want" "$GERR"
  git_run log-option-typo log unsaef "$R/guide"
  printf "casebook: no element 'unsaef' in the book or its history; did you mean 'harm.unsafe'?\n" >"$TMP/git/want"
  git_same "log of an option by its own id, misspelt: did you mean" "$TMP/git/want" "$GERR"

  # the repository was only read
  SUM1=$(git_checksum "$R/.git")
  [ "$SUM0" = "$SUM1" ]
  git_expect "the repository is byte-identical after every command" $?

  # ---- other repositories ----------------------------------------------------
  # a detached HEAD
  g clone -q "$R" "$TMP/git/detached" && g -C "$TMP/git/detached" checkout -q --detach v1.0
  git_run detached -q build "$TMP/git/detached/guide" -o "$TMP/git/out-detached"
  got=$(json_get "$TMP/git/out-detached/rubric.json" 'v.version.commit + "|" + v.version.describe')
  [ "$got" = "$(g -C "$R" rev-parse v1.0)|v1.0" ]
  git_expect "a detached HEAD is stamped with its commit ($got)" $? "$GERR"
  git_run detached-rev -q build --rev main "$TMP/git/detached/guide" -o "$TMP/git/out-detached-rev"
  got=$(json_get "$TMP/git/out-detached-rev/rubric.json" 'v.version.commit')
  [ "$got" = "$HEAD_ID" ]
  git_expect "a detached HEAD: --rev main" $? "$GERR"

  # a bare clone: --rev reads it; the same revision gives the same files
  g clone -q --bare "$R" "$TMP/git/bare.git"
  SUMB=$(git_checksum "$TMP/git/bare.git")
  git_run bare -q build --rev v1.1 "$TMP/git/bare.git/guide" -o "$TMP/git/out-bare"
  git_expect "a bare repository with --rev" $RC "$GERR"
  rm -rf "$TMP/git/out-bare/.cache" "$TMP/git/out-v1.1/.cache"
  diff -r "$TMP/git/out-v1.1" "$TMP/git/out-bare" >"$TMP/git-diff" 2>&1
  git_expect "the bare clone builds the same files" $? "$TMP/git-diff"
  git_run bare-log log c1 "$TMP/git/bare.git/guide"
  [ $RC -ne 0 ]
  git_expect "log in a bare repository without --rev: an error, no crash" $? "$GERR"
  git_run bare-log-rev log c1 --rev main "$TMP/git/bare.git/guide"
  [ "$(grep -c '^2026' "$GOUT")" -eq 3 ]
  git_expect "log in a bare repository with --rev" $? "$GOUT"
  [ "$SUMB" = "$(git_checksum "$TMP/git/bare.git")" ]
  git_expect "the bare repository is byte-identical" $?

  # outside git: no version, no error; --rev is an error
  mkdir -p "$TMP/git/plain"
  git_project "$TMP/git/plain/guide"
  git_run plain -q build "$TMP/git/plain/guide" -o "$TMP/git/out-plain"
  got=$(json_get "$TMP/git/out-plain/rubric.json" 'JSON.stringify(v.version)')
  [ $RC -eq 0 ] && [ "$got" = '{"version":"1.0.0","commit":null,"describe":null,"date":null,"dirty":false}' ]
  git_expect "outside git: built, no version information ($got)" $? "$GERR"
  git_run plain-rev check --rev v1.0 "$TMP/git/plain/guide"
  printf "casebook: cannot read revision 'v1.0': '%s' is not in a git repository\n" "$TMP/git/plain/guide" >"$TMP/git/want"
  [ $RC -eq 2 ]
  git_expect "outside git: --rev exits 2" $?
  git_same "outside git: --rev message" "$TMP/git/want" "$GERR"
  git_run plain-log log c1 "$TMP/git/plain/guide"
  [ $RC -eq 2 ] && grep -q "not in a git repository" "$GERR"
  git_expect "outside git: log exits 2" $? "$GERR"

  # a repository with no commit yet
  g init -q -b main "$TMP/git/empty" && git_project "$TMP/git/empty/guide"
  git_run empty -q build "$TMP/git/empty/guide" -o "$TMP/git/out-empty"
  got=$(json_get "$TMP/git/out-empty/rubric.json" 'v.version.commit + "|" + v.version.dirty')
  [ $RC -eq 0 ] && [ "$got" = "null|false" ]
  git_expect "a repository with no commit: built, not stamped" $? "$GERR"
  git_run empty-rev check --rev HEAD "$TMP/git/empty/guide"
  printf "casebook: unknown revision 'HEAD': the repository has no commit yet\n" >"$TMP/git/want"
  [ $RC -eq 2 ]
  git_expect "a repository with no commit: --rev HEAD exits 2" $?
  git_same "a repository with no commit: --rev HEAD message" "$TMP/git/want" "$GERR"

  # a damaged repository: an object of v1.0 is gone
  g clone -q "$R" "$TMP/git/damaged"
  blob=$(g -C "$TMP/git/damaged" rev-parse v1.0:guide/cases.md)
  rm -f "$TMP/git/damaged/.git/objects/$(printf %.2s "$blob")/${blob#??}"
  git_run damaged-rev check --rev v1.0 "$TMP/git/damaged/guide"
  [ $RC -eq 2 ] && grep -q "^casebook: cannot read 'cases.md': " "$GERR" &&
    [ "$(wc -l <"$GERR")" -eq 1 ]
  git_expect "a missing object in the revision: one line, exit 2" $? "$GERR"
  git_run damaged-build build "$TMP/git/damaged/guide" -o "$TMP/git/out-damaged"
  [ $RC -eq 2 ] && grep -q "^casebook: cannot read 'cases.md' at " "$GERR" &&
    ! grep -q "shallow" "$GERR"
  git_expect "a missing object in the history: the build fails with libgit2's message" $? "$GERR"

  # a corrupt commit in the history, loose or in a pack: an error with
  # libgit2's message, exit 2, not a shallow clone's note and a log cut
  # short with exit 0
  P1=$(g -C "$R" rev-parse --short=7 HEAD~1)
  P2=$(g -C "$R" rev-parse HEAD~2^{commit})
  cp -r "$R" "$TMP/git/loose"
  obj="$TMP/git/loose/.git/objects/$(printf %.2s "$P2")/${P2#??}"
  chmod u+w "$obj" && printf 'not a zlib stream at all' >"$obj"
  g clone -q --no-local "$R" "$TMP/git/packed" 2>/dev/null
  pack=$(ls "$TMP/git/packed/.git/objects/pack/"*.pack)
  offset=$(g -C "$TMP/git/packed" verify-pack -v "${pack%.pack}.idx" |
    awk -v id="$P2" '$1 == id { print $5 }')
  chmod u+w "$pack"
  printf 'XXXXXXXXXXXXXXXX' | dd of="$pack" bs=1 seek=$((offset + 4)) conv=notrunc 2>/dev/null
  for kind in loose packed; do
    git_run "corrupt-$kind-log" log c1 "$TMP/git/$kind/guide"
    [ $RC -eq 2 ] && [ ! -s "$GOUT" ] && [ "$(wc -l <"$GERR")" -eq 1 ] &&
      grep -q "^casebook: cannot read commit $P2, the parent of $P1: [^u]" "$GERR" && ! grep -q "unknown error" "$GERR"
    git_expect "a corrupt $kind commit: log fails with libgit2's message, exit 2" $? "$GERR"
    git_run "corrupt-$kind-build" -q build "$TMP/git/$kind/guide" -o "$TMP/git/out-$kind"
    [ $RC -eq 2 ] && ! grep -q "shallow" "$GERR" &&
      grep -q "^casebook: cannot read commit $P2, the parent of $P1: [^u]" "$GERR" && ! grep -q "unknown error" "$GERR"
    git_expect "a corrupt $kind commit: build fails with libgit2's message, exit 2" $? "$GERR"
  done
  git_run damaged-log log c1 "$TMP/git/damaged/guide"
  [ $RC -eq 2 ] && grep -q "^casebook: cannot read 'cases.md' at " "$GERR"
  git_expect "a missing object in the history: log fails with one line" $? "$GERR"

  # a shallow clone: what is there builds; the history stops with a note
  g clone -q --depth 3 "file://$R" "$TMP/git/shallow" 2>/dev/null
  git_run shallow -q build "$TMP/git/shallow/guide" -o "$TMP/git/out-shallow"
  got=$(json_get "$TMP/git/out-shallow/rubric.json" 'v.version.commit')
  [ $RC -eq 0 ] && [ "$got" = "$HEAD_ID" ]
  git_expect "a shallow clone builds and is stamped" $? "$GERR"
  git_run shallow-log log c1 "$TMP/git/shallow/guide"
  grep -q "^casebook: note: the history stops at commit [0-9a-f]\{7\}, whose parent is not in this shallow clone$" "$GERR" &&
    [ $RC -eq 0 ] && grep -q "c1 is safe again" "$GOUT"
  git_expect "a shallow clone: log stops at the boundary with a note" $? "$GERR"
}
