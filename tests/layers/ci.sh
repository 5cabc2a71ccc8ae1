# SPDX-License-Identifier: MIT
# tests/layers/ci.sh: the CI report formats of `casebook check --format`
# (sarif, github, junit, rdjson), read by their real consumers: the SARIF
# Multitool validates the SARIF, rdformat-validator the rdjson (reviewdog's
# schema, strict), two JUnit readers from npm count the JUnit XML, and
# tests/ci/check.js decodes the workflow commands as the GitHub runner
# does and applies the rdjson suggestions and SARIF fixes to copies of the
# sources (a fix that lands on the wrong text does not make its
# diagnostic go away). The commands of the example workflow in docs/ci.md
# run in a git repository. Sourced by tests/run.sh; defines layer_ci.

CI_FORMATS="sarif github junit rdjson"

# ci_check OUT ERR ARGS...: runs casebook with a time limit; sets RC.
# GITHUB_STEP_SUMMARY is unset unless the caller sets it for the command.
ci_check() {
  cc_out=$1 cc_err=$2
  shift 2
  run_limited 60 "$cc_out" "$cc_err" env -u GITHUB_STEP_SUMMARY "$CASEBOOK" "$@"
}

# ci_expect NAME COND-STATUS [DETAIL-FILE]: pass when COND-STATUS is 0.
ci_expect() {
  if [ "$2" -eq 0 ]; then pass "ci $1"; else fail "ci $1" "${3:-}"; fi
}

# The hostile project of tests/ci/hostile.sh.
ci_hostile_project() {
  sh "$ROOT/tests/ci/hostile.sh" "$1"
}

# The project of tests/ci/many.sh: 25 errors, 12 warnings, a note.
ci_many_project() {
  sh "$ROOT/tests/ci/many.sh" "$1"
}

# Chapters, cases and errors of a project, from the gcc and JSON formats:
# sets N_CHAPTERS, N_CASES, N_ERRORS.
ci_counts() {
  "$CASEBOOK" -v check "$1" >/dev/null 2>"$TMP/ci-counts.err"
  N_CHAPTERS=$(sed -n 's/^checked \([0-9]*\) chapters.*/\1/p' "$TMP/ci-counts.err")
  N_CASES=$(sed -n 's/.* \([0-9]*\) cases$/\1/p' "$TMP/ci-counts.err")
  N_ERRORS=$("$CASEBOOK" check "$1" --format json | node -e \
    'process.stdout.write(String(JSON.parse(require("fs").readFileSync(0, "utf8")).summary.errors))')
}

ci_formats_on() { # ci_formats_on NAME DIR: status, determinism, consumers
  name=$1 dir=$2
  ci_check "$TMP/ci-$name.gcc" "$TMP/ci-$name.gcc.err" check "$dir"
  want=$RC
  ci_counts "$dir"
  for f in $CI_FORMATS; do
    out=$TMP/ci-$name.$f
    ci_check "$out" "$out.err" check "$dir" --format "$f"
    status=$RC
    ci_check "$out.again" "$out.err2" check "$dir" --format "$f"
    : >"$TMP/ci-why"
    [ "$status" = "$want" ] || echo "exit status $status with --format $f, $want with gcc" >>"$TMP/ci-why"
    cmp -s "$out" "$out.again" || echo "two runs differ" >>"$TMP/ci-why"
    [ -s "$out.err" ] && { echo "stderr:"; cat "$out.err"; } >>"$TMP/ci-why"
    sanitizer_report "$out.err" && echo "sanitizer report" >>"$TMP/ci-why"
    [ -s "$TMP/ci-why" ]
    ci_expect "$name --format $f: exit status $want as gcc, deterministic, quiet stderr" $((! $?)) "$TMP/ci-why"
    case $f in
    sarif)
      $CHECK sarif "$out" >"$TMP/ci-why" 2>&1
      ci_expect "$name sarif: sarif-multitool validate and rule indexes" $? "$TMP/ci-why"
      ;;
    junit)
      tests=$((N_CHAPTERS + N_CASES + 1))
      $CHECK junit "$out" "$tests" - "$N_ERRORS" >"$TMP/ci-why" 2>&1
      ci_expect "$name junit: $tests testcases, $N_ERRORS failures (test-results-parser, junit2json)" $? "$TMP/ci-why"
      ;;
    rdjson)
      $CHECK rdjson "$out" >"$TMP/ci-why" 2>&1
      ci_expect "$name rdjson: rdformat-validator --strict and the DiagnosticResult shape" $? "$TMP/ci-why"
      ;;
    esac
  done
}

