# SPDX-License-Identifier: MIT
# tests/layers/grade.sh: `casebook grade` end to end, on annotations made
# with the tools casebook exports to, sourced by tests/run.sh.
#
#   - exam and honeypot sets: tests/grade/ls-exam.js writes a Label
#     Studio export of the exam and honeypot tasks of casebooks/tests/shapes
#     (opaque ids, no gold) with known answers, and checks that grade
#     scores them against the casebook's gold, naming the cases;
#   - Label Studio: tests/grade/ls-annotate.js loads the chat-safety
#     export (config.xml, tasks.json) into the Label Studio frontend
#     (npm @heartexlabs/label-studio 1.4.0, Debian's headless Chromium
#     through playwright-core), clicks the answers of three annotators into
#     six tasks (choices, ratings, a pairwise side; some answers gold, some
#     deliberately not; one annotation cancelled; completed_by as a number,
#     as {id, email} and as {id}), and writes the JSON export of those tasks
#     plus a sidecar of what it answered;
#   - Argilla: tests/grade/argilla-make.js writes six records of the
#     build's argilla/training/records.json with the responses of three users
#     (submitted, draft, discarded), again with a sidecar; the file must
#     still be valid against the records schema of the argilla layer;
#   - `casebook grade SRC FILE -o DIR --format json` on each, and on both
#     together; tests/grade/grade-expect.js checks grade.json against
#     figures it computes from the sidecar and gold.jsonl alone: the input's
#     format, records, graded and skipped annotations (cancelled, not
#     submitted), the annotators by the names grade derives, each one's
#     gold answers, right answers, accuracy and misses, each question's
#     gold figures, the list of misses with their html/PAGE.html#case-ID
#     links, the totals.
#
# The book is built from a copy outside any git repository (project_build),
# so that the version stamp in the tasks is the one of the book graded.

# grade_results NAME OUT: adds the "RESULT passed failed" line of a node
# checker's output OUT to the counts, shows its failures.
grade_results() {
  grep -E '^FAIL' -A 12 "$2" | sed 's/^/     /'
  [ -n "$VERBOSE" ] && grep -E '^ok' "$2" | sed 's/^/     /'
  gr_result=$(grep '^RESULT ' "$2" | tail -n 1)
  if [ -z "$gr_result" ]; then
    cat "$2.err" >>"$2" 2>/dev/null
    fail "grade: $1 did not finish (exit status $RC)" "$2"
    return 1
  fi
  # shellcheck disable=SC2086
  set -- $gr_result
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
  [ "$3" -eq 0 ]
}

# grade_run NAME FILE...: casebook grade of the built copy on FILE... into
# $TMP/grade-NAME/, the JSON on stdout kept as $TMP/grade-NAME.json.
grade_run() {
  gn=$1
  shift
  rm -rf "$TMP/grade-$gn"
  run_limited 120 "$TMP/grade-$gn.json" "$TMP/grade-$gn.err" \
    "$CASEBOOK" grade "$TMP/grade-cs-src" "$@" -o "$TMP/grade-$gn" --format json
  if [ "$RC" -ne 0 ] || sanitizer_report "$TMP/grade-$gn.err"; then
    fail "grade: casebook grade $gn exits 0 (exit status $RC)" "$TMP/grade-$gn.err"
    return 1
  fi
  pass "grade: casebook grade $gn exits 0"
  if [ -s "$TMP/grade-$gn/grade.json" ] &&
    node -e '
      const fs = require("fs");
      const a = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      const b = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
      if (JSON.stringify(a) !== JSON.stringify(b)) process.exit(1);
    ' "$TMP/grade-$gn.json" "$TMP/grade-$gn/grade.json" 2>"$TMP/why"; then
    pass "grade: $gn: -o writes grade.json, the JSON --format json prints"
  else
    echo "$TMP/grade-$gn/grade.json differs from stdout, or is missing" >>"$TMP/why"
    fail "grade: $gn: -o writes grade.json, the JSON --format json prints" "$TMP/why"
  fi
}

# grade_expect NAME SIDECAR INPUT FORMAT: grade-expect.js on $TMP/grade-NAME.json.
grade_expect() {
  run_limited 60 "$TMP/grade-$1.check" "$TMP/grade-$1.check.err" \
    node tests/grade/grade-expect.js "$TMP/grade-cs-out" "$2" "$3" "$4" "$TMP/grade-$1.json"
  grade_results "grade-expect.js $1" "$TMP/grade-$1.check"
}

