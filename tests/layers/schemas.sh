# SPDX-License-Identifier: MIT
# schemas.sh: the `schemas` test layer (sourced by tests/run.sh).
#
# Every book that builds (the examples, casebooks/tests/*, and the books
# of tests/schemas/books/) is built, then its outputs are checked by
# their real consumers:
#   - ajv-cli validates rubric.json against schemas/rubric.schema.json and
#     every line of gold.jsonl against schemas/gold.schema.json, and
#     compiles annotation.schema.json (draft 2020-12);
#   - the copies in OUT/schemas/ are the shipped schemas, byte for byte;
#   - xmllint (libxml2-utils) validates rubric.xml against
#     schemas/rubric.rng, and rubric.xml says what rubric.json says;
#   - tests/schemas/annotations.js turns every gold record (of cases
#     without an error) into an annotation, which annotation.schema.json
#     must accept, and mutates it (wrong option, out of range, wrong type,
#     missing required answer, answer where a when is false), which it
#     must reject;
#   - tests/schemas/when-oracle.js: on random `when` expressions and
#     answers, the schema's if/then/else agrees with casebook's own
#     evaluation (its not-applicable errors) on every (case, question);
#   - the schemas of `casebook grade`: annotations.schema.json accepts
#     hand-written lines of every answer shape and rejects broken ones;
#     grade.schema.json accepts the contract example
#     (tests/grade/contract-grade.json) and the grade.json that `casebook
#     grade --format json` prints for grade_gen's annotations of
#     chat-safety, for a Label Studio export, for a merge of partial
#     grades and with re-review entries, and rejects mutants of the
#     contract.
# Negative controls show that the validators are not vacuous.

# The books of the layer, one directory a line.
schemas_books() {
  for d in casebooks/chat-safety casebooks/zh casebooks/tests/*/ tests/schemas/books/*/; do
    [ -d "$d" ] && echo "${d%/}"
  done
}

# schemas_ajv COMMAND ARGS...: ajv-cli for draft 2020-12.
schemas_ajv() {
  ajv_run draft2020 "$@"
}

# schemas_book DIR: builds a copy of DIR and checks its outputs.
schemas_book() {
  book=$1
  name=$(echo "$book" | tr '/' '-')
  out=$TMP/schemas-$name
  # a copy out of the git tree: the working tree as it is, no commit stamp
  rm -rf "$out.src"
  cp -R "$ROOT/$book" "$out.src" 2>/dev/null
  rm -rf "$out.src/_build"
  run_limited 300 "$out.log" "$out.err" "$CASEBOOK" build "$out.src" -o "$out"
  if [ $RC -gt 1 ] || [ ! -f "$out/rubric.json" ]; then
    [ -n "$VERBOSE" ] && echo "     ($book does not build: exit status $RC)"
    return
  fi
  SCHEMAS_BUILT=$((SCHEMAS_BUILT + 1))
  if sanitizer_report "$out.err"; then
    fail "schemas $book: sanitizer report" "$out.err"
    return
  fi

  # rubric.json and the gold lines are validated for all books at once
  # (one ajv-cli run per schema, see layer_schemas)
  echo "$book" >>"$TMP/schemas-built"
  mkdir -p "$TMP/schemas-gold/$name"
  n_gold=$(grep -c '' "$out/gold.jsonl")
  if [ "$n_gold" -gt 0 ]; then
    split -l 1 -a 5 -d --additional-suffix=.json "$out/gold.jsonl" "$TMP/schemas-gold/$name/line-"
  fi
  if cmp -s "$out/schemas/rubric.schema.json" "$ROOT/schemas/rubric.schema.json" &&
    cmp -s "$out/schemas/gold.schema.json" "$ROOT/schemas/gold.schema.json"; then
    pass "schemas $book: OUT/schemas/ holds the shipped schemas"
  else
    ls -la "$out/schemas" >"$out.why" 2>&1
    fail "schemas $book: OUT/schemas/ holds the shipped schemas" "$out.why"
  fi

  # rubric.xml: RELAX NG, and the same questions, options and criteria as
  # rubric.json
  if xmllint --noout --relaxng "$ROOT/schemas/rubric.rng" "$out/rubric.xml" >"$out.xml" 2>&1; then
    pass "schemas $book: rubric.xml is valid against rubric.rng"
  else
    fail "schemas $book: rubric.xml is valid against rubric.rng" "$out.xml"
  fi
  if node -e '
    const fs = require("fs");
    const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const x = fs.readFileSync(process.argv[2], "utf8");
    const count = (re) => (x.match(re) || []).length;
    const nOpt = r.questions.reduce((n, q) => n + q.options.length, 0);
    const want = [r.questions.length, nOpt, r.criteria.length, r.chapters.length];
    const got = [count(/<question id=/g), count(/<option id=/g), count(/<criterion id=/g), count(/<chapter path=/g)];
    if (JSON.stringify(want) !== JSON.stringify(got)) {
      console.log("rubric.json has questions, options, criteria, chapters " + want + "; rubric.xml " + got);
      process.exit(1);
    }' "$out/rubric.json" "$out/rubric.xml" >"$out.why" 2>&1; then
    pass "schemas $book: rubric.xml has the elements of rubric.json"
  else
    fail "schemas $book: rubric.xml has the elements of rubric.json" "$out.why"
  fi

  # annotations: gold accepted, mutants rejected (the gold of a case with
  # an error holds the answer the error is about: annotations.js leaves
  # those cases out, as `check --format json` names them)
  if [ "$n_gold" -gt 0 ]; then
    run_limited 120 "$out.diag.json" "$out.diag.err" "$CASEBOOK" check --format json "$out.src"
    if node "$ROOT/tests/schemas/annotations.js" "$out/annotation.schema.json" \
      "$out/rubric.json" "$out/gold.jsonl" "$out.diag.json" >"$out.ann" 2>&1; then
      pass "schemas $book: $(tail -n 1 "$out.ann")"
    else
      fail "schemas $book: annotation.schema.json accepts the gold and rejects mutants" "$out.ann"
    fi
  fi
}

