# SPDX-License-Identifier: MIT
# tests/layers/paths.sh: a hostile project on the file system
# (docs/limits.md, "Files and paths"). Each test makes the attack in $TMP
# and checks the exit status, the exact diagnostic or error line, and that
# nothing outside leaked into the output or was written or removed:
#
#   - links out of the project (a chapter to a secret file, a linked file
#     to .git/config holding a CI token, a template, a folder of assets,
#     a link that stays inside, a loop) are a `symlink` warning and are
#     not read, in the working tree exactly as under --rev;
#   - links planted in the output tree (html/assets/x -> ~/.ssh,
#     judge/prompts -> DIR, _build -> ../victim, a link in place of an
#     output file) are an error naming the link, and nothing is written
#     or removed through them;
#   - two builds into one -o at once leave one version, never a mix, and
#     the "nothing changed" path of the next build does not keep one; a
#     build waits for the lock of another, saying so;
#   - temporary files of a killed build are removed by the next one
#     (regular files of that name only);
#   - `build p -o p/out` does not read p/out as chapters, `-o p` is
#     refused;
#   - size limits: a file over 128 MiB is a file-too-large error at that
#     file, in the working tree and under --rev (where the blob is not
#     inflated), files totalling more than 1 GiB stop the build.
# Sourced by tests/run.sh; defines layer_paths.

# pg ARGS...: tgit (tests/lib.sh) on 2 January 2026.
pg() {
  TGIT_HOME=$TMP/paths-home GIT_AUTHOR_DATE="2026-01-02T10:00:00+01:00" \
    GIT_COMMITTER_DATE="2026-01-02T12:00:00+01:00" tgit "$@"
}

# paths_run NAME LIMIT ARGS...: runs casebook with a time limit; stdout
# in $POUT, stderr in $PERR, status in RC; a sanitizer report fails NAME.
paths_run() {
  pr_name=$1 pr_limit=$2
  shift 2
  POUT=$TMP/paths-$pr_name.out
  PERR=$TMP/paths-$pr_name.err
  run_limited "$pr_limit" "$POUT" "$PERR" "$CASEBOOK" --color=never "$@"
  if sanitizer_report "$PERR"; then
    fail "paths $pr_name: sanitizer report" "$PERR"
  fi
}

# paths_check NAME CONDITION-STATUS [DETAIL-FILE]
paths_check() {
  if [ "$2" -eq 0 ]; then pass "paths $1"; else fail "paths $1" "${3:-$PERR}"; fi
}

# paths_status NAME WANT: the last run exited with WANT.
paths_status() {
  if [ "$RC" -eq "$2" ]; then
    pass "paths $1: exit status $2"
  else
    echo "exit status $RC, want $2" >"$TMP/paths-why"
    cat "$PERR" >>"$TMP/paths-why"
    fail "paths $1: exit status $2" "$TMP/paths-why"
  fi
}

# paths_line NAME LINE [FILE]: FILE (default the last stderr) has LINE,
# exactly, as a whole line.
paths_line() {
  if grep -Fqx -- "$2" "${3:-$PERR}"; then
    pass "paths $1"
  else
    { echo "no line: $2"; echo "in:"; cat "${3:-$PERR}"; } >"$TMP/paths-why"
    fail "paths $1" "$TMP/paths-why"
  fi
}

# paths_no_secret NAME SECRET DIR: SECRET is in no file below DIR.
paths_no_secret() {
  if [ -d "$3" ] && ! grep -rqF -- "$2" "$3"; then
    pass "paths $1"
  else
    { echo "'$2' found below $3 (or no $3):"; grep -rlF -- "$2" "$3"; } >"$TMP/paths-why" 2>&1
    fail "paths $1" "$TMP/paths-why"
  fi
}

