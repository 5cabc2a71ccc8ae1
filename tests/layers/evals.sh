# SPDX-License-Identifier: MIT
# evals.sh: the `evals` test layer (sourced by tests/run.sh): OUT/evals/,
# the guideline as an eval of an LLM judge, run by the real promptfoo CLI
# offline.
#
#   - promptfoo 0.118.0 installs into tests/evals/node (evals_npm_need); a
#     failed install is a failed test, never a skip;
#   - for casebooks/chat-safety and tests/evals/books/hostile (case text,
#     titles, criteria and a text gold holding ": ", "#", quotes, "---",
#     YAML tags and anchors, Nunjucks tags and comments, "file://",
#     controls and invalid UTF-8):
#       - build writes evals/promptfooconfig.yaml and evals/inspect.jsonl,
#         and a second build gives the same bytes;
#       - every line of the YAML is a comment, a key, or a key and one
#         scalar: a double-quoted string, an alias, true or false (so no
#         text of the casebook spans lines or is read as YAML syntax);
#       - inspect.jsonl (tests/evals/answers.js): one sample per final case
#         and question with a gold answer in gold.jsonl, ids unique, keys
#         id, input, target, metadata; target the gold as JSON text,
#         metadata.gold the gold, metadata.version the stamp; input the
#         question's judge/prompts/QUESTION.md with the case in place of
#         {{case}};
#       - promptfoo eval with a local provider (tests/evals/provider.js)
#         that returns canned answers (the gold, written three ways, for
#         most tests, a wrong answer for every fifth): its results.json
#         has exactly the passes and failures the answers imply, test by
#         test, no error, and every prompt promptfoo rendered equals the
#         sample's input byte for byte (the Nunjucks escaping round-trips);
#       - hostile: nothing from the environment reaches the results
#         (CASEBOOK_EVALS_SECRET, named by {{ env.… }} in the casebook);
#         the same config without the escaping fails in promptfoo (the
#         check is not vacuous); the judge prompt of a question lists the
#         criteria that apply to it.

EVALS_NODE=$ROOT/tests/evals/node
EVALS_PROMPTFOO=$EVALS_NODE/node_modules/.bin/promptfoo

# evals_npm_need: installs tests/evals/node from its package-lock.json,
# unless the installed tree was made from the same lock file: `npm ci`
# with install scripts off (promptfoo's would download a browser), then
# better-sqlite3, promptfoo's result store, built from source against the
# machine's Node.js headers. Returns nonzero when that fails.
evals_npm_need() {
  en_mark=$EVALS_NODE/node_modules/.casebook-lock.json
  cmp -s "$EVALS_NODE/package-lock.json" "$en_mark" 2>/dev/null && return 0
  need_cmd npm npm
  command -v npm >/dev/null 2>&1 || return 1
  en_log=$TMP/npm-evals.log
  if (cd "$EVALS_NODE" &&
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PROMPTFOO_DISABLE_TELEMETRY=1 \
      npm ci --ignore-scripts --no-audit --no-fund --loglevel=error &&
    npm rebuild better-sqlite3 --build-from-source --nodedir=/usr --loglevel=error &&
    node -e 'new (require("better-sqlite3"))(":memory:").prepare("select 1").get()') \
    >"$en_log" 2>&1; then
    cp "$EVALS_NODE/package-lock.json" "$en_mark"
  else
    cat "$en_log" >&2
    rm -rf "$EVALS_NODE/node_modules"
    return 1
  fi
}