layer_schemas() {
  need_cmd xmllint libxml2-utils
  need_cmd node nodejs
  if ! command -v xmllint >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    fail "schemas: xmllint and node are needed"
    return
  fi
  if ! npm_need; then
    fail "schemas: npm install of tests/node (ajv-cli)"
    return
  fi
  for s in rubric.schema.json gold.schema.json annotations.schema.json grade.schema.json; do
    if schemas_ajv compile -s "$ROOT/schemas/$s" >"$TMP/schemas-compile" 2>&1; then
      pass "schemas: schemas/$s is a valid 2020-12 schema"
    else
      fail "schemas: schemas/$s is a valid 2020-12 schema" "$TMP/schemas-compile"
    fi
  done

  SCHEMAS_BUILT=0
  : >"$TMP/schemas-built"
  for book in $(schemas_books); do
    schemas_book "$book"
  done
  # ajv-cli prints "FILE valid" or "FILE invalid" per data file
  schemas_ajv validate -s "$ROOT/schemas/rubric.schema.json" \
    -d "$TMP/schemas-*/rubric.json" >"$TMP/schemas-rubric.ajv" 2>&1
  schemas_ajv validate -s "$ROOT/schemas/gold.schema.json" \
    -d "$TMP/schemas-gold/*/*.json" >"$TMP/schemas-gold.ajv" 2>&1
  schemas_ajv compile -s "$TMP/schemas-*/annotation.schema.json" >"$TMP/schemas-ann.ajv" 2>&1
  while IFS= read -r book; do
    name=$(echo "$book" | tr '/' '-')
    if grep -F -x -q "schema $TMP/schemas-$name/annotation.schema.json is valid" "$TMP/schemas-ann.ajv"; then
      pass "schemas $book: annotation.schema.json is a valid 2020-12 schema"
    else
      grep -F -A 20 "$TMP/schemas-$name/annotation.schema.json" "$TMP/schemas-ann.ajv" >"$TMP/schemas-why"
      fail "schemas $book: annotation.schema.json is a valid 2020-12 schema" "$TMP/schemas-why"
    fi
    if grep -F -x -q "$TMP/schemas-$name/rubric.json valid" "$TMP/schemas-rubric.ajv"; then
      pass "schemas $book: rubric.json is valid"
    else
      grep -F -A 20 "$TMP/schemas-$name/rubric.json" "$TMP/schemas-rubric.ajv" >"$TMP/schemas-why"
      fail "schemas $book: rubric.json is valid" "$TMP/schemas-why"
    fi
    n_gold=$(find "$TMP/schemas-gold/$name" -name '*.json' | wc -l)
    [ "$n_gold" -gt 0 ] || continue
    n_valid=$(grep -c -F "$TMP/schemas-gold/$name/line-" "$TMP/schemas-gold.ajv" | tr -d ' ')
    n_ok=$(grep -F "$TMP/schemas-gold/$name/line-" "$TMP/schemas-gold.ajv" | grep -c ' valid$')
    if [ "$n_ok" -eq "$n_gold" ] && [ "$n_valid" -eq "$n_gold" ]; then
      pass "schemas $book: $n_gold gold lines are valid"
    else
      grep -F -A 20 "$TMP/schemas-gold/$name/line-" "$TMP/schemas-gold.ajv" | grep -v ' valid$' >"$TMP/schemas-why"
      fail "schemas $book: $n_gold gold lines are valid ($n_ok)" "$TMP/schemas-why"
    fi
  done <"$TMP/schemas-built"
  if [ "$SCHEMAS_BUILT" -ge 3 ]; then
    pass "schemas: $SCHEMAS_BUILT books built and checked"
  else
    echo "only $SCHEMAS_BUILT books built" >"$TMP/schemas-why"
    fail "schemas: books built and checked" "$TMP/schemas-why"
  fi

  schemas_install
  schemas_grade

  # The `when` translation against casebook's own evaluation, on random
  # expressions and answers (three fixed seeds).
  # Case-scope questions, then per-response ones (with a case-scope
  # answer in some conditions).
  for scope in case response; do
    for seed in 1 2 3; do
      wo=$TMP/schemas-when-$scope-$seed
      node "$ROOT/tests/schemas/when-oracle.js" gen "$wo/book" "$seed" "$scope"
      run_limited 120 "$wo.out" "$wo.err" "$CASEBOOK" -q build "$wo/book" -o "$wo/out"
      run_limited 120 "$wo.diag.json" "$wo.diag.err" "$CASEBOOK" check --format json "$wo/book"
      if node "$ROOT/tests/schemas/when-oracle.js" compare "$wo/out" "$wo.diag.json" "$scope" \
        >"$wo.log" 2>&1; then
        pass "schemas: $scope seed $seed: $(tail -n 1 "$wo.log")"
      else
        fail "schemas: $scope seed $seed: the when translation agrees with casebook" "$wo.log"
      fi
    done
  done

  # Negative controls: each validator rejects a broken document.
  ex=$TMP/schemas-casebooks-chat-safety
  if [ -f "$ex/rubric.xml" ]; then
    sed 's/ required="true"//' "$ex/rubric.xml" >"$TMP/schemas-bad.xml"
    if xmllint --noout --relaxng "$ROOT/schemas/rubric.rng" "$TMP/schemas-bad.xml" >/dev/null 2>&1; then
      fail "schemas: rubric.rng rejects a question without its required attribute"
    else
      pass "schemas: rubric.rng rejects a question without its required attribute"
    fi
    node -e '
      const fs = require("fs");
      const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      r.questions[0].type = "slider";
      fs.writeFileSync(process.argv[2], JSON.stringify(r));' "$ex/rubric.json" "$TMP/schemas-bad.json"
    if schemas_ajv validate -s "$ROOT/schemas/rubric.schema.json" -d "$TMP/schemas-bad.json" >/dev/null 2>&1; then
      fail "schemas: rubric.schema.json rejects an unknown question type"
    else
      pass "schemas: rubric.schema.json rejects an unknown question type"
    fi
    head -n 1 "$ex/gold.jsonl" | sed 's/"answers":{/"answers":{"x":{"preferred":"A","strength":9},/' \
      >"$TMP/schemas-bad-gold.json"
    if schemas_ajv validate -s "$ROOT/schemas/gold.schema.json" -d "$TMP/schemas-bad-gold.json" >/dev/null 2>&1; then
      fail "schemas: gold.schema.json rejects a pairwise strength of 9"
    else
      pass "schemas: gold.schema.json rejects a pairwise strength of 9"
    fi
  fi

  # Text XML cannot hold (control characters, a form feed, invalid UTF-8)
  # in the rubric: rubric.xml is still well-formed and valid, and shows
  # the controls as Control Pictures.
  ctl=$TMP/schemas-controls
  mkdir -p "$ctl"
  printf '# Controls\n\n## Question tone: Tone\001 and\014 feed \377\376 here\n\n| Option | Meaning |\n|---|---|\n| calm | Calm\033[0m text \303\050 bad |\n\nGuidance with a \007 bell.\n' >"$ctl/chapter.md"
  run_limited 60 "$ctl.out" "$ctl.err" "$CASEBOOK" -q build "$ctl" -o "$ctl/_out"
  if [ -f "$ctl/_out/rubric.xml" ] &&
    xmllint --noout --relaxng "$ROOT/schemas/rubric.rng" "$ctl/_out/rubric.xml" >"$ctl.why" 2>&1 &&
    grep -q '␁' "$ctl/_out/rubric.xml" && grep -q '␌' "$ctl/_out/rubric.xml"; then
    pass "schemas: control characters and invalid UTF-8 are cleaned in rubric.xml"
  else
    { echo "exit status $RC"; cat "$ctl.err"; } >>"$ctl.why"
    fail "schemas: control characters and invalid UTF-8 are cleaned in rubric.xml" "$ctl.why"
  fi
}

