# SPDX-License-Identifier: MIT
# tests/layers/incremental.sh: the build cache of `casebook build`
# (docs/cache.md). Each step changes a project, builds it incrementally
# into one output directory, builds it again with --no-cache into a fresh
# one, and requires the two to be byte for byte the same (every file but
# OUT/.cache), with the same diagnostics and exit status. Along the way:
# the cache is really used (`build -v` says how much came from it), a
# no-op rebuild replays the diagnostics and status of the full build,
# damaged or foreign cache files and an unwritable cache are survived,
# and in git a new commit or tag is never hidden by the cache. Then the
# cache as an attacker sees it: chapter entries rewritten to plant a
# redirect in the site, in the old format with its checksum recomputed
# and in the new one with a MAC under the attacker's own key, committed
# and built in a fresh clone; a committed cache with a valid MAC; no key
# at all. The outputs carry only what the Markdown says, with a note.
# The key lives in a cache directory of the layer's own (XDG_CACHE_HOME).
# Sourced by tests/run.sh; defines layer_incremental.

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
  awk '
    / \[cache-(untrusted|tracked)\]$/ { cache++; next }
    /^built [0-9]* chapters/ || /chapters from the build cache$/ ||
      /^nothing changed since the last build/ || /^history: / ||
      /^[0-9]* changes? since / || /^build cache off: / { next }
    /^[0-9]+ errors?, [0-9]+ warnings?, [0-9]+ notes?$/ {
      e = $1; w = $3; o = $5 - cache
      if (e + w + o == 0) next
      printf "%d error%s, %d warning%s, %d note%s\n", e, e == 1 ? "" : "s",
        w, w == 1 ? "" : "s", o, o == 1 ? "" : "s"
      next
    }
    { print }' "$1"
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

# inc_forge MODE FILE KEY NEEDLE TEXT: rewrites every NEEDLE in the
# payloads of the chapter cache FILE into TEXT (padded to the same
# length, so every length prefix still holds), then makes the entries
# look genuine again: MODE old writes the format casebook used before the
# MAC ("CBCHAP01", each entry with its 64-bit checksum, which is no
# secret), MODE new keeps "CBCHAP02" with each entry's HMAC-SHA256 under
# the key in the file KEY. Prints how many strings were rewritten.
inc_forge() {
  node - "$@" <<'EOF'
const fs = require("fs"), crypto = require("crypto");
const [mode, file, keyFile, needle, text] = process.argv.slice(2);
const buf = fs.readFileSync(file);
if (buf.toString("latin1", 0, 8) !== "CBCHAP02") throw new Error("not a chapter cache");
const compiler = buf.subarray(8, 28), n = Number(buf.readBigUInt64LE(28));
const entries = [];
for (let i = 0, at = 36; i < n; i++) {
  const len = Number(buf.readBigUInt64LE(at + 20));
  entries.push({ key: buf.subarray(at, at + 20), payload: Buffer.from(buf.subarray(at + 60, at + 60 + len)) });
  at += 60 + len;
}
const from = Buffer.from(needle), to = Buffer.from(text.padEnd(needle.length, " "));
if (to.length !== from.length) throw new Error("TEXT is longer than NEEDLE");
let hits = 0;
for (const e of entries)
  for (let k = e.payload.indexOf(from); k >= 0; k = e.payload.indexOf(from, k + 1)) {
    to.copy(e.payload, k);
    hits++;
  }
const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
// the checksum of the old format, in 64-bit arithmetic
const M = (1n << 64n) - 1n;
const rotl = (x, r) => ((x << BigInt(r)) | (x >> BigInt(64 - r))) & M;
const mix = (h) => {
  h ^= h >> 33n; h = (h * 0xff51afd7ed558ccdn) & M;
  h ^= h >> 33n; h = (h * 0xc4ceb9fe1a85ec53n) & M;
  return h ^ (h >> 33n);
};
const checksum = (p) => {
  let h = 0x9E3779B97F4A7C15n ^ BigInt(p.length), i = 0;
  for (; p.length - i >= 8; i += 8)
    h = (rotl(h ^ ((p.readBigUInt64LE(i) * 0x87c37b91114253d5n) & M), 29) * 0x4cf5ad432745937fn) & M;
  let t = 0n;
  for (let k = 0; i + k < p.length; k++) t |= BigInt(p[i + k]) << BigInt(8 * k);
  return mix(h ^ t ^ 0x52dce729n);
};
const parts = [Buffer.from(mode === "old" ? "CBCHAP01" : "CBCHAP02"), compiler, u64(n)];
for (const e of entries) {
  if (mode === "old") {
    parts.push(e.key, u64(e.payload.length), u64(checksum(e.payload)), e.payload);
  } else {
    const mac = crypto.createHmac("sha256", fs.readFileSync(keyFile))
      .update("CBCHAP02").update(compiler).update(e.key)
      .update(u64(e.payload.length)).update(e.payload).digest();
    parts.push(e.key, u64(e.payload.length), mac, e.payload);
  }
}
fs.writeFileSync(file, Buffer.concat(parts));
console.log(hits);
EOF
}

