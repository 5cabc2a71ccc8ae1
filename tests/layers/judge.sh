# SPDX-License-Identifier: MIT
# judge.sh: the `judge` test layer (sourced by tests/run.sh): the
# LLM-judge export, OUT/judge/.
#
#   - golden files: judge/ of the example casebook and of
#     tests/schemas/books/judge-edge equal tests/schemas/golden/NAME/
#     (UPDATE=1 rewrites them; read the diff);
#   - the outputs are deterministic (a second build is byte-identical);
#   - rubric-items.json and prometheus.json validate (ajv-cli) against the
#     documented shapes, tests/schemas/judge-items.schema.json and
#     prometheus.schema.json;
#   - judge-edge: criteria with points become items, points that are not
#     an integer and scales that are not five labelled values are notes at
#     their position and left out, a 0-4 scale maps to scores 1-5; the
#     manifest can turn the notes (rule export-judge) off;
#   - fencing: cmark-gfm reads every grader prompt of judge-edge, whose
#     case holds long backtick runs, a `</prompt>` line and a Markdown
#     heading, and each input is one whole code block with no raw HTML
#     or foreign heading, and option ids with a backtick or markup are
#     whole code spans (tests/schemas/fences.js); a naive three-backtick
#     fence of the same text is caught by the same check.

# judge_build NAME DIR: copies DIR out of any git tree (so the stamp has
# no commit) and builds it into $TMP/judge-NAME/_out.
judge_build() {
  jb_dir=$TMP/judge-$1
  rm -rf "$jb_dir"
  mkdir -p "$jb_dir"
  cp -R "$2/." "$jb_dir/book"
  rm -rf "$jb_dir/book/_build"
  run_limited 120 "$jb_dir/out.log" "$jb_dir/err.log" "$CASEBOOK" build "$jb_dir/book" -o "$jb_dir/_out"
}

# judge_golden NAME: compares $TMP/judge-NAME/_out/judge with the golden.
judge_golden() {
  golden "judge $1: judge/ equals the golden files" \
    "$ROOT/tests/schemas/golden/$1/judge" "$TMP/judge-$1/_out/judge"
}

judge_ajv() {
  ajv_run draft2020 validate "$@"
}