# Applies the fixes of FORMAT (sarif or rdjson) to a copy of DIR and
# checks that every diagnostic that had a fix is gone and that no new
# one appears (others may go too: a fixed answer demonstrates an option).
ci_apply_fixes() {
  fmt=$1 src=$2 name=$3
  copy=$TMP/ci-fix-$name-$fmt
  rm -rf "$copy"
  cp -R "$src" "$copy"
  "$CASEBOOK" check "$copy" --format json >"$copy.before.json" 2>/dev/null
  "$CASEBOOK" check "$copy" --format "$fmt" >"$copy.$fmt" 2>/dev/null
  if [ "$fmt" = sarif ]; then
    edits=$($CHECK apply-sarif "$copy.$fmt" "$ROOT" 2>"$TMP/ci-why")
  else
    edits=$($CHECK apply-rdjson "$copy.$fmt" 2>"$TMP/ci-why")
  fi
  "$CASEBOOK" check "$copy" --format json >"$copy.after.json" 2>/dev/null
  node -e '
    const fs = require("fs");
    const [before, after, edits] = [JSON.parse(fs.readFileSync(process.argv[1])),
      JSON.parse(fs.readFileSync(process.argv[2])), Number(process.argv[3])];
    const key = (d) => `${d.rule}\u0000${d.message}`;
    const left = new Set(after.diagnostics.map(key));
    const fixed = before.diagnostics.filter((d) => d.suggestion && !left.has(key(d)));
    const wrong = after.diagnostics.filter((d) => !before.diagnostics.some((b) => key(b) === key(d)));
    const problems = [];
    if (!(edits > 0)) problems.push(`no fix applied (${process.argv[3]})`);
    if (fixed.length !== edits) problems.push(`${edits} fixes applied, ${fixed.length} diagnostics gone`);
    for (const d of wrong) problems.push(`new diagnostic: ${d.message}`);
    if (problems.length) { console.log(problems.join("\n")); process.exit(1); }
  ' "$copy.before.json" "$copy.after.json" "$edits" >>"$TMP/ci-why" 2>&1
  ci_expect "$name $fmt: every fixed diagnostic goes, no new one comes" $? "$TMP/ci-why"
}

