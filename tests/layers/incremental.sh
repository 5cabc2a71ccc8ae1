# tests/layers/incremental.sh: the build cache of `casebook build`
# (docs/cache.md). Each step changes a project, builds it incrementally
# into one output directory, builds it again with --no-cache into a fresh
# one, and requires the two to be byte for byte the same (every file but
# OUT/.cache), with the same diagnostics and exit status. Along the way:
# the cache is really used (`build -v` says how much came from it), a
# no-op rebuild replays the diagnostics and status of the full build,
# damaged or foreign cache files and an unwritable cache are survived,
# and in git a new commit or tag is never hidden by the cache. Sourced by
# tests/run.sh; defines layer_incremental.

# inc_build NAME DIR OUT [ARGS...]: builds DIR into OUT (-v), output in
# $TMP/inc/NAME.out and .err; sets RC.
inc_build() {
  ib_name=$1 ib_dir=$2 ib_out=$3
  shift 3
  run_limited 120 "$TMP/inc/$ib_name.out" "$TMP/inc/$ib_name.err" \
    "$CASEBOOK" --color=never -v build "$ib_dir" -o "$ib_out" "$@"
}

# inc_diags FILE: the diagnostics of a build's stderr (the lines of -v
# about the build and the cache left out).
inc_diags() {
  grep -v -e '^built [0-9]* chapters' -e 'chapters from the build cache$' \
    -e '^nothing changed since the last build' -e '^history: ' \
    -e '^[0-9]* changes\{0,1\} since ' "$1"
}

# inc_check NAME DIR OUT [ARGS...]: an incremental build of DIR into OUT,
# a rebuild with --no-cache of a copy of OUT as it was before, and a clean
# build with --no-cache into a new directory. Passes when the incremental
# build's files (all but OUT/.cache), diagnostics and status are those of
# the rebuild without cache and of the clean build; a file that only the
# two rebuilds have (an output of an earlier build that the build itself
# does not remove) is not the cache's doing and is noted, not failed.
# Leaves the incremental build's stderr in $TMP/inc/NAME.err.
inc_check() {
  ic_name=$1 ic_dir=$2 ic_out=$3
  shift 3
  rm -rf "$TMP/inc/clean" "$TMP/inc/prev"
  if [ -d "$ic_out" ]; then cp -r "$ic_out" "$TMP/inc/prev"; fi
  rm -rf "$TMP/inc/prev/.cache"
  inc_build "$ic_name" "$ic_dir" "$ic_out" "$@"
  ic_rc=$RC
  inc_build "$ic_name-clean" "$ic_dir" "$TMP/inc/clean" --no-cache "$@"
  ic_clean_rc=$RC
  inc_build "$ic_name-prev" "$ic_dir" "$TMP/inc/prev" --no-cache "$@"
  ic_detail=$TMP/inc/$ic_name.detail
  : >"$ic_detail"
  if [ "$ic_rc" -ne "$ic_clean_rc" ] || [ "$ic_rc" -ne "$RC" ] ||
    [ "$ic_rc" -gt 1 ]; then
    echo "exit status $ic_rc incremental, $ic_clean_rc clean, $RC rebuilt" \
      >>"$ic_detail"
    cat "$TMP/inc/$ic_name.err" >>"$ic_detail"
  fi
  inc_diags "$TMP/inc/$ic_name.err" >"$TMP/inc/$ic_name.d1"
  inc_diags "$TMP/inc/$ic_name-clean.err" >"$TMP/inc/$ic_name.d2"
  diff "$TMP/inc/$ic_name.d1" "$TMP/inc/$ic_name.d2" >>"$ic_detail" 2>&1
  diff -r -x .cache "$ic_out" "$TMP/inc/prev" >>"$ic_detail" 2>&1
  diff -r -x .cache "$TMP/inc/prev" "$TMP/inc/clean" |
    sed -n "s|^Only in $TMP/inc/prev|Only in $ic_out|p" >"$TMP/inc/stale"
  diff -r -x .cache "$ic_out" "$TMP/inc/clean" >"$TMP/inc/vs-clean" 2>&1
  grep -v -x -F -f "$TMP/inc/stale" "$TMP/inc/vs-clean" >>"$ic_detail"
  if [ -s "$TMP/inc/stale" ]; then
    sed "s|^|$ic_name: |" "$TMP/inc/stale" >>"$TMP/inc/stale-all"
  fi
  if [ -d "$TMP/inc/clean/.cache" ] || [ -d "$TMP/inc/prev/.cache" ]; then
    echo "--no-cache wrote a cache" >>"$ic_detail"
  fi
  if sanitizer_report "$TMP/inc/$ic_name.err"; then
    cat "$TMP/inc/$ic_name.err" >>"$ic_detail"
  fi
  if [ -s "$ic_detail" ]; then
    fail "incremental $ic_name" "$ic_detail"
  else
    pass "incremental $ic_name"
  fi
}