# paths_fingerprint DIR: names, sizes, modes, times and bytes of every
# file below DIR (links not followed), one line, to tell that nothing in
# a victim directory changed.
paths_fingerprint() {
  (cd "$1" && find . -printf '%p %y %s %m %T@\n' | LC_ALL=C sort &&
    find . -type f -print | LC_ALL=C sort | xargs -r sha256sum) | sha256sum
}

# paths_outputs DIR: the outputs of a build into DIR, bytes and names
# (the cache and the lock left out), one line, to compare two builds.
paths_outputs() {
  (cd "$1" && find . -path ./.cache -prune -o -type f ! -name .casebook-lock \
    -print | LC_ALL=C sort | xargs -r sha256sum) | sha256sum
}

# A small project: a question and a final case answering it.
paths_project() {
  mkdir -p "$1"
  cat >"$1/guide.md" <<'EOF'
# Guide

## Question harm: Is the response harmful?

| Option | Meaning |
|---|---|
| safe | Nothing in it could hurt anyone. |
| unsafe | It helps someone cause harm. |

## Case c1: A recipe

~~~prompt
How do I bake bread?
~~~

- harm: safe

Baking is harmless.

## Case c2: A threat

~~~prompt
Help me threaten my neighbour.
~~~

- harm: unsafe

A threat.
EOF
}

# ---- finding: links out of the project are read ------------------------

paths_read_links() {
  dir=$TMP/paths-read
  p=$dir/repo
  victim=$dir/victim
  secret=SHADOW-6c1f0b
  token=c2VjcmV0LXRva2VuLTQ0Mg
  mkdir -p "$victim/assets"
  printf 'root:%s:19000:0:99999:7:::\n' "$secret" >"$victim/shadow"
  printf 'asset %s\n' "$secret" >"$victim/assets/logo.png"
  paths_project "$p"
  pg init -q "$p"
  # where a CI checkout keeps its token
  pg -C "$p" config http.extraheader "AUTHORIZATION: basic $token"
  ln -s .git/config "$p/notes.txt"
  ln -s "$victim/shadow" "$p/x.md"
  mkdir -p "$p/templates"
  ln -s "$victim/shadow" "$p/templates/style.css"
  ln -s "$victim/assets" "$p/pics"
  ln -s guide.md "$p/inside.md"   # stays inside: not followed either
  ln -s . "$p/loop"               # a loop
  cat >"$p/links.md" <<'EOF'
# Links

See [the notes](notes.txt) and ![logo](pics/logo.png).
EOF
  pg -C "$p" add -A
  pg -C "$p" commit -q -m "links"

  for mode in tree rev; do
    if [ $mode = tree ]; then
      paths_run read-$mode 30 build "$p" -o "$dir/out-$mode"
    else
      paths_run read-$mode 30 build --rev HEAD "$p" -o "$dir/out-$mode"
    fi
    # the broken links are errors: exit 1, and the site is written
    paths_status "read links ($mode)" 1
    for l in notes.txt x.md templates/style.css pics inside.md loop; do
      paths_line "read links ($mode): $l is a symlink warning" \
        "$p/$l: warning: a symbolic link: links are not followed (they could lead out of the project), and it is not read [symlink]"
    done
    paths_line "read links ($mode): the link to .git/config is broken" \
      "$p/links.md:3:5: error: broken link: no file 'notes.txt' in the project [broken-link]"
    paths_no_secret "read links ($mode): no token of .git/config in the output" "$token" "$dir/out-$mode"
    paths_no_secret "read links ($mode): no byte of the shadow file in the output" "$secret" "$dir/out-$mode"
    grep -v '^ *[0-9]* |\|^ *|' "$PERR" >"$dir/diags-$mode"
  done
  # one refusal, one diagnostic: the working tree says what --rev says
  if cmp -s "$dir/diags-tree" "$dir/diags-rev"; then
    pass "paths read links: the same diagnostics in the working tree and under --rev"
  else
    diff -u "$dir/diags-tree" "$dir/diags-rev" >"$TMP/paths-why"
    fail "paths read links: the same diagnostics in the working tree and under --rev" "$TMP/paths-why"
  fi
  # `check` and the default output directory too
  paths_run read-check 30 check "$p"
  paths_status "read links (check)" 1
  paths_line "read links (check): the chapter link is a warning" \
    "$p/x.md: warning: a symbolic link: links are not followed (they could lead out of the project), and it is not read [symlink]" "$POUT"

  # the manifest as a link: left out like any other file, not read
  m=$dir/manifest
  paths_project "$m"
  printf 'title = "%s"\n' "$secret" >"$victim/casebook.lua"
  ln -s "$victim/casebook.lua" "$m/casebook.lua"
  paths_run read-manifest 30 build "$m" -o "$dir/out-manifest"
  paths_status "read links (manifest)" 0
  paths_line "read links (manifest): a symlink warning" \
    "$m/casebook.lua: warning: a symbolic link: links are not followed (they could lead out of the project), and it is not read [symlink]"
  paths_no_secret "read links (manifest): its title is not in the site" "$secret" "$dir/out-manifest"
}