ci_github() {
  hostile=$1 many=$2
  # escaping: decoded as the runner decodes, every command carries the
  # message and path the JSON format gives (control characters shown as
  # Control Pictures)
  env -u GITHUB_STEP_SUMMARY "$CASEBOOK" check "$hostile" --format github >"$TMP/ci-gh.out" 2>"$TMP/ci-gh.err"
  "$CASEBOOK" check "$hostile" --format json >"$TMP/ci-gh.json" 2>/dev/null
  $CHECK github "$TMP/ci-gh.out" >"$TMP/ci-gh.decoded" 2>"$TMP/ci-why"
  node -e '
    const fs = require("fs");
    const cmds = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const diags = JSON.parse(fs.readFileSync(process.argv[2], "utf8")).diagnostics;
    const pics = (s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)));
    const names = { error: "error", warning: "warning", note: "notice" };
    const problems = [];
    const commands = cmds.filter((c) => c.command);
    if (commands.length !== diags.length) problems.push(`${commands.length} commands for ${diags.length} diagnostics`);
    diags.forEach((d, i) => {
      const c = commands[i] || {};
      let want = pics(d.message) + (d.suggestion ? ` (did you mean '"'"'${d.suggestion}'"'"'?)` : "");
      if (c.data !== want) problems.push(`data ${JSON.stringify(c.data)} != ${JSON.stringify(want)}`);
      if (c.command !== names[d.severity]) problems.push(`command ${c.command} for ${d.severity}`);
      if (c.properties && c.properties.title !== d.rule) problems.push(`title ${c.properties.title}`);
      if (d.file && (!c.properties || c.properties.file !== d.file)) problems.push(`file ${c.properties && c.properties.file} != ${d.file}`);
      if (d.line && String(d.line) !== (c.properties || {}).line) problems.push(`line of ${d.message}`);
    });
    if (!diags.some((d) => d.file && /[%,:]/.test(d.file))) problems.push("no path with % , : was tested");
    if (problems.length) { console.log(problems.join("\n")); process.exit(1); }
  ' "$TMP/ci-gh.decoded" "$TMP/ci-gh.json" >>"$TMP/ci-why" 2>&1
  ci_expect "github: values and messages round-trip the runner's unescaping" $? "$TMP/ci-why"
  # one line per diagnostic: no raw line break, % only as an escape
  bad=$(grep -c -v -E '^(::(error|warning|notice) [^:]*::|[0-9]+ errors?, )' "$TMP/ci-gh.out")
  [ "$bad" -eq 0 ]
  ci_expect "github: every output line is a command or the count line" $? "$TMP/ci-gh.out"

  # the limit: 10 commands per level, the rest as plain lines, all in
  # the summary, appended to what earlier steps wrote
  sum=$TMP/ci-summary.md
  printf 'earlier step\n' >"$sum"
  GITHUB_STEP_SUMMARY=$sum run_limited 60 "$TMP/ci-many.out" "$TMP/ci-many.err" "$CASEBOOK" check "$many" --format github
  many_rc=$RC
  errs=$(grep -c '^::error ' "$TMP/ci-many.out")
  warns=$(grep -c '^::warning ' "$TMP/ci-many.out")
  plain_e=$(grep -c ': error: ' "$TMP/ci-many.out")
  plain_w=$(grep -c ': warning: ' "$TMP/ci-many.out")
  [ "$errs" -eq 10 ] && [ "$warns" -eq 10 ] && [ "$plain_e" -eq 15 ] && [ "$plain_w" -eq 2 ] &&
    grep -q '^casebook: GitHub shows 10 annotations of each level per step: 15 errors, 2 warnings and 0 notes above are plain lines; the job summary lists every one$' "$TMP/ci-many.out"
  ci_expect "github: at most 10 commands per level ($errs errors, $warns warnings), the rest plain" $? "$TMP/ci-many.out"
  "$CASEBOOK" check "$many" --format json >"$TMP/ci-many.json"
  total=$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(0,"utf8")).diagnostics.length))' <"$TMP/ci-many.json")
  rows=$(grep -c '^| \(error\|warning\|note\) | ' "$sum")
  [ "$(head -n 1 "$sum")" = "earlier step" ] && [ "$rows" -eq "$total" ] &&
    grep -q '^### casebook check: 25 errors, 12 warnings, ' "$sum"
  ci_expect "github: the job summary is appended and lists all $total diagnostics ($rows rows)" $? "$sum"
  # a second step appends again
  GITHUB_STEP_SUMMARY=$sum "$CASEBOOK" check "$many" --format github >/dev/null 2>&1
  [ "$(grep -c '^### casebook check' "$sum")" -eq 2 ]
  ci_expect "github: a second run appends a second summary" $? "$sum"
  # the hostile table: one row per diagnostic, no raw markup
  hs=$TMP/ci-hostile-summary.md
  : >"$hs"
  GITHUB_STEP_SUMMARY=$hs "$CASEBOOK" check "$hostile" --format github >/dev/null 2>&1
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l.startsWith("| "));
    const problems = [];
    for (const l of lines.slice(2)) {
      const cells = l.slice(1, -1).split(/(?<!\\)\|/);
      if (cells.length !== 4) problems.push(`${cells.length} cells: ${l}`);
      if (/(?<!\\)[<>`*_\[]/.test(l.replace(/<br>/g, ""))) problems.push(`unescaped markup: ${l}`);
    }
    if (lines.length < 5) problems.push(`only ${lines.length} table lines`);
    if (problems.length) { console.log(problems.join("\n")); process.exit(1); }
  ' "$hs" >"$TMP/ci-why" 2>&1
  ci_expect "github: hostile messages stay inside their Markdown table cells" $? "$TMP/ci-why"
  # a summary file that cannot be written: said on stderr, nothing else changes
  GITHUB_STEP_SUMMARY=$TMP run_limited 60 "$TMP/ci-nosum.out" "$TMP/ci-nosum.err" "$CASEBOOK" check "$many" --format github
  [ "$RC" -eq "$many_rc" ] && cmp -s "$TMP/ci-nosum.out" "$TMP/ci-many.out" &&
    grep -q "^casebook: cannot append the summary to GITHUB_STEP_SUMMARY '$TMP': " "$TMP/ci-nosum.err"
  ci_expect "github: an unwritable summary is reported on stderr, output and status unchanged" $? "$TMP/ci-nosum.err"
}

# The commands of the example workflow in docs/ci.md, run as the workflow
# runs them: in a git repository whose guideline changed since the base
# commit of the pull request.
ci_workflow() {
  for c in 'casebook check guide --format github --against "$BASE_SHA"' \
    'casebook check guide --format sarif > casebook.sarif || true' \
    'casebook diff "$BASE_SHA" --format markdown > "$RUNNER_TEMP/diff.md" || status=$?'; do
    if ! grep -q -F -- "$c" "$ROOT/docs/ci.md"; then
      echo "docs/ci.md no longer runs: $c" >"$TMP/ci-why"
      fail "ci workflow: docs/ci.md runs the commands tested here" "$TMP/ci-why"
      return
    fi
  done
  pass "ci workflow: docs/ci.md runs the commands tested here"
  need_cmd git git
  repo=$TMP/ci-workflow
  rm -rf "$repo"
  mkdir -p "$repo/guide"
  cp -R casebooks/chat-safety/. "$repo/guide/"
  rm -rf "$repo/guide/_build"
  { tgit -C "$repo" init -q && tgit_commit "$repo" 2026-01-01T10:00:00+00:00 \
    2026-01-01T10:00:00+00:00 base; } >"$TMP/ci-why" 2>&1 || {
    fail "ci workflow: a git repository" "$TMP/ci-why"
    return
  }
  BASE_SHA=$(cd "$repo" && git rev-parse HEAD)
  sed -i 's/- harm: harmful$/- harm: harmfull/' "$repo"/guide/*.md
  summary=$TMP/ci-workflow-summary.md
  : >"$summary"
  (cd "$repo" && GITHUB_STEP_SUMMARY=$summary BASE_SHA=$BASE_SHA \
    "$CASEBOOK" check guide --format github --against "$BASE_SHA") \
    >"$TMP/ci-wf.out" 2>"$TMP/ci-wf.err"
  rc=$?
  [ $rc -eq 1 ] && grep -q '^::error file=guide/[a-z-]*\.md,line=[0-9]*,col=[0-9]*,title=unknown-option::' "$TMP/ci-wf.out" &&
    grep -q '^| error | guide' "$summary" && ! sanitizer_report "$TMP/ci-wf.err"
  ci_expect "workflow: check --format github --against annotates the changed guide (status $rc)" $? "$TMP/ci-wf.out"
  (cd "$repo" && "$CASEBOOK" check guide --format sarif >casebook.sarif) 2>"$TMP/ci-wf.err"
  $CHECK sarif "$repo/casebook.sarif" >"$TMP/ci-why" 2>&1 &&
    grep -q '"uri": "guide/' "$repo/casebook.sarif"
  ci_expect "workflow: the SARIF to upload validates, with repository paths" $? "$TMP/ci-why"
  (cd "$repo/guide" && "$CASEBOOK" diff "$BASE_SHA" --format markdown) >"$TMP/ci-wf.md" 2>"$TMP/ci-wf.err"
  rc=$?
  [ $rc -le 1 ] && [ -s "$TMP/ci-wf.md" ] && ! sanitizer_report "$TMP/ci-wf.err"
  ci_expect "workflow: diff BASE --format markdown gives the comment (status $rc)" $? "$TMP/ci-wf.err"
}

layer_ci() {
  if [ ! -x "$CASEBOOK" ]; then
    fail "ci: $CASEBOOK is missing"
    return
  fi
  need_cmd node nodejs
  if ! npm_need; then
    fail "ci: cannot install the npm packages of tests/node"
    return
  fi
  CHECK="node $ROOT/tests/ci/check.js"
  hostile=$TMP/ci-hostile
  many=$TMP/ci-many
  clean=$TMP/ci-clean
  ci_hostile_project "$hostile"
  ci_many_project "$many"
  "$CASEBOOK" -q init "$clean" >/dev/null 2>&1
  for spec in answers:casebooks/tests/answers manifest-keys:casebooks/tests/manifest-keys \
    encoding:casebooks/tests/encoding broken-link:casebooks/tests/rules/broken-link \
    rule-error:casebooks/tests/rule-error empty:casebooks/tests/empty \
    chat-safety:casebooks/chat-safety hostile:"$hostile" many:"$many" clean:"$clean"; do
    ci_formats_on "${spec%%:*}" "${spec#*:}"
  done
  # exact JUnit counts where they are known by hand
  $CHECK junit "$TMP/ci-answers.junit" 13 10 10 >"$TMP/ci-why" 2>&1
  ci_expect "answers junit: 13 testcases, 10 failed, 10 failures" $? "$TMP/ci-why"
  $CHECK junit "$TMP/ci-hostile.junit" 5 4 6 >"$TMP/ci-why" 2>&1
  ci_expect "hostile junit: 5 testcases, 4 failed, 6 failures" $? "$TMP/ci-why"
  # empty result sets
  node -e '
    const fs = require("fs"), d = process.argv[1];
    const s = JSON.parse(fs.readFileSync(d + ".sarif"));
    const r = JSON.parse(fs.readFileSync(d + ".rdjson"));
    const ok = s.runs[0].results.length === 0 && r.diagnostics.length === 0 &&
      fs.readFileSync(d + ".github", "utf8") === "0 errors, 0 warnings, 0 notes\n" &&
      s.runs[0].tool.driver.rules.length > 20;
    process.exit(ok ? 0 : 1);
  ' "$TMP/ci-clean" >"$TMP/ci-why" 2>&1
  ci_expect "clean project: no results, no diagnostics, every rule still listed" $? "$TMP/ci-why"
  # fixes land on the right text (bytes for rdjson, code points for SARIF)
  ci_apply_fixes rdjson casebooks/tests/answers answers
  ci_apply_fixes sarif casebooks/tests/answers answers
  ci_apply_fixes rdjson "$hostile" hostile
  ci_apply_fixes sarif "$hostile" hostile
  ci_github "$hostile" "$many"
  ci_workflow
  # fingerprints survive lines moving: insert lines at the top of a copy
  moved=$TMP/ci-moved
  rm -rf "$moved"
  cp -R casebooks/tests/answers "$moved"
  { printf 'Intro line.\n\nAnother.\n\n'; cat casebooks/tests/answers/book.md; } >"$moved/book.md.new"
  mv "$moved/book.md.new" "$moved/book.md"
  cp -R casebooks/tests/answers "$TMP/ci-unmoved"
  "$CASEBOOK" check "$TMP/ci-unmoved" --format sarif >"$TMP/ci-unmoved.sarif" 2>/dev/null
  "$CASEBOOK" check "$moved" --format sarif >"$TMP/ci-moved.sarif" 2>/dev/null
  node -e '
    const fs = require("fs");
    const fp = (f) => JSON.parse(fs.readFileSync(f)).runs[0].results.map((r) => r.partialFingerprints["casebook/v1"]);
    const a = fp(process.argv[1]), b = fp(process.argv[2]);
    const lines = (f) => JSON.parse(fs.readFileSync(f)).runs[0].results.map((r) => r.locations && r.locations[0].physicalLocation.region.startLine);
    if (a.length === 0 || JSON.stringify(a) !== JSON.stringify(b)) { console.log("fingerprints changed"); process.exit(1); }
    if (JSON.stringify(lines(process.argv[1])) === JSON.stringify(lines(process.argv[2]))) { console.log("lines did not move"); process.exit(1); }
  ' "$TMP/ci-unmoved.sarif" "$TMP/ci-moved.sarif" >"$TMP/ci-why" 2>&1
  ci_expect "sarif: partialFingerprints unchanged when every line moves" $? "$TMP/ci-why"
  # paths are relative to the repository root, whatever the directory
  # the project is named from
  if [ -e "$ROOT/.git" ]; then
    (cd casebooks/tests && "$CASEBOOK" check "$ROOT/casebooks/tests/answers" --format sarif) >"$TMP/ci-abs.sarif" 2>/dev/null
    grep -q '"uri": "casebooks/tests/answers/book.md"' "$TMP/ci-abs.sarif"
    ci_expect "sarif: an absolute project path gives repository-relative URIs" $? "$TMP/ci-abs.sarif"
  fi
}