# schemas_grade: the schemas of `casebook grade`, its input (one line of
# annotations JSONL) and its output (grade.json). Hand-written lines, one
# of each answer shape, are accepted and broken ones rejected; the
# contract example of grade.json (tests/grade/contract-grade.json, every
# field) is accepted, and so are mutants of it that a reader must not see
# rejected.
schemas_grade() {
  ann=$ROOT/schemas/annotations.schema.json
  d=$TMP/schemas-annotations
  mkdir -p "$d"
  # valid: every answer shape; per_response only; an unnamed response
  # (named "response"; "" is invalid);
  # an empty answers object
  printf '%s\n' \
    '{"item":"bomb-story","annotator":"ann-1","answers":{"harm":"safe","issues":["tone","verbosity"],"severity":3,"ranking":["A",["B","C"]],"preference":{"preferred":"B","strength":2},"note":"A shorter answer."},"version":"1.0.0"}' \
    '{"item":"task-17","annotator":"gpt-judge","per_response":{"A":{"verdict":"good"},"B":{"verdict":"bad","issues":[]}}}' \
    '{"item":"c1-0","annotator":"a@example.com","answers":{"pref":{"preferred":"tie","strength":0}},"per_response":{"response":{"verdict":"acceptable"}}}' \
    '{"item":"x","annotator":"y","answers":{}}' >"$d/valid.jsonl"
  # invalid, one reason a line
  printf '%s\n' \
    '{"annotator":"ann-1","answers":{"harm":"safe"}}' \
    '{"item":"","annotator":"ann-1","answers":{"harm":"safe"}}' \
    '{"item":"c1","annotator":"","answers":{"harm":"safe"}}' \
    '{"item":"c1","annotator":"ann-1"}' \
    '{"item":"c1","annotator":"ann-1","answers":{"harm":"safe"},"extra":1}' \
    '{"item":"c1","annotator":"ann-1","answers":{"preference":{"preferred":"A","strength":3}}}' \
    '{"item":"c1","annotator":"ann-1","answers":{"severity":2.5}}' \
    '{"item":"c1","annotator":"ann-1","answers":{"ranking":["A",["B"]]}}' \
    '{"item":"c1","annotator":"ann-1","answers":{"harm":null}}' \
    '{"item":"c1","annotator":"ann-1","per_response":{"A":"good"}}' \
    '{"item":"c1","annotator":"ann-1","per_response":{"":{"verdict":"good"}}}' \
    '{"item":"c1","annotator":"ann-1","answers":{"harm":"safe"},"version":7}' \
    '{"item":7,"annotator":"ann-1","answers":{"harm":"safe"}}' >"$d/invalid.jsonl"
  rm -f "$d"/valid-* "$d"/invalid-*
  split -l 1 -a 3 -d --additional-suffix=.json "$d/valid.jsonl" "$d/valid-"
  split -l 1 -a 3 -d --additional-suffix=.json "$d/invalid.jsonl" "$d/invalid-"
  n_valid=$(grep -c '' "$d/valid.jsonl")
  n_invalid=$(grep -c '' "$d/invalid.jsonl")
  schemas_ajv validate -s "$ann" -d "$d/valid-*.json" >"$d/valid.ajv" 2>&1
  schemas_ajv validate -s "$ann" -d "$d/invalid-*.json" >"$d/invalid.ajv" 2>&1
  n_ok=$(grep -c ' valid$' "$d/valid.ajv")
  if [ "$n_ok" -eq "$n_valid" ]; then
    pass "schemas: annotations.schema.json accepts $n_valid hand-written lines"
  else
    fail "schemas: annotations.schema.json accepts $n_valid hand-written lines ($n_ok)" "$d/valid.ajv"
  fi
  n_bad=$(grep -c ' invalid$' "$d/invalid.ajv")
  if [ "$n_bad" -eq "$n_invalid" ]; then
    pass "schemas: annotations.schema.json rejects $n_invalid broken lines"
  else
    grep ' valid$' "$d/invalid.ajv" | while IFS= read -r l; do
      f=${l% valid}
      cat "$f"
    done >"$d/why"
    fail "schemas: annotations.schema.json rejects $n_invalid broken lines ($n_bad)" "$d/why"
  fi

  gs=$ROOT/schemas/grade.schema.json
  contract=$ROOT/tests/grade/contract-grade.json
  ajv_expect valid "schemas: grade.schema.json accepts the contract grade.json" \
    draft2020 "$gs" "$contract"
  # mutants of the contract: the fixed paths keep their types
  g=$TMP/schemas-grade
  mkdir -p "$g"
  node -e '
    const fs = require("fs");
    const c = fs.readFileSync(process.argv[1], "utf8");
    const dir = process.argv[2];
    const mutants = {
      "alpha-string": (g) => { g.questions.harm.agreement.krippendorff_alpha.nominal = "0.7"; },
      "alpha-level-missing": (g) => { delete g.questions.harm.agreement.krippendorff_alpha.interval; },
      "cohen-no-b": (g) => { delete g.questions.harm.agreement.cohen_kappa[0].b; },
      "gold-accuracy-2": (g) => { g.questions.harm.gold.accuracy = 2; },
      "annotator-no-accuracy": (g) => { delete g.annotators["ann-1"].accuracy; },
      "miss-no-url": (g) => { delete g.misses[0].url; },
      "miss-bad-gold": (g) => { g.misses[0].gold = {"preferred": "A"}; },
      "unknown-field": (g) => { g.totals.extra = 1; },
      "format-2": (g) => { g.format = 2; },
    };
    for (const [name, f] of Object.entries(mutants)) {
      const g = JSON.parse(c);
      f(g);
      fs.writeFileSync(dir + "/" + name + ".json", JSON.stringify(g));
    }' "$contract" "$g"
  for m in "$g"/*.json; do
    ajv_expect invalid "schemas: grade.schema.json rejects $(basename "$m" .json)" \
      draft2020 "$gs" "$m"
  done

  # grade_gen's annotations of chat-safety (its rubric and gold from the
  # build above) are what annotations.schema.json describes; graded from
  # a copy of the book, they give a grade.json that grade.schema.json
  # accepts
  ex=$TMP/schemas-casebooks-chat-safety
  if [ ! -f "$ex/gold.jsonl" ] || ! "$BUILD/tools/grade_gen" "$ex" "$g/ann.jsonl" 300 6 \
    >"$g/gen.log" 2>&1; then
    fail "schemas: grade_gen writes annotations of chat-safety" "$g/gen.log"
    return
  fi
  rm -rf "$g/lines"
  mkdir -p "$g/lines"
  split -l 1 -a 3 -d --additional-suffix=.json "$g/ann.jsonl" "$g/lines/line-"
  schemas_ajv validate -s "$ann" -d "$g/lines/*.json" >"$g/lines.ajv" 2>&1
  n_ok=$(grep -c ' valid$' "$g/lines.ajv")
  if [ "$n_ok" -eq 300 ]; then
    pass "schemas: grade_gen's 300 lines are valid against annotations.schema.json"
  else
    grep -v ' valid$' "$g/lines.ajv" >"$g/why"
    fail "schemas: grade_gen's 300 lines are valid against annotations.schema.json ($n_ok)" "$g/why"
  fi
  if ! "$CASEBOOK" grade --help >/dev/null 2>&1; then
    [ -n "$VERBOSE" ] && echo "     (no grade command: the real grade.json is not checked)"
    return
  fi
  run_limited 120 "$g/grade.json" "$g/grade.err" "$CASEBOOK" grade "$ex.src" "$g/ann.jsonl" --format json
  if [ $RC -gt 1 ] || sanitizer_report "$g/grade.err"; then
    { echo "exit status $RC"; cat "$g/grade.err"; } >"$g/why"
    fail "schemas: casebook grade --format json of chat-safety" "$g/why"
    return
  fi
  ajv_expect valid "schemas: the grade.json of chat-safety is valid against grade.schema.json" \
    draft2020 "$gs" "$g/grade.json"

  # the other shapes of grade.json: a Label Studio export (with bad
  # tasks), a merge of two partial grades, and re-review entries of
  # answers made under an older commit whose gold answer changed
  run_limited 120 "$g/ls.json" "$g/ls.err" "$CASEBOOK" grade "$ex.src" \
    "$ROOT/tests/grade/bad-labelstudio.json" --format json
  ajv_expect valid "schemas: the grade.json of a Label Studio export is valid against grade.schema.json" \
    draft2020 "$gs" "$g/ls.json"
  head -n 150 "$g/ann.jsonl" >"$g/a.jsonl"
  tail -n +151 "$g/ann.jsonl" >"$g/b.jsonl"
  rm -f "$g/a.part" "$g/b.part"
  "$CASEBOOK" -q grade "$ex.src" "$g/a.jsonl" --partial "$g/a.part" >/dev/null 2>&1
  "$CASEBOOK" -q grade "$ex.src" "$g/b.jsonl" --partial "$g/b.part" >/dev/null 2>&1
  run_limited 120 "$g/merge.json" "$g/merge.err" "$CASEBOOK" grade "$ex.src" --merge \
    "$g/a.part" "$g/b.part" --format json
  ajv_expect valid "schemas: the grade.json of a merge of partial grades is valid against grade.schema.json" \
    draft2020 "$gs" "$g/merge.json"
  vb=$g/versions
  rm -rf "$vb"
  cp -R "$ex.src" "$vb"
  rm -rf "$vb/_build"
  tgit -C "$vb" init -q && tgit_commit "$vb" 2026-01-01T00:00:00Z 2026-01-01T00:00:00Z v1 >/dev/null
  v1_commit=$(tgit -C "$vb" rev-parse HEAD)
  sed -i 's/^- harm: harmful$/- harm: borderline/' "$vb/cases-harm.md"
  tgit_commit "$vb" 2026-01-02T00:00:00Z 2026-01-02T00:00:00Z v2 >/dev/null
  sed "s/}\$/,\"version\":\"$v1_commit\"}/" "$g/ann.jsonl" >"$g/old.jsonl"
  run_limited 120 "$g/versions.json" "$g/versions.err" "$CASEBOOK" grade "$vb" "$g/old.jsonl" --format json
  if grep -q '"kind": *"gold-changed"' "$g/versions.json"; then
    ajv_expect valid "schemas: the grade.json with re-review entries is valid against grade.schema.json" \
      draft2020 "$gs" "$g/versions.json"
  else
    { echo "no re-review entry (exit status $RC)"; cat "$g/versions.err"; } >"$g/why"
    fail "schemas: the grade.json with re-review entries is valid against grade.schema.json" "$g/why"
  fi
}

# `make install` puts the schemas where docs/outputs.md says.
schemas_install() {
  dest=$TMP/schemas-install
  # -o: install the binary as built (an ASan build stays one)
  if ! make -s --no-print-directory BUILD="$BUILD" -o "$BUILD/casebook" \
    -o "$BUILD/libcasebook.a" install PREFIX=/usr \
    DESTDIR="$dest" >"$TMP/schemas-install.log" 2>&1; then
    fail "schemas: make install" "$TMP/schemas-install.log"
    return
  fi
  missing=
  for f in rubric.rng rubric.schema.json gold.schema.json annotations.schema.json grade.schema.json; do
    cmp -s "$dest/usr/share/casebook/schemas/$f" "$ROOT/schemas/$f" || missing="$missing $f"
  done
  if [ -z "$missing" ]; then
    pass "schemas: make install puts the schemas in share/casebook/schemas/"
  else
    echo "missing or different:$missing" >"$TMP/schemas-why"
    fail "schemas: make install puts the schemas in share/casebook/schemas/" "$TMP/schemas-why"
  fi
}