# evals_promptfoo DIR CONFIG: runs promptfoo eval on CONFIG with the
# canned provider, answers DIR/answers.json, results DIR/results.json;
# prompts it renders unlike inspect.jsonl are listed in DIR/mismatch.log.
# Nothing is read from or written to the user's promptfoo directory, and
# nothing goes to the network. Sets RC.
evals_promptfoo() {
  ep_dir=$1
  rm -f "$ep_dir/results.json" "$ep_dir/mismatch.log"
  : >"$ep_dir/mismatch.log"
  run_limited 300 "$ep_dir/pf.out" "$ep_dir/pf.err" \
    env HOME="$TMP/evals-home" PROMPTFOO_CONFIG_DIR="$TMP/evals-home/promptfoo" \
    PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 \
    CASEBOOK_EVALS_SECRET=leak-canary-51 \
    CASEBOOK_EVALS_ANSWERS="$ep_dir/answers.json" \
    CASEBOOK_EVALS_INSPECT="$ep_dir/out/evals/inspect.jsonl" \
    CASEBOOK_EVALS_LOG="$ep_dir/mismatch.log" \
    "$EVALS_PROMPTFOO" eval -c "$2" \
    --providers "file://$ROOT/tests/evals/provider.js" \
    -o "$ep_dir/results.json" --no-cache --no-table --no-progress-bar
}

# evals_results DIR: compares DIR/results.json with DIR/expected.json
# (ID: pass or not); prints what promptfoo counted.
evals_results() {
  node -e '
    const fs = require("fs"), dir = process.argv[1];
    const r = JSON.parse(fs.readFileSync(dir + "/results.json", "utf8")).results;
    const want = JSON.parse(fs.readFileSync(dir + "/expected.json", "utf8"));
    const ids = Object.keys(want);
    const n_pass = ids.filter((id) => want[id]).length;
    const s = r.stats;
    if (s.successes !== n_pass || s.failures !== ids.length - n_pass || s.errors !== 0)
      throw new Error(`stats ${JSON.stringify(s)}, want ${n_pass} passes and ${ids.length - n_pass} failures`);
    if (r.results.length !== ids.length) throw new Error(`${r.results.length} results for ${ids.length} tests`);
    const got = new Set();
    for (const x of r.results) {
      const id = `${x.testCase.metadata.case}/${x.testCase.metadata.question}`;
      if (!(id in want) || got.has(id)) throw new Error(`result for ${id}`);
      got.add(id);
      if (x.success !== want[id]) throw new Error(`${id}: success ${x.success}: ${x.gradingResult && x.gradingResult.reason} ${x.error || ""}`);
    }
    console.log(`${s.successes} passed, ${s.failures} failed as the canned answers imply`);
  ' "$1"
}