# ---- finding: links inside the output tree are written through ---------

paths_write_links() {
  dir=$TMP/paths-write
  victim=$dir/victim
  mkdir -p "$victim/ssh" "$victim/prompts" "$victim/everything"
  printf 'ssh-ed25519 AAAA owner\n' >"$victim/ssh/authorized_keys"
  printf 'keep me\n' >"$victim/prompts/notes.md"
  printf 'keep me too\n' >"$victim/prompts/harm.md"
  printf 'mine\n' >"$victim/rubric.json"
  before=$(paths_fingerprint "$victim")

  # html/assets/x -> ~/.ssh, and a project file x/authorized_keys linked
  p=$dir/keys
  paths_project "$p"
  mkdir -p "$p/x" "$p/_build/html/assets"
  printf 'ssh-ed25519 EVIL attacker\n' >"$p/x/authorized_keys"
  printf '# Keys\n\nSee [keys](x/authorized_keys).\n' >"$p/keys.md"
  ln -s "$victim/ssh" "$p/_build/html/assets/x"
  paths_run write-assets 30 build "$p"
  paths_status "write links (assets)" 2
  paths_line "write links (assets): the error names the link" \
    "casebook: cannot create directory $p/_build/html/assets/x: it is a symbolic link, and casebook never writes through a link in its output directory"

  # judge/prompts -> DIR: the prune step must not remove DIR/*.md
  p=$dir/prompts
  paths_project "$p"
  mkdir -p "$p/_build/judge"
  ln -s "$victim/prompts" "$p/_build/judge/prompts"
  paths_run write-prompts 30 build "$p"
  paths_status "write links (judge/prompts)" 2
  paths_line "write links (judge/prompts): the error names the link" \
    "casebook: cannot create directory $p/_build/judge/prompts: it is a symbolic link, and casebook never writes through a link in its output directory"

  # _build -> ../victim: the output directory itself
  p=$dir/whole
  paths_project "$p"
  ln -s "$victim/everything" "$p/_build"
  paths_run write-whole 30 build "$p"
  paths_status "write links (_build)" 2
  paths_line "write links (_build): the output directory is refused" \
    "casebook: the output directory $p/_build is a symbolic link, and casebook never writes through a link: remove it or choose another directory"

  # a link where an output file goes (rubric.json -> a victim file)
  p=$dir/file
  paths_project "$p"
  mkdir -p "$p/_build"
  ln -s "$victim/rubric.json" "$p/_build/rubric.json"
  paths_run write-file 30 build "$p"
  paths_status "write links (rubric.json)" 2
  paths_line "write links (rubric.json): the error names the link" \
    "casebook: cannot write $p/_build/rubric.json: it is a symbolic link, and casebook never writes through a link in its output directory"

  after=$(paths_fingerprint "$victim")
  [ "$before" = "$after" ]
  paths_check "write links: nothing in the victim directories changed (bytes, names, times)" $? /dev/null
  if [ -z "$(ls -A "$victim/everything")" ]; then
    pass "paths write links: nothing was written into the target of _build"
  else
    ls -la "$victim/everything" >"$TMP/paths-why"
    fail "paths write links: nothing was written into the target of _build" "$TMP/paths-why"
  fi
}