# inc_clean NAME OUT: passes when no output under OUT carries the planted
# redirect, and rubric.json has the option's meaning from the Markdown.
inc_clean() {
  if ! grep -r -l -e 'http-equiv="refresh"' -e 'evil\.example' "$2" >"$TMP/inc/$1.planted" 2>&1 &&
    grep -q 'Nothing in the reply could plausibly help anyone cause harm' "$2/rubric.json"; then
    pass "incremental $1: the outputs say what the Markdown says"
  else
    echo "(files with the planted redirect above)" >>"$TMP/inc/$1.planted"
    fail "incremental $1: the outputs say what the Markdown says" "$TMP/inc/$1.planted"
  fi
}

# ag ARGS...: tgit as the attacker (author and committer).
ag() {
  TGIT_HOME=$TMP/inc/git-home TGIT_AUTHOR_NAME=Attacker TGIT_AUTHOR_EMAIL=a@example.org \
    TGIT_COMMITTER_NAME=Attacker TGIT_COMMITTER_EMAIL=a@example.org tgit "$@"
}

# The attacks on the cache (docs/cache.md, "Trust").
inc_attacks() {
  A=$TMP/inc/attack
  NEEDLE='Nothing in the reply could plausibly help anyone cause harm, including'
  EVIL='<meta http-equiv="refresh" content="0;url=https://evil.example/">'
  need_cmd node nodejs
  if ! command -v node >/dev/null 2>&1 || ! command -v git >/dev/null 2>&1; then
    fail "incremental attacks (node and git are needed)"
    return
  fi
  mkdir -p "$A" "$TMP/inc/git-home"
  # the attacker builds with a key of their own, rewrites the meaning of
  # the option "safe" in the cache, and commits it with the project
  for mode in old new; do
    R=$A/$mode-repo
    mkdir -p "$R"
    cp -r "$ROOT/casebooks/chat-safety/." "$R/"
    rm -rf "$R/_build"
    XDG_CACHE_HOME=$A/attacker-cache inc_build "attack-$mode-prepare" "$R" "$R/_build"
    hits=$(inc_forge "$mode" "$R/_build/.cache/chapters.bin" \
      "$A/attacker-cache/casebook/key" "$NEEDLE" "$EVIL" 2>"$TMP/inc/forge.err")
    if [ "${hits:-0}" -ge 2 ]; then
      pass "incremental attack-$mode: $hits strings of the cache rewritten"
    else
      fail "incremental attack-$mode: strings of the cache rewritten" "$TMP/inc/forge.err"
    fi
    rm -f "$R/_build/.cache/build.bin"
    (ag -C "$R" init -q && ag -C "$R" add -A && ag -C "$R" add -f _build/.cache &&
      ag -C "$R" commit -q -m "A harmless change") >/dev/null 2>&1
    ag clone -q "$R" "$A/$mode-clone" >/dev/null 2>&1
    C=$A/$mode-clone
    [ -f "$C/_build/.cache/chapters.bin" ]
    git_ok=$?
    inc_build "attack-$mode" "$C" "$C/_build"
    if [ $git_ok -eq 0 ] && [ "$RC" -eq 0 ] &&
      grep -q -x "casebook: note: $C/_build/.cache/chapters.bin is tracked by git, so anyone who can commit could have written it: it is not used (remove it from the repository with git rm --cached, and keep the output directory out of git) \[cache-tracked\]" \
        "$TMP/inc/attack-$mode.err"; then
      pass "incremental attack-$mode: the committed cache is noted and not used"
    else
      fail "incremental attack-$mode: the committed cache is noted and not used" "$TMP/inc/attack-$mode.err"
    fi
    inc_expect_not "attack-$mode" "chapters from the build cache"
    inc_clean "attack-$mode" "$C/_build"
  done

  # the same forged file, not tracked (an output directory outside git):
  # the MAC under the attacker's key does not verify for anyone else
  U=$A/untracked-out
  inc_build attack-untracked-prepare "$ROOT/casebooks/chat-safety" "$U" --no-cache
  mkdir -p "$U/.cache"
  cp "$A/new-repo/_build/.cache/chapters.bin" "$U/.cache/chapters.bin"
  inc_build attack-untracked "$ROOT/casebooks/chat-safety" "$U"
  if [ "$RC" -eq 0 ] &&
    grep -q -x "casebook: note: $U/.cache/chapters.bin: [0-9]* entries are not authenticated by this user's cache key (written by someone else, or altered): not used \[cache-untrusted\]" \
      "$TMP/inc/attack-untracked.err"; then
    pass "incremental attack-untracked: entries signed with another key are noted and not used"
  else
    fail "incremental attack-untracked: entries signed with another key are noted and not used" "$TMP/inc/attack-untracked.err"
  fi
  inc_expect_not attack-untracked "chapters from the build cache"
  inc_clean attack-untracked "$U"
  # a record that is not ours: not replayed
  printf 'CBBUILD2' >"$U/.cache/build.bin"
  head -c 200 /dev/urandom >>"$U/.cache/build.bin"
  inc_build attack-record "$ROOT/casebooks/chat-safety" "$U"
  inc_expect attack-record "build.bin is not authenticated by this user's cache key .*\[cache-untrusted\]$"
  inc_expect_not attack-record "nothing changed since the last build"
  # from then on the build's own cache is used, with no note
  inc_build attack-after "$ROOT/casebooks/chat-safety" "$U"
  inc_expect attack-after "nothing changed since the last build"
  inc_expect_not attack-after "cache-untrusted"

  # a cache with a valid MAC (the user's own key), committed: still not
  # used, since anyone who can commit could have put it there
  V=$A/valid-repo
  mkdir -p "$V"
  cp -r "$ROOT/casebooks/chat-safety/." "$V/"
  rm -rf "$V/_build"
  inc_build valid-prepare "$V" "$V/_build"
  hits=$(inc_forge new "$V/_build/.cache/chapters.bin" "$XDG_CACHE_HOME/casebook/key" \
    "$NEEDLE" "$EVIL" 2>"$TMP/inc/forge.err")
  (ag -C "$V" init -q && ag -C "$V" add -A && ag -C "$V" add -f _build &&
    ag -C "$V" commit -q -m "Commit the outputs") >/dev/null 2>&1
  inc_build valid-tracked "$V" "$V/_build"
  if [ "${hits:-0}" -ge 2 ] && [ "$RC" -eq 0 ] &&
    grep -q "chapters.bin is tracked by git, .*\[cache-tracked\]$" "$TMP/inc/valid-tracked.err" &&
    grep -q "build.bin is tracked by git, .*\[cache-tracked\]$" "$TMP/inc/valid-tracked.err"; then
    pass "incremental valid-tracked: a committed cache with a valid MAC is noted and not used"
  else
    fail "incremental valid-tracked: a committed cache with a valid MAC is noted and not used" "$TMP/inc/valid-tracked.err"
  fi
  inc_expect_not valid-tracked "chapters from the build cache"
  inc_expect_not valid-tracked "nothing changed since the last build"
  inc_clean valid-tracked "$V/_build"

  # no key can be had: the build works without a cache, and -v says so
  N=$A/no-key-out
  (unset HOME && XDG_CACHE_HOME=relative run_limited 60 "$TMP/inc/no-key.out" \
    "$TMP/inc/no-key.err" "$CASEBOOK" -v build "$ROOT/casebooks/chat-safety" -o "$N")
  if grep -q -x "build cache off: neither XDG_CACHE_HOME nor HOME is set to an absolute path" \
    "$TMP/inc/no-key.err" && [ -f "$N/rubric.json" ] && [ ! -e "$N/.cache" ]; then
    pass "incremental no-key: built without a cache, and -v says why"
  else
    fail "incremental no-key: built without a cache, and -v says why" "$TMP/inc/no-key.err"
  fi
}