layer_grade() {
  if [ ! -x "$CASEBOOK" ]; then
    fail "grade: $CASEBOOK is missing"
    return
  fi
  need_cmd node nodejs
  if ! project_build grade-cs casebooks/chat-safety label-studio/instructions.html; then
    fail "grade: build chat-safety (exit status $RC)" "$TMP/grade-cs.err"
    return
  fi
  pass "grade: build chat-safety"
  if ! "$CASEBOOK" grade --help >"$TMP/grade-help.out" 2>&1; then
    fail "grade: casebook has a grade command" "$TMP/grade-help.out"
    return
  fi
  if ! npm_need; then
    fail "grade: npm install of tests/node failed"
    return
  fi

  # Argilla first: it needs no browser.
  ar=$TMP/grade-argilla-records.json
  if node tests/grade/argilla-make.js "$TMP/grade-cs-out" "$ar" "$TMP/grade-argilla.sidecar" 2>"$TMP/why"; then
    pass "grade: argilla-make.js writes the records file"
    ajv_expect valid "grade: the records file with responses is valid Argilla v2 (ajv)" \
      draft7 tests/exports/argilla-records.schema.json "$ar"
    grade_run argilla "$ar" && grade_expect argilla "$TMP/grade-argilla.sidecar" "$ar" argilla
  else
    fail "grade: argilla-make.js writes the records file" "$TMP/why"
  fi

  # The exam and honeypot sets of the shapes book: their tasks hold no
  # gold and an opaque id; grade maps the id back to the case and scores
  # the answers against the gold kept in the casebook.
  if project_build grade-exam casebooks/tests/shapes label-studio/exam/two-replies/tasks.json &&
    node tests/grade/ls-exam.js "$TMP/grade-exam-out" "$TMP/grade-exam-export.json" >"$TMP/grade-exam-make.out" 2>&1; then
    pass "grade: ls-exam.js writes an exam-set export"
    run_limited 120 "$TMP/grade-exam.json" "$TMP/grade-exam.err" \
      "$CASEBOOK" grade "$TMP/grade-exam-src" "$TMP/grade-exam-export.json" -o "$TMP/grade-exam" --format json
    if [ "$RC" -eq 0 ] && ! sanitizer_report "$TMP/grade-exam.err"; then
      run_limited 60 "$TMP/grade-exam.check" "$TMP/grade-exam.check.err" \
        node tests/grade/ls-exam.js "$TMP/grade-exam-out" "$TMP/grade-exam-export.json" "$TMP/grade-exam.json"
      grade_results "ls-exam.js" "$TMP/grade-exam.check"
    else
      fail "grade: casebook grade of an exam-set export exits 0 (exit status $RC)" "$TMP/grade-exam.err"
    fi
  else
    fail "grade: ls-exam.js writes an exam-set export" "$TMP/grade-exam-make.out"
  fi

  if ! need_chromium; then
    fail "grade: chromium is needed (Debian package chromium)"
    return
  fi
  ls=$TMP/grade-ls-export.json
  run_limited 900 "$TMP/grade-ls-annotate.out" "$TMP/grade-ls-annotate.out.err" \
    node tests/grade/ls-annotate.js "$TMP/grade-cs-out" "$ls" "$TMP/grade-ls.sidecar"
  grade_results "ls-annotate.js" "$TMP/grade-ls-annotate.out" || return
  grade_run labelstudio "$ls" && grade_expect labelstudio "$TMP/grade-ls.sidecar" "$ls" labelstudio

  # Both files at once: two inputs, the annotators of both, every miss.
  [ -s "$ar" ] || return
  grade_run both "$ls" "$ar" || return
  if node -e '
    const fs = require("fs");
    const [both, a, b] = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
    const names = (g) => Object.keys(g.annotators || {}).sort();
    const problems = [];
    if ((both.inputs || []).length !== 2) problems.push("inputs " + JSON.stringify(both.inputs));
    const want = names(a).concat(names(b)).sort();
    if (JSON.stringify(names(both)) !== JSON.stringify(want)) problems.push("annotators " + names(both) + ", want " + want);
    if ((both.misses || []).length !== (a.misses || []).length + (b.misses || []).length)
      problems.push("misses " + (both.misses || []).length);
    if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
  ' "$TMP/grade-both.json" "$TMP/grade-labelstudio.json" "$TMP/grade-argilla.json" 2>"$TMP/why"; then
    pass "grade: both files at once: two inputs, the annotators and the misses of both"
  else
    fail "grade: both files at once: two inputs, the annotators and the misses of both" "$TMP/why"
  fi
}