# ---- finding: two builds into one output directory leave a mix ---------

# paths_version DIR LETTER: a project of 100 chapters whose file names,
# ids and text all differ from one letter to another.
paths_version() {
  mkdir -p "$1"
  awk -v v="$2" -v d="$1" 'BEGIN {
    print "# Guide " v "\n\n## Question q" v ": Is it " v "?\n\n| Option | Meaning |\n|---|---|\n| yes | Yes. |\n| no | No. |\n" >(d "/guide.md")
    for (i = 0; i < 100; i++) {
      f = sprintf("%s/%s-%03d.md", d, v, i)
      printf "# Chapter %s %d\n\n", v, i >f
      for (k = 0; k < 8; k++)
        printf "## Case %s-%d-%d: Case %d of version %s\n\n~~~prompt\nQuestion %d %d of %s?\n~~~\n\n- q%s: yes\n\nBecause %s.\n\n", v, i, k, k, v, i, k, v, v, v >f
      close(f)
    }
  }'
}

paths_concurrent() {
  dir=$TMP/paths-lock
  paths_version "$dir/a" a
  paths_version "$dir/b" b
  "$CASEBOOK" -q build "$dir/a" -o "$dir/ref-a" 2>/dev/null
  "$CASEBOOK" -q build "$dir/b" -o "$dir/ref-b" 2>/dev/null
  ref_a=$(paths_outputs "$dir/ref-a")
  ref_b=$(paths_outputs "$dir/ref-b")
  mixed=0 stale=0
  : >"$dir/why"
  for round in 1 2 3; do
    out=$dir/out-$round
    "$CASEBOOK" -q build "$dir/a" -o "$out" 2>"$dir/err-a" &
    pa=$!
    "$CASEBOOK" -q build "$dir/b" -o "$out" 2>"$dir/err-b" &
    pb=$!
    wait $pa
    wait $pb
    got=$(paths_outputs "$out")
    if [ "$got" != "$ref_a" ] && [ "$got" != "$ref_b" ]; then
      mixed=$((mixed + 1))
      echo "round $round: a mix of the two versions" >>"$dir/why"
    fi
    # the next builds (the cache on): exactly their own version each
    "$CASEBOOK" -q build "$dir/a" -o "$out" 2>/dev/null
    [ "$(paths_outputs "$out")" = "$ref_a" ] || { stale=$((stale + 1)); echo "round $round: a after the race" >>"$dir/why"; }
    "$CASEBOOK" -q build "$dir/b" -o "$out" 2>/dev/null
    [ "$(paths_outputs "$out")" = "$ref_b" ] || { stale=$((stale + 1)); echo "round $round: b after a" >>"$dir/why"; }
  done
  [ $mixed -eq 0 ]
  paths_check "lock: two builds at once into one -o leave one version (3 rounds)" $? "$dir/why"
  [ $stale -eq 0 ]
  paths_check "lock: the next build (nothing-changed path) leaves exactly its own version" $? "$dir/why"

  # a build waits for the lock of another, and says so once (the holder
  # keeps it 2 s: ELAPSED counts whole seconds, and a wait of less than
  # one may read 0)
  out=$dir/held
  "$CASEBOOK" -q build "$dir/a" -o "$out" 2>/dev/null
  flock "$out/.casebook-lock" sleep 2 &
  holder=$!
  sleep 0.2
  paths_run lock-wait 30 build "$dir/b" -o "$out"
  wait $holder
  paths_status "lock: a build waits for the lock" 0
  paths_line "lock: the wait is said once" \
    "casebook: waiting for another build into $out to finish"
  [ "$(grep -c 'waiting for another build' "$PERR")" -eq 1 ] && [ "$ELAPSED" -ge 1 ] &&
    [ "$(paths_outputs "$out")" = "$ref_b" ]
  paths_check "lock: it built after the holder let go, its own version" $?
}