# inc_expect NAME PATTERN: passes when the last build's stderr matches.
inc_expect() {
  if grep -q -e "$2" "$TMP/inc/$1.err"; then
    pass "incremental $1 says '$2'"
  else
    fail "incremental $1 says '$2'" "$TMP/inc/$1.err"
  fi
}

inc_expect_not() {
  if grep -q -e "$2" "$TMP/inc/$1.err"; then
    fail "incremental $1 does not say '$2'" "$TMP/inc/$1.err"
  else
    pass "incremental $1 does not say '$2'"
  fi
}

# A project with diagnostics of every origin: the manifest (a rule's
# severity), the extraction (a bad element heading), the rules (an
# unknown option), and a project rule.
inc_diag_project() {
  d=$1
  mkdir -p "$d/rules"
  cat >"$d/casebook.lua" <<'EOF'
title = "Diagnostics"
rules = { ["missing-rationale"] = "warning" }
EOF
  cat >"$d/a.md" <<'EOF'
# Questions

## Question harm: Is it harmful?

| Option | Meaning |
|---|---|
| safe | Fine. |
| harmful | Not fine. |

## Case c1: A case

```prompt
hello
```

- harm: harmfull

## Case !bad heading

Text with a [link](b.md#case-c2).
EOF
  cat >"$d/b.md" <<'EOF'
# More

## Case c2: Another

```prompt
bye
```

- harm: safe

Because.
EOF
  case_rule "$d/rules/shout.lua" no-shouting "titles are not all capitals" \
    'c.title == "Another"' '"a case called Another"'
}

layer_incremental() {
  mkdir -p "$TMP/inc"
  P=$TMP/inc/chat
  O=$TMP/inc/out
  cp -r "$ROOT/casebooks/chat-safety" "$P"
  rm -rf "$P/_build"

  # a cold cache, then a rebuild where nothing changed
  inc_check first "$P" "$O"
  if [ -f "$O/.cache/chapters.bin" ] && [ -f "$O/.cache/build.bin" ]; then
    pass "incremental cache written"
  else
    fail "incremental cache written"
  fi
  if [ -d "$O/html/.cache" ] || ls "$O/html" | grep -q cache; then
    fail "incremental cache is not in the site"
  else
    pass "incremental cache is not in the site"
  fi
  inc_check noop "$P" "$O"
  inc_expect noop "nothing changed since the last build"
  n_chapters=$(ls "$P"/*.md | wc -l)

  # a file touched but not changed: still nothing to do
  touch "$P/harm.md"
  sleep 1
  inc_check touched "$P" "$O"
  inc_expect touched "nothing changed since the last build"

  # edit one chapter (a link added early, so every later chapter's link
  # numbers move)
  printf '\nSee [the overview](overview.md) and [a case](case:%s).\n' \
    "$(grep -m1 -o '^## Case [A-Za-z0-9._-]*' "$P/cases-harm.md" | sed 's/## Case //')" \
    >>"$P/overview.md"
  inc_check edit-chapter "$P" "$O"
  inc_expect edit-chapter "$((n_chapters - 1)) of $n_chapters chapters from the build cache"

  # add a chapter with a case and links: the other chapters stay cached
  q=$(grep -m1 -o '^#* *Question [A-Za-z0-9._-]*' "$P/harm.md" | sed 's/.*Question //')
  cat >"$P/extra.md" <<EOF
# Extra

## Case extra-1: An extra case

\`\`\`prompt
Is this extra?
\`\`\`

\`\`\`response
It is.
\`\`\`

Because it is, see [harm](harm.md) and [the question](question:$q).
EOF
  inc_check add-chapter "$P" "$O"
  inc_expect add-chapter "$n_chapters of $((n_chapters + 1)) chapters from the build cache"

  # a chapter with a new question: every chapter is extracted again (a
  # property list of a case is one when it names a known question)
  cat >"$P/extra2.md" <<'EOF'
# Extra questions

## Question extra-q: An extra question

| Option | Meaning |
|---|---|
| yes | Yes. |
| no | No. |
EOF
  inc_check add-question "$P" "$O"
  rm "$P/extra2.md"
  inc_check remove-question "$P" "$O"

  # delete a chapter
  rm "$P/comparisons.md"
  inc_check delete-chapter "$P" "$O"

  # change the manifest (the title, and a rule's severity)
  sed -i 's/^title = .*/title = "Chat Safety, second edition"/' "$P/casebook.lua"
  printf 'rules = { ["missing-rationale"] = "off" }\n' >>"$P/casebook.lua"
  inc_check manifest "$P" "$O"

  # a project rule appears, then changes
  mkdir -p "$P/rules"
  case_rule "$P/rules/long-title.lua" long-title "case titles stay short" \
    '#c.title > 40' '"a long title"'
  inc_check add-rule "$P" "$O"
  sed -i 's/> 40/> 20/' "$P/rules/long-title.lua"
  inc_check change-rule "$P" "$O"

  # a template of the project
  mkdir -p "$P/templates"
  if [ -f "$ROOT/templates/page.html" ]; then
    sed 's/<body/<body data-project-template="1"/' "$ROOT/templates/page.html" \
      >"$P/templates/page.html"
    inc_check template "$P" "$O"
  fi

  # revert everything
  rm -rf "$P"
  cp -r "$ROOT/casebooks/chat-safety" "$P"
  rm -rf "$P/_build"
  inc_check revert "$P" "$O"
  inc_check revert-noop "$P" "$O"
  inc_expect revert-noop "nothing changed since the last build"

  # outputs changed or removed behind the cache's back are rebuilt
  echo "tampered" >>"$O/rubric.json"
  inc_check output-changed "$P" "$O"
  inc_expect_not output-changed "nothing changed since the last build"
  rm -f "$O/html/index.html"
  inc_check output-removed "$P" "$O"
  echo "stray" >"$O/html/stray.txt"
  inc_build output-added "$P" "$O"
  inc_expect_not output-added "nothing changed since the last build"
  rm -f "$O/html/stray.txt"
  inc_check output-added-removed "$P" "$O"

  # damaged, truncated and foreign cache files are ignored
  printf '\nOne more line.\n' >>"$P/harm.md"
  inc_check before-damage "$P" "$O"
  size=$(wc -c <"$O/.cache/chapters.bin")
  head -c $((size / 2)) "$O/.cache/chapters.bin" >"$TMP/inc/half"
  cp "$TMP/inc/half" "$O/.cache/chapters.bin"
  printf '\nAnd another.\n' >>"$P/harm.md"
  inc_check truncated "$P" "$O"
  # flip bytes in the middle of every entry's data
  size=$(wc -c <"$O/.cache/chapters.bin")
  printf 'XXXXXXXXXXXXXXXX' | dd of="$O/.cache/chapters.bin" bs=1 \
    seek=$((size / 3)) conv=notrunc 2>/dev/null
  printf 'YYYYYYYYYYYYYYYY' | dd of="$O/.cache/chapters.bin" bs=1 \
    seek=$((2 * size / 3)) conv=notrunc 2>/dev/null
  printf 'XXXXXXXXXXXXXXXX' | dd of="$O/.cache/build.bin" bs=1 seek=40 \
    conv=notrunc 2>/dev/null
  inc_check corrupt "$P" "$O"
  head -c 100000 /dev/urandom >"$O/.cache/chapters.bin"
  head -c 3000 /dev/urandom >"$O/.cache/build.bin"
  inc_check foreign "$P" "$O"
  printf 'CBCHAP01' >"$O/.cache/chapters.bin"
  printf 'CBBUILD1' >"$O/.cache/build.bin"
  inc_check magic-only "$P" "$O"
  : >"$O/.cache/chapters.bin"
  : >"$O/.cache/build.bin"
  inc_check empty-files "$P" "$O"
  inc_check after-damage-noop "$P" "$O"
  inc_expect after-damage-noop "nothing changed since the last build"

  # a cache that cannot be written: the build goes on without it
  rm -rf "$O/.cache"
  echo "not a directory" >"$O/.cache"
  inc_check cache-is-a-file "$P" "$O"
  inc_check cache-is-a-file-again "$P" "$O"
  inc_expect_not cache-is-a-file-again "nothing changed since the last build"
  rm -f "$O/.cache"
  if [ "$(id -u)" != 0 ]; then
    inc_build ro-first "$P" "$O"
    chmod -R a-w "$O/.cache"
    printf '\nRead only.\n' >>"$P/harm.md"
    inc_check read-only "$P" "$O"
    chmod -R u+w "$O/.cache"
  fi

  # diagnostics of every origin, replayed with the same exit status
  D=$TMP/inc/diag
  inc_diag_project "$D"
  inc_check diag-first "$D" "$TMP/inc/dout"
  if [ "$RC" -eq 1 ]; then pass "incremental diag project fails"; else
    fail "incremental diag project fails" "$TMP/inc/diag-first.err"
  fi
  inc_check diag-noop "$D" "$TMP/inc/dout"
  inc_expect diag-noop "nothing changed since the last build"
  inc_check diag-noop-warning "$D" "$TMP/inc/dout" --fail-on warning
  # the manifest turns the extraction's diagnostic off: the chapters'
  # cached diagnostics must follow
  printf 'rules = { ["bad-element-heading"] = "off" }\n' >>"$D/casebook.lua"
  inc_check diag-severity "$D" "$TMP/inc/dout"
  printf 'rules = { ["bad-element-heading"] = "note" }\n' >>"$D/casebook.lua"
  inc_check diag-severity-note "$D" "$TMP/inc/dout"
  # raw HTML allowed: chapters are not cached, the build still is
  printf 'unsafe_html = true\n' >>"$D/casebook.lua"
  printf '\n<p>Raw <a href="b.md">html</a></p>\n' >>"$D/a.md"
  inc_check unsafe-html "$D" "$TMP/inc/dout"
  printf '\nMore [links](a.md).\n' >>"$D/a.md"
  inc_check unsafe-html-edit "$D" "$TMP/inc/dout"
  inc_expect_not unsafe-html-edit "chapters from the build cache"
  inc_check unsafe-html-noop "$D" "$TMP/inc/dout"
  inc_expect unsafe-html-noop "nothing changed since the last build"

  # the project directory named another way: paths in diagnostics follow
  (cd "$D" && run_limited 60 "$TMP/inc/rel.out" "$TMP/inc/rel.err" \
    "$CASEBOOK" --color=never build . -o "$TMP/inc/dout")
  (cd "$D" && run_limited 60 "$TMP/inc/rel2.out" "$TMP/inc/rel2.err" \
    "$CASEBOOK" --color=never build . -o "$TMP/inc/rel-clean" --no-cache)
  if diff "$TMP/inc/rel.err" "$TMP/inc/rel2.err" >"$TMP/inc/rel.diff"; then
    pass "incremental diag paths as given"
  else
    fail "incremental diag paths as given" "$TMP/inc/rel.diff"
  fi

  # in git: a commit or a tag changes the stamp, the cache must see it
  need_cmd git git
  if command -v git >/dev/null 2>&1; then
    G=$TMP/inc/repo
    mkdir -p "$G"
    cp -r "$ROOT/casebooks/chat-safety/." "$G/"
    rm -rf "$G/_build"
    (
      cd "$G" && git init -q && git config user.email t@example.com &&
        git config user.name Test && git add . &&
        git commit -q -m first
    ) >/dev/null 2>&1
    inc_check git-first "$G" "$TMP/inc/gout"
    inc_check git-noop "$G" "$TMP/inc/gout"
    inc_expect git-noop "nothing changed since the last build"
    (cd "$G" && git commit -q --allow-empty -m second) >/dev/null 2>&1
    inc_check git-commit "$G" "$TMP/inc/gout"
    inc_expect_not git-commit "nothing changed since the last build"
    (cd "$G" && git tag v9.9) >/dev/null 2>&1
    inc_check git-tag "$G" "$TMP/inc/gout"
    inc_expect_not git-tag "nothing changed since the last build"
    inc_check git-since "$G" "$TMP/inc/gout" --since HEAD~1
    inc_expect_not git-since "nothing changed since the last build"
    inc_check git-since-noop "$G" "$TMP/inc/gout" --since HEAD~1
    inc_expect git-since-noop "nothing changed since the last build"
    printf '\nDirty.\n' >>"$G/harm.md"
    inc_check git-dirty "$G" "$TMP/inc/gout"
    (cd "$G" && git add harm.md) >/dev/null 2>&1
    inc_check git-staged "$G" "$TMP/inc/gout"
    (cd "$G" && git commit -q -m third) >/dev/null 2>&1
    inc_check git-rev "$G" "$TMP/inc/rout" --rev HEAD~1
    inc_check git-rev-noop "$G" "$TMP/inc/rout" --rev HEAD~1
    inc_expect git-rev-noop "nothing changed since the last build"
    # the working tree is not what --rev reads
    printf '\nNot committed.\n' >>"$G/harm.md"
    inc_check git-rev-worktree "$G" "$TMP/inc/rout" --rev HEAD~1
    inc_expect git-rev-worktree "nothing changed since the last build"
    inc_check git-rev-moved "$G" "$TMP/inc/rout" --rev HEAD
    inc_expect_not git-rev-moved "nothing changed since the last build"
    inc_expect git-rev-moved "chapters from the build cache"
  else
    fail "incremental git (no git command)"
  fi
  if [ -s "$TMP/inc/stale-all" ]; then
    echo "     note: rebuilds with and without the cache leave these outputs" \
      "of earlier builds, that a clean build does not write:"
    sort -u "$TMP/inc/stale-all" | head -n 5 | sed 's/^/       /'
  fi
}