layer_judge() {
  need_cmd node nodejs
  need_cmd cmark-gfm cmark-gfm
  if ! npm_need; then
    fail "judge: npm install of tests/node (ajv-cli)"
    return
  fi
  for spec in chat-safety:casebooks/chat-safety judge-edge:tests/schemas/books/judge-edge; do
    name=${spec%%:*}
    judge_build "$name" "$ROOT/${spec#*:}"
    out=$TMP/judge-$name/_out
    if [ $RC -gt 1 ] || [ ! -d "$out/judge" ] || sanitizer_report "$TMP/judge-$name/err.log"; then
      { echo "exit status $RC"; cat "$TMP/judge-$name/err.log"; } >"$TMP/judge-why"
      fail "judge $name: build writes judge/" "$TMP/judge-why"
      continue
    fi
    judge_golden "$name"
    cp -R "$out/judge" "$TMP/judge-$name/first"
    run_limited 120 "$TMP/judge-$name/out2.log" "$TMP/judge-$name/err2.log" \
      "$CASEBOOK" -q build "$TMP/judge-$name/book" -o "$out"
    if diff -r "$TMP/judge-$name/first" "$out/judge" >"$TMP/judge-why" 2>&1; then
      pass "judge $name: a second build gives the same judge/"
    else
      fail "judge $name: a second build gives the same judge/" "$TMP/judge-why"
    fi
    if judge_ajv -s "$ROOT/tests/schemas/judge-items.schema.json" -d "$out/judge/rubric-items.json" \
      >"$TMP/judge-why" 2>&1 &&
      judge_ajv -s "$ROOT/tests/schemas/prometheus.schema.json" -d "$out/judge/prometheus.json" \
        >>"$TMP/judge-why" 2>&1; then
      pass "judge $name: rubric-items.json and prometheus.json have the documented shapes"
    else
      fail "judge $name: rubric-items.json and prometheus.json have the documented shapes" "$TMP/judge-why"
    fi
    n_q=$(node -e 'console.log(require(process.argv[1]).questions.length)' "$out/rubric.json")
    n_p=$(find "$out/judge/prompts" -name '*.md' | wc -l)
    if [ "$n_q" = "$n_p" ]; then
      pass "judge $name: one grader prompt per question ($n_p)"
    else
      echo "$n_q questions, $n_p prompts" >"$TMP/judge-why"
      fail "judge $name: one grader prompt per question" "$TMP/judge-why"
    fi
  done

  # A question renamed: the next build into the same directory has the new
  # prompt and not the old one.
  jr=$TMP/judge-chat-safety
  if [ -d "$jr/_out/judge/prompts" ]; then
    sed 's/^## Question harm: /## Question harm-level: /' "$jr/book/harm.md" >"$jr/harm.md.new" &&
      mv "$jr/harm.md.new" "$jr/book/harm.md"
    run_limited 120 "$jr/out3.log" "$jr/err3.log" "$CASEBOOK" -q build "$jr/book" -o "$jr/_out"
    if [ -f "$jr/_out/judge/prompts/harm-level.md" ] && [ ! -e "$jr/_out/judge/prompts/harm.md" ]; then
      pass "judge: the prompt of a renamed question replaces the old one"
    else
      ls "$jr/_out/judge/prompts" >"$TMP/judge-why" 2>&1
      fail "judge: the prompt of a renamed question replaces the old one" "$TMP/judge-why"
    fi
  fi

  edge=$TMP/judge-judge-edge
  [ -d "$edge/_out/judge" ] || return
  # points and scales: what is exported, what is reported
  if node -e '
    const fs = require("fs"), dir = process.argv[1];
    const items = JSON.parse(fs.readFileSync(dir + "/rubric-items.json", "utf8")).rubric_items;
    const prom = JSON.parse(fs.readFileSync(dir + "/prometheus.json", "utf8")).rubrics;
    const want = [[5, "criterion:cites-sources"], [-2, "criterion:no-padding"]];
    const got = items.map((i) => [i.points, i.tags[0]]);
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error("items " + JSON.stringify(got));
    if (!items[0].tags.includes("severity:major") || !items[0].tags.includes("question:quality"))
      throw new Error("tags " + JSON.stringify(items[0].tags));
    if (prom.length !== 1 || prom[0].question !== "quality" || JSON.stringify(prom[0].values) !== "[0,1,2,3,4]" ||
        prom[0].score1_description !== "Useless." || prom[0].score5_description !== "Excellent.")
      throw new Error("prometheus " + JSON.stringify(prom));
  ' "$edge/_out/judge" >"$TMP/judge-why" 2>&1; then
    pass "judge edge: integer points become items; a 0-4 scale maps to scores 1-5; others are left out"
  else
    fail "judge edge: integer points become items; a 0-4 scale maps to scores 1-5; others are left out" "$TMP/judge-why"
  fi
  for want in \
    "rubric.md:28:1: note: question 'stars': its scale 1-10 has 10 values and a Prometheus rubric has five, so judge/prometheus.json leaves it out [export-judge]" \
    "rubric.md:43:1: note: question 'clarity': value 2 has no label, and a Prometheus rubric describes all five scores, so judge/prometheus.json leaves it out [export-judge]" \
    "rubric.md:86:11: note: criterion 'vague-points': points 'lots' is not an integer, so the LLM-judge rubric (judge/rubric-items.json) leaves it out [export-judge]"; do
    if sed "s#^$edge/book/##" "$edge/err.log" | grep -F -x -q "$want"; then
      pass "judge edge: reported: ${want%%:*}:$(echo "$want" | cut -d: -f2-3)"
    else
      { echo "missing: $want"; cat "$edge/err.log"; } >"$TMP/judge-why"
      fail "judge edge: note at its position" "$TMP/judge-why"
    fi
  done

  # the manifest can turn the notes off, as any rule's
  off=$TMP/judge-off
  rm -rf "$off"
  cp -R "$ROOT/tests/schemas/books/judge-edge" "$off"
  printf 'rules = { ["export-judge"] = "off" }\n' >>"$off/casebook.lua"
  run_limited 120 "$off.out" "$off.err" "$CASEBOOK" build "$off" -o "$off/_out"
  if [ $RC -le 1 ] && ! grep -q 'export-judge\|manifest-unknown-rule' "$off.err" &&
    [ -f "$off/_out/judge/prometheus.json" ]; then
    pass "judge edge: rules = { [\"export-judge\"] = \"off\" } silences the notes"
  else
    { echo "exit status $RC"; cat "$off.err"; } >"$TMP/judge-why"
    fail "judge edge: the manifest turns export-judge off" "$TMP/judge-why"
  fi

  # fencing of untrusted text
  if ! command -v cmark-gfm >/dev/null 2>&1; then
    fail "judge: cmark-gfm is needed to read the prompts"
    return
  fi
  # the questions the hostile case answers, so that it is an example
  for q in verdict quality problems label; do
    p=$edge/_out/judge/prompts/$q.md
    cmark-gfm -t xml "$p" >"$edge/$q.xml"
    ids=
    [ "$q" = label ] && ids=$(printf 'a`b\nx\nplain')
    if node "$ROOT/tests/schemas/fences.js" "$edge/$q.xml" "$edge/_out/gold.jsonl" injection "$ids" \
      >"$TMP/judge-why" 2>&1; then
      pass "judge edge: prompt $q: $(tail -n 1 "$TMP/judge-why")"
    else
      fail "judge edge: prompt $q quotes the hostile case whole" "$TMP/judge-why"
    fi
  done
  # the check catches a fence that the text can close
  sed 's/^````*/```/' "$edge/_out/judge/prompts/verdict.md" >"$edge/naive.md"
  cmark-gfm -t xml "$edge/naive.md" >"$edge/naive.xml"
  if node "$ROOT/tests/schemas/fences.js" "$edge/naive.xml" "$edge/_out/gold.jsonl" injection \
    >"$TMP/judge-why" 2>&1; then
    fail "judge edge: a naive three-backtick fence is caught by the fencing check" "$TMP/judge-why"
  else
    pass "judge edge: a naive three-backtick fence is caught by the fencing check"
  fi
}