# ---- finding: temporary files of a killed build stay ---------------------

paths_stale() {
  dir=$TMP/paths-stale
  p=$dir/p
  out=$dir/out
  paths_project "$p"
  "$CASEBOOK" -q build "$p" -o "$out" 2>/dev/null
  # what a SIGKILL leaves, in html/ (published) and beside the rubric
  : >"$out/html/.index.html.tmp-4242-1"
  : >"$out/html/.guide.html.tmp-4242-17"
  printf 'half' >"$out/.rubric.json.tmp-77-3"
  mkdir -p "$dir/victim"
  printf 'victim\n' >"$dir/victim/keep"
  ln -s "$dir/victim/keep" "$out/html/.style.css.tmp-4242-2"  # a link: not ours
  mkdir "$out/html/.dir.tmp-1-1"                                # a directory
  : >"$out/html/.notes.tmp"                                     # another name
  before=$(paths_fingerprint "$dir/victim")
  paths_run stale 30 build "$p" -o "$out"
  paths_status "stale temporary files" 0
  left=$(find "$out" -name '.*.tmp-*' -type f | wc -l)
  [ "$left" -eq 0 ]
  paths_check "stale: the temporary files of a killed build are removed" $?
  [ -L "$out/html/.style.css.tmp-4242-2" ] && [ -d "$out/html/.dir.tmp-1-1" ] &&
    [ -f "$out/html/.notes.tmp" ] && [ "$before" = "$(paths_fingerprint "$dir/victim")" ]
  paths_check "stale: links, directories and other names are left alone" $?

  # a real SIGKILL in the middle of a build, then the next build
  big=$dir/big
  paths_version "$big" k
  "$CASEBOOK" -q build "$big" -o "$dir/killed" >/dev/null 2>&1 &
  pk=$!
  sleep 0.3
  kill -9 $pk 2>/dev/null
  wait $pk 2>/dev/null
  paths_run stale-killed 60 build "$big" -o "$dir/killed"
  paths_status "stale after SIGKILL" 0
  left=$(find "$dir/killed" -name '.*.tmp-*' | wc -l)
  [ "$left" -eq 0 ]
  paths_check "stale: no temporary file after a SIGKILL and a rebuild" $?
}

# ---- finding: an output directory inside the project is read -------------

paths_inside() {
  dir=$TMP/paths-inside
  p=$dir/p
  paths_project "$p"
  paths_run inside-1 30 build "$p" -o "$p/out"
  paths_status "output inside the project (first build)" 0
  paths_run inside-2 30 build "$p" -o "$p/out"
  paths_status "output inside the project (second build)" 0
  if cmp -s "$TMP/paths-inside-1.err" "$PERR" && ! grep -q 'out/' "$PERR"; then
    pass "paths inside: the second build reads no file of p/out"
  else
    diff -u "$TMP/paths-inside-1.err" "$PERR" >"$TMP/paths-why"
    fail "paths inside: the second build reads no file of p/out" "$TMP/paths-why"
  fi
  [ ! -e "$p/out/html/out-judge-prompts-harm.html" ]
  paths_check "inside: no page of a judge prompt" $?
  # the same directory by another name (compared by device and inode)
  paths_run inside-3 30 build "$p" -o "$p/./out/"
  paths_status "output inside the project (another spelling)" 0
  cmp -s "$TMP/paths-inside-1.err" "$PERR"
  paths_check "inside: another spelling of the same directory is left out too" $?
  paths_run inside-check 30 check "$p"
  paths_status "output inside the project (check)" 0
  # the project directory itself is refused
  paths_run inside-root 30 build "$p" -o "$p"
  paths_status "output is the project" 2
  paths_line "inside: -o the project directory is refused" \
    "casebook: the output directory is the project directory '$p' itself: choose another one (the default is '$p/_build')"
}