layer_evals() {
  need_cmd node nodejs
  if ! evals_npm_need || [ ! -x "$EVALS_PROMPTFOO" ]; then
    fail "evals: npm install of tests/evals/node (promptfoo)"
    return
  fi
  pass "evals: promptfoo $(node -p 'require(process.argv[1]).version' "$EVALS_NODE/node_modules/promptfoo/package.json") installed"
  for spec in chat-safety:casebooks/chat-safety hostile:tests/evals/books/hostile; do
    name=${spec%%:*}
    dir=$TMP/evals-$name
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -R "$ROOT/${spec#*:}" "$dir/book"
    rm -rf "$dir/book/_build"
    run_limited 120 "$dir/build.out" "$dir/build.err" "$CASEBOOK" -q build "$dir/book" -o "$dir/out"
    if [ $RC -gt 1 ] || sanitizer_report "$dir/build.err" ||
      [ ! -s "$dir/out/evals/promptfooconfig.yaml" ] || [ ! -s "$dir/out/evals/inspect.jsonl" ]; then
      { echo "exit status $RC"; cat "$dir/build.err"; } >"$TMP/evals-why"
      fail "evals $name: build writes evals/promptfooconfig.yaml and evals/inspect.jsonl" "$TMP/evals-why"
      continue
    fi
    pass "evals $name: build writes evals/promptfooconfig.yaml and evals/inspect.jsonl"

    cp -R "$dir/out/evals" "$dir/first"
    run_limited 120 "$dir/build2.out" "$dir/build2.err" "$CASEBOOK" -q build "$dir/book" -o "$dir/out"
    if diff -r "$dir/first" "$dir/out/evals" >"$TMP/evals-why" 2>&1; then
      pass "evals $name: a second build gives the same evals/"
    else
      fail "evals $name: a second build gives the same evals/" "$TMP/evals-why"
    fi

    # YAML by construction: a scalar never spans lines, every string is
    # double-quoted
    if grep -n -v -E '^(#.*|tests:|  \[\]|( *(- )?[A-Za-z_]+:( (&[a-z0-9]+ )?"([^"\\]|\\.)*"| \*[a-z0-9]+| true| false)?))$' \
      "$dir/out/evals/promptfooconfig.yaml" >"$TMP/evals-why"; then
      fail "evals $name: every line of promptfooconfig.yaml is a key and one quoted scalar" "$TMP/evals-why"
    else
      pass "evals $name: every line of promptfooconfig.yaml is a key and one quoted scalar"
    fi

    if node "$ROOT/tests/evals/answers.js" "$dir/out" "$dir/answers.json" "$dir/expected.json" \
      >"$TMP/evals-why" 2>&1; then
      pass "evals $name: inspect.jsonl has one sample per case and question with gold, targets equal gold.jsonl ($(cat "$TMP/evals-why"))"
    else
      fail "evals $name: inspect.jsonl has one sample per case and question with gold, targets equal gold.jsonl" "$TMP/evals-why"
      continue
    fi

    evals_promptfoo "$dir" "$dir/out/evals/promptfooconfig.yaml"
    # promptfoo exits 100 when a test failed, as some must
    if [ $RC -ne 100 ] || [ ! -s "$dir/results.json" ]; then
      { echo "exit status $RC"; tail -n 20 "$dir/pf.out"; cat "$dir/pf.err"; } >"$TMP/evals-why"
      fail "evals $name: promptfoo eval runs the config" "$TMP/evals-why"
      continue
    fi
    if evals_results "$dir" >"$TMP/evals-why" 2>&1; then
      pass "evals $name: promptfoo: $(tail -n 1 "$TMP/evals-why")"
    else
      fail "evals $name: promptfoo's results are what the canned answers imply" "$TMP/evals-why"
    fi
    if [ -s "$dir/mismatch.log" ]; then
      fail "evals $name: every prompt promptfoo renders equals its sample's input" "$dir/mismatch.log"
    else
      pass "evals $name: every prompt promptfoo renders equals its sample's input"
    fi
  done

  dir=$TMP/evals-hostile
  [ -s "$dir/results.json" ] || return
  if grep -q leak-canary "$dir/results.json" "$dir/pf.out" "$dir/pf.err"; then
    grep -n leak-canary "$dir/results.json" | cut -c1-300 >"$TMP/evals-why"
    fail "evals hostile: {{ env.… }} in the casebook does not reach the environment" "$TMP/evals-why"
  else
    pass "evals hostile: {{ env.… }} in the casebook does not reach the environment"
  fi
  # the same config without the escaping: promptfoo errs or renders
  # another prompt, so the checks above can see a missing escape
  sed -e 's/{{ \\"{\\" }}/{/g' -e 's/{{ \\"#\\" }}/#/g' "$dir/out/evals/promptfooconfig.yaml" >"$dir/naive.yaml"
  evals_promptfoo "$dir" "$dir/naive.yaml"
  if [ -s "$dir/mismatch.log" ] ||
    node -e 'process.exit(require(process.argv[1]).results.stats.errors > 0 ? 0 : 1)' "$dir/results.json" 2>/dev/null; then
    pass "evals hostile: the config without its Nunjucks escaping is caught"
  else
    { echo "exit status $RC"; tail -n 20 "$dir/pf.out"; } >"$TMP/evals-why"
    fail "evals hostile: the config without its Nunjucks escaping is caught" "$TMP/evals-why"
  fi
  p=$dir/out/judge/prompts/verdict.md
  if grep -q '^## Criteria that apply$' "$p" && grep -q '^### `no-leak`$' "$p" &&
    ! grep -q '^## Criteria that apply$' "$dir/out/judge/prompts/flags.md"; then
    pass "evals hostile: the judge prompt lists the criteria that apply to its question, and only those"
  else
    fail "evals hostile: the judge prompt lists the criteria that apply to its question" "$p"
  fi
}