layer_incremental() {
  mkdir -p "$TMP/inc"
  # the key of the build cache: a directory of the layer's own
  XDG_CACHE_HOME=$TMP/inc/xdg-cache
  export XDG_CACHE_HOME
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
  # .cache a symbolic link (committed, say) to a directory elsewhere:
  # nothing there is read, removed or written
  mkdir -p "$TMP/inc/victim"
  printf 'precious\n' >"$TMP/inc/victim/build.bin"
  ln -s "$TMP/inc/victim" "$O/.cache"
  inc_check cache-is-a-link "$P" "$O"
  inc_expect cache-is-a-link "^build cache off: OUT/.cache is not a directory$"
  if [ "$(cat "$TMP/inc/victim/build.bin")" = precious ] &&
    [ "$(ls "$TMP/inc/victim")" = build.bin ]; then
    pass "incremental cache-is-a-link: the directory it points to is left alone"
  else
    fail "incremental cache-is-a-link: the directory it points to is left alone"
  fi
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
    { tgit -C "$G" init -q && tgit -C "$G" add . && tgit -C "$G" commit -q -m first; } >/dev/null 2>&1
    inc_check git-first "$G" "$TMP/inc/gout"
    inc_check git-noop "$G" "$TMP/inc/gout"
    inc_expect git-noop "nothing changed since the last build"
    tgit -C "$G" commit -q --allow-empty -m second >/dev/null 2>&1
    inc_check git-commit "$G" "$TMP/inc/gout"
    inc_expect_not git-commit "nothing changed since the last build"
    tgit -C "$G" tag v9.9 >/dev/null 2>&1
    inc_check git-tag "$G" "$TMP/inc/gout"
    inc_expect_not git-tag "nothing changed since the last build"
    inc_check git-since "$G" "$TMP/inc/gout" --since HEAD~1
    inc_expect_not git-since "nothing changed since the last build"
    inc_check git-since-noop "$G" "$TMP/inc/gout" --since HEAD~1
    inc_expect git-since-noop "nothing changed since the last build"
    printf '\nDirty.\n' >>"$G/harm.md"
    inc_check git-dirty "$G" "$TMP/inc/gout"
    tgit -C "$G" add harm.md >/dev/null 2>&1
    inc_check git-staged "$G" "$TMP/inc/gout"
    tgit -C "$G" commit -q -m third >/dev/null 2>&1
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
  inc_attacks
  if [ -s "$TMP/inc/stale-all" ]; then
    echo "     note: rebuilds with and without the cache leave these outputs" \
      "of earlier builds, that a clean build does not write:"
    sort -u "$TMP/inc/stale-all" | head -n 5 | sed 's/^/       /'
  fi
}