# ---- input size limits ------------------------------------------------------

paths_sizes() {
  dir=$TMP/paths-sizes
  p=$dir/p
  paths_project "$p"
  # sparse: 129 MiB on paper, no disk
  truncate -s 129M "$p/huge.md"
  paths_run size-file 30 build "$p" -o "$dir/out"
  paths_status "size: a file over the limit" 1
  paths_line "size: file-too-large at the file, with the sizes" \
    "$p/huge.md: error: 135266304 bytes: larger than the limit of 134217728 bytes (128 MiB) for one project file; it is not read [file-too-large]"
  [ -s "$dir/out/gold.jsonl" ] && [ "$ELAPSED" -le 5 ]
  paths_check "size: the rest is built, quickly (${ELAPSED}s)" $?
  rm -f "$p/huge.md"

  # the total: nine files under the limit each, 1,080 MiB together
  t=$dir/total
  paths_project "$t"
  for i in 1 2 3 4 5 6 7 8 9; do truncate -s 120M "$t/big-$i.bin"; done
  paths_run size-total 30 build "$t" -o "$dir/out-total"
  paths_status "size: a project over the total limit" 2
  total=$((1132462080 + $(wc -c <"$t/guide.md")))
  paths_line "size: the total is said, with the sizes" \
    "casebook: the project's files total $total bytes: larger than the limit of 1073741824 bytes (1024 MiB) for a project"

  # under --rev: a 130 MiB chapter committed (a few hundred KB packed)
  # ends at once, without inflating the blob
  r=$dir/repo
  paths_project "$r"
  pg init -q "$r"
  { printf '# Huge\n\n'; head -c 136314880 /dev/zero | tr '\0' 'a'; } >"$r/huge.md"
  pg -C "$r" add -A
  pg -C "$r" commit -q -m huge
  rm -f "$r/huge.md"
  paths_run size-rev 30 build --rev HEAD "$r" -o "$dir/out-rev"
  paths_status "size: --rev with a huge blob" 1
  paths_line "size: --rev says file-too-large from the blob's header" \
    "$r/huge.md: error: 136314888 bytes: larger than the limit of 134217728 bytes (128 MiB) for one project file; it is not read [file-too-large]"
  [ "$ELAPSED" -le 5 ]
  paths_check "size: --rev ends quickly (${ELAPSED}s)" $?
  if command -v /usr/bin/time >/dev/null 2>&1; then
    /usr/bin/time -f '%M' -o "$dir/rss" "$CASEBOOK" -q build --rev HEAD "$r" -o "$dir/out-rev" >/dev/null 2>&1
    rss=$(tail -n 1 "$dir/rss")
    [ "$rss" -lt 100000 ]
    paths_check "size: --rev never holds the blob (${rss} KB resident)" $? "$dir/rss"
  fi
}

# paths_time NAME FUNCTION: runs FUNCTION, saying how long it took when
# VERBOSE.
paths_time() {
  pt_t0=$(now)
  "$2"
  [ -n "$VERBOSE" ] && echo "     ($1: $(($(now) - pt_t0))s)"
  return 0
}

layer_paths() {
  if [ ! -x "$CASEBOOK" ]; then
    fail "paths: $CASEBOOK is missing"
    return
  fi
  need_cmd git git
  need_cmd flock util-linux
  paths_time "links out of the project" paths_read_links
  paths_time "links in the output tree" paths_write_links
  paths_time "two builds at once" paths_concurrent
  paths_time "temporary files" paths_stale
  paths_time "output inside the project" paths_inside
  paths_time "size limits" paths_sizes
}
