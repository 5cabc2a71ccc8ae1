# SPDX-License-Identifier: MIT
# tests/layers/labelstudio.sh: the Label Studio export (label-studio/)
# against the real consumer, sourced by tests/run.sh.
#
#   - golden files of the export of casebooks/tests/every-type and
#     casebooks/tests/shapes (one SET/SHAPE/{config.xml,tasks.json} per
#     set and task shape);
#   - every config.xml is well-formed XML, instructions.html has no script
#     even when the manifest allows raw HTML, and no exam or honeypot case;
#   - the Label Studio frontend (npm @heartexlabs/label-studio 1.4.0, in
#     Debian's headless Chromium through playwright-core) loads the config
#     of each shape and each of its tasks, for every-type, shapes and the
#     chat-safety example: a training task with its ground-truth
#     annotation, read back exactly as the gold answers of gold.jsonl; an
#     exam or honeypot task as an annotator gets it, nothing pre-filled; in
#     every set the page shows no case title and no empty response block,
#     and the config has the controls of the shape, with no console error
#     (tests/exports/ls-roundtrip.js, which also checks the rank questions
#     against the documented Ranker format, since 1.4.0 predates it).
#
# The books are built from copies outside any git repository, so that the
# version stamp (no commit, no date) does not change with every commit.

# ls_build NAME SRC: builds a copy of casebook SRC into $TMP/ls-NAME-out.
ls_build() {
  if ! project_build "ls-$1" "$2" label-studio/instructions.html; then
    fail "labelstudio: build $1 (exit status $RC)" "$TMP/ls-$1.err"
    return 1
  fi
  if grep -q '\[export-labelstudio\]' "$TMP/ls-$1.err"; then
    fail "labelstudio: $1 exports without a diagnostic" "$TMP/ls-$1.err"
    return 1
  fi
  pass "labelstudio: build $1 writes label-studio/ without a diagnostic"
}

# Raw HTML with scripts in the prose of a project that allows raw HTML:
# the site keeps it (the author asked), instructions.html must not.
ls_hostile() {
  d=$TMP/ls-hostile
  mkdir -p "$d"
  printf 'title = "Hostile"\nunsafe_html = true\n' >"$d/casebook.lua"
  cat >"$d/guide.md" <<'EOF'
# Guide

<script>alert("prose")</script>
<img src="x.png" onerror="alert('img')">
<a href="javascript:alert('link')">a link</a>
<iframe src="https://example.com/"></iframe>

## Question ok: Is it fine? <script>alert("title")</script>

| Option | Meaning |
|--------|---------|
| yes    | Fine. <b onclick="alert('option')">bold</b> |
| no     | Not fine. |

## Case c1: A case `<script>`

```prompt
<script>alert("input")</script>
```

- ok: yes

Rationale <span onmouseover="alert('rationale')">here</span>.
EOF
  run_limited 60 "$TMP/ls-hostile.out" "$TMP/ls-hostile.err" \
    "$CASEBOOK" -q build "$d" -o "$d/out"
  f=$d/out/label-studio/instructions.html
  if [ ! -s "$f" ]; then
    fail "labelstudio: instructions.html of a hostile project" "$TMP/ls-hostile.err"
    return
  fi
  if grep -i -E '<script|<iframe|javascript:|on(error|click|mouseover)=' "$f" >"$TMP/why"; then
    fail "labelstudio: instructions.html has no script, event handler or javascript: link" "$TMP/why"
  else
    pass "labelstudio: instructions.html has no script, event handler or javascript: link"
  fi
  if grep -q 'Not fine' "$f" && grep -q 'Rationale' "$f" && grep -q '&lt;script&gt;' "$f"; then
    pass "labelstudio: instructions.html keeps the guideline's text, markup in titles escaped"
  else
    fail "labelstudio: instructions.html keeps the guideline's text, markup in titles escaped" "$f"
  fi
  # the same project without unsafe_html: cmark-gfm leaves raw HTML out
  mkdir -p "$d-safe"
  cp "$d/guide.md" "$d-safe/guide.md"
  run_limited 60 "$TMP/ls-hostile-safe.out" "$TMP/ls-hostile-safe.err" \
    "$CASEBOOK" -q build "$d-safe" -o "$d-safe/out"
  f=$d-safe/out/label-studio/instructions.html
  if [ -s "$f" ] && ! grep -i -E '<script|<iframe|javascript:|on(error|click|mouseover)=' "$f" >"$TMP/why"; then
    pass "labelstudio: instructions.html of a project without unsafe_html has no script"
  else
    fail "labelstudio: instructions.html of a project without unsafe_html has no script" "$TMP/why"
  fi
  # the task data holds the input byte for byte
  if node -e '
    const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const turn = t[0].data.prompt;
    if (JSON.stringify(t).includes("A case")) { console.error("title in tasks"); process.exit(1); }
    if (turn !== "<script>alert(\"input\")</script>\n") { console.error(JSON.stringify(turn)); process.exit(1); }
  ' "$d/out/label-studio/training/no-reply/tasks.json" 2>"$TMP/why"; then
    pass "labelstudio: tasks.json holds the inputs byte for byte"
  else
    fail "labelstudio: tasks.json holds the inputs byte for byte" "$TMP/why"
  fi
}

layer_labelstudio() {
  if [ ! -x "$CASEBOOK" ]; then
    fail "labelstudio: $CASEBOOK is missing"
    return
  fi
  need_cmd node nodejs
  need_cmd xmllint libxml2-utils
  ls_build every-type casebooks/tests/every-type || return
  ls_build chat-safety casebooks/chat-safety || return
  ls_build shapes casebooks/tests/shapes || return
  # the whole directory: every set and shape, no file more or less
  for b in every-type shapes; do
    golden "labelstudio: golden label-studio/ of $b (every set and shape)" \
      "$ROOT/tests/exports/golden/$b/label-studio" "$TMP/ls-$b-out/label-studio"
  done
  for b in every-type chat-safety shapes; do
    for f in "$TMP/ls-$b-out"/label-studio/*/*/config.xml; do
      if xmllint --noout "$f" >"$TMP/why" 2>&1; then
        pass "labelstudio: ${f#"$TMP/ls-$b-out/label-studio/"} of $b is well-formed XML"
      else
        fail "labelstudio: ${f#"$TMP/ls-$b-out/label-studio/"} of $b is well-formed XML" "$TMP/why"
      fi
    done
  done
  # the shapes book: the sets it asks for, and no exam or honeypot case
  # in the instructions (their titles and rationales give them away)
  sd=$TMP/ls-shapes-out/label-studio
  if [ -s "$sd/exam/two-replies/tasks.json" ] && [ -s "$sd/honeypot/two-replies/tasks.json" ] &&
    [ -s "$sd/training/chat-one-reply/tasks.json" ] && ! grep -q '<Ranker' "$sd/training/two-replies/config.xml" &&
    grep -q '<Ranker' "$sd/training/3-replies/config.xml" && grep -q '<Pairwise' "$sd/training/two-replies/config.xml"; then
    pass "labelstudio: shapes has its sets and shapes; min-replies: 3 keeps the Ranker out of two-reply tasks"
  else
    fail "labelstudio: shapes has its sets and shapes; min-replies: 3 keeps the Ranker out of two-reply tasks"
  fi
  if grep -q 'Inventing the current weather' "$sd/instructions.html" &&
    ! grep -E -q 'exam-|honey-|stock price|Off by one|reveals nothing|Bon matin' "$sd/instructions.html" &&
    grep -q 'a qualification case' "$sd/instructions.html"; then
    pass "labelstudio: instructions.html shows training cases and no exam or honeypot case"
  else
    fail "labelstudio: instructions.html shows training cases and no exam or honeypot case" "$sd/instructions.html"
  fi
  ls_hostile
  # invalid UTF-8 and NUL bytes in the casebook: still well-formed outputs
  ls_build encoding casebooks/tests/encoding >/dev/null 2>&1
  e=$TMP/ls-encoding-out/label-studio
  s=$e/training/no-reply
  if [ -s "$s/config.xml" ] && xmllint --noout "$s/config.xml" >"$TMP/why" 2>&1 &&
    node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$s/tasks.json" 2>>"$TMP/why" &&
    xmllint --html --noout "$e/instructions.html" >>"$TMP/why" 2>&1 &&
    ! sanitizer_report "$TMP/ls-encoding.err"; then
    pass "labelstudio: invalid UTF-8 and NUL bytes still give well-formed config.xml, tasks.json, instructions.html"
  else
    fail "labelstudio: invalid UTF-8 and NUL bytes still give well-formed config.xml, tasks.json, instructions.html" "$TMP/why"
  fi

  if ! npm_need; then
    fail "labelstudio: npm install of tests/node failed"
    return
  fi
  if ! need_chromium; then
    fail "labelstudio: chromium is needed (Debian package chromium)"
    return
  fi
  for b in every-type chat-safety shapes; do
    out=$TMP/ls-roundtrip-$b.out
    run_limited 900 "$out" "$out.err" node tests/exports/ls-roundtrip.js "$TMP/ls-$b-out"
    grep -E '^FAIL' -A 12 "$out" | sed 's/^/     /'
    [ -n "$VERBOSE" ] && grep -E '^ok' "$out" | sed 's/^/     /'
    result=$(grep '^RESULT ' "$out" | tail -n 1)
    if [ -z "$result" ]; then
      cat "$out.err" >>"$out"
      fail "labelstudio: ls-roundtrip.js $b did not finish (exit status $RC)" "$out"
      continue
    fi
    set -- $result
    PASSED=$((PASSED + $2))
    FAILED=$((FAILED + $3))
  done
}
