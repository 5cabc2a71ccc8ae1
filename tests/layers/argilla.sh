# SPDX-License-Identifier: MIT
# tests/layers/argilla.sh: the Argilla v2 export (argilla/), sourced by
# tests/run.sh.
#
#   - golden files of the export of casebooks/tests/every-type (the whole
#     argilla/ directory);
#   - the directory of every-type and of the chat-safety example is what
#     Argilla v2's Dataset.from_disk reads: .argilla/settings.json,
#     .argilla/dataset.json and records.json, and nothing else, each valid
#     with ajv-cli against JSON Schemas written from the SDK's models
#     (tests/exports/argilla-from-disk.schema.json and the
#     argilla-*.schema.json it refers to); the schemas reject broken files
#     and a directory in another layout;
#   - tests/exports/argilla-check.js: names unique, every suggestion legal
#     for its question (option, options, rating value, ranking), and equal
#     to the gold answers of gold.jsonl by the documented mapping; required
#     from the question where it applies to every record, `when` said in
#     the description;
#   - tests/exports/argilla-guidelines.js: the guidelines read as prose (no
#     raw HTML, no property line) and every link goes to the published
#     site (chat-safety and casebooks/tests/links with a site_url: pages
#     and anchors that exist in html/) or to the web (every-type, without
#     site_url: casebook links are text); the raw chapters fail it;
#   - ag_raw_html: the raw HTML of a casebook's Markdown reaches none of
#     the tool exports (Argilla, Label Studio, judge) unless unsafe_html,
#     and inputs holding HTML are carried as text.
#
# The books are built from copies outside any git repository, so that the
# version stamp does not change with every commit.

# ag_build NAME SRC: builds a copy of casebook SRC into $TMP/ag-NAME-out.
ag_build() {
  if ! project_build "ag-$1" "$2" argilla/training/.argilla/settings.json; then
    fail "argilla: build $1 (exit status $RC)" "$TMP/ag-$1.err"
    return 1
  fi
  if grep -q '\[export-argilla\]' "$TMP/ag-$1.err"; then
    fail "argilla: $1 exports without a diagnostic" "$TMP/ag-$1.err"
    return 1
  fi
  pass "argilla: build $1 writes argilla/ without a diagnostic"
}

# ag_ajv NAME SCHEMA DATA: ajv-cli validation (draft-07), expected to pass.
ag_ajv() {
  ajv_expect valid "argilla: $1 $2.json is valid Argilla v2 (ajv)" \
    draft7 "tests/exports/argilla-$2.schema.json" "$3"
}

# ag_reject NAME SCHEMA DATA: ajv-cli validation, expected to fail.
ag_reject() {
  ajv_expect invalid "argilla: the $2 schema rejects $1" \
    draft7 "tests/exports/argilla-$2.schema.json" "$3"
}

# ag_guidelines NAME SITE [URL...]: argilla-guidelines.js on the build
# $TMP/ag-NAME-out, whose site_url is SITE ("-": none); each URL must be a
# link of the guidelines.
ag_guidelines() {
  agg_name=$1
  shift
  node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    process.stdout.write(s.guidelines);' "$TMP/ag-$agg_name-out/argilla/training/.argilla/settings.json" >"$TMP/ag-$agg_name-g.md"
  cmark-gfm -e table -e strikethrough -e autolink -e tasklist -t xml \
    "$TMP/ag-$agg_name-g.md" >"$TMP/ag-$agg_name-g.xml"
  agg_out=$TMP/ag-guidelines-$agg_name.out
  RC=0
  node tests/exports/argilla-guidelines.js "$TMP/ag-$agg_name-out" \
    "$TMP/ag-$agg_name-g.xml" "$@" >"$agg_out" 2>&1 || RC=$?
  ag_results "argilla-guidelines.js $agg_name" "$agg_out"
}

# ag_results NAME OUT: adds the checks of a script's "RESULT passed failed"
# line in OUT to the totals, its FAIL lines shown; a script that did not
# finish is one failure (exit status RC).
ag_results() {
  grep -E '^FAIL' -A 20 "$2" | sed 's/^/     /'
  agr_result=$(grep '^RESULT ' "$2" | tail -n 1)
  if [ -z "$agr_result" ]; then
    fail "argilla: $1 did not finish (exit status $RC)" "$2"
    return
  fi
  set -- $agr_result
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
}

# ag_layout NAME DIR: DIR is a dataset directory Dataset.from_disk reads
# (valid) or not (invalid, for a test that the schema has teeth).
ag_layout() {
  node tests/exports/argilla-layout.js "$3" "$TMP/ag-layout.json"
  agl_s=tests/exports/argilla
  if ajv_run draft7 validate -s "$agl_s-from-disk.schema.json" \
    -r "$agl_s-settings.schema.json" -r "$agl_s-dataset.schema.json" \
    -r "$agl_s-records.schema.json" -d "$TMP/ag-layout.json" >"$TMP/ajv.out" 2>&1; then
    agl_got=valid
  else
    agl_got=invalid
  fi
  if [ "$agl_got" = "$1" ]; then
    pass "$2"
  else
    fail "$2" "$TMP/ajv.out"
  fi
}

# ag_raw_html: tests/exports/raw-html has <script> and onerror= in its
# prose, guidance, hint, option meanings, scale labels, criterion, case
# titles and rationales, and <script>window.data=1</script> in a case's
# inputs. With unsafe_html = false no file of argilla/, label-studio/ or
# judge/ carries the raw tags of the Markdown; the inputs are data, kept
# byte for byte where each tool shows text. With unsafe_html = true the
# Argilla guidelines carry the Markdown as written and instructions.html
# the filtered HTML (docs/argilla.md, docs/label-studio.md).
ag_raw_html() {
  need_cmd cmark-gfm cmark-gfm
  ag_build raw-html tests/exports/raw-html >/dev/null || {
    fail "argilla: build tests/exports/raw-html" "$TMP/ag-raw-html.err"
    return
  }
  out=$TMP/ag-raw-html-out
  if grep -rIliE '(^|[^\\])(<script>alert|<img src=x|<div onclick)' \
    "$out/argilla" "$out/label-studio" "$out/judge" >"$TMP/why"; then
    fail "raw html: no raw tag of the Markdown in argilla/, label-studio/, judge/" "$TMP/why"
  else
    pass "raw html: no raw tag of the Markdown in argilla/, label-studio/, judge/"
  fi
  # the guidelines, read by Argilla as Markdown, hold no raw HTML node,
  # and show the tags as text
  node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    process.stdout.write(s.guidelines);' "$out/argilla/training/.argilla/settings.json" >"$TMP/ag-guidelines.md"
  if [ -s "$TMP/ag-guidelines.md" ] &&
    ! cmark-gfm -e table -t xml "$TMP/ag-guidelines.md" | grep -q '<html_' &&
    cmark-gfm -e table "$TMP/ag-guidelines.md" |
    grep -qF '<p>Prose with &lt;script&gt;alert(1)&lt;/script&gt; inline and &lt;img src=x onerror=alert(1)&gt; too.</p>'; then
    pass "raw html: the Argilla guidelines show the tags as text"
  else
    cp "$TMP/ag-guidelines.md" "$TMP/why"
    fail "raw html: the Argilla guidelines show the tags as text" "$TMP/why"
  fi
  # the judge prompts hold the inputs in fenced blocks: no HTML node
  bad=
  for f in "$out"/judge/prompts/*.md; do
    cmark-gfm -e table -t xml "$f" | grep -q '<html_' && bad="$bad $f"
  done
  if [ -z "$bad" ] && grep -q '^<script>window.data=1</script>$' "$out/judge/prompts/verdict.md"; then
    pass "raw html: the judge prompts hold the inputs as code, not HTML"
  else
    echo "raw HTML in:$bad" >"$TMP/why"
    fail "raw html: the judge prompts hold the inputs as code, not HTML" "$TMP/why"
  fi
  # inputs: the same bytes, in fields each tool shows as text
  if node -e '
    const fs = require("fs"), d = process.argv[1], want = "<script>window.data=1</script>\n";
    const ok = (c, m) => { if (!c) { console.error(m); process.exitCode = 1; } };
    const s = JSON.parse(fs.readFileSync(d + "/argilla/training/.argilla/settings.json", "utf8"));
    for (const f of s.fields) ok(f.settings.use_markdown === false, "argilla field " + f.name + " renders Markdown");
    const r = JSON.parse(fs.readFileSync(d + "/argilla/training/records.json", "utf8"));
    ok(r[0].fields.response === want, "argilla response: " + JSON.stringify(r[0].fields.response));
    const t = JSON.parse(fs.readFileSync(d + "/label-studio/training/one-reply/tasks.json", "utf8"));
    ok(t[0].data.response === want, "label studio response: " + JSON.stringify(t[0].data.response));
    const x = fs.readFileSync(d + "/label-studio/training/one-reply/config.xml", "utf8");
    ok(/<Text name="response" value="\$response"\/>/.test(x), "no Text tag for the response");
    ok(!/<(HyperText|Html|HTML)\b/.test(x), "an HTML object tag in config.xml");
  ' "$out" 2>"$TMP/why"; then
    pass "raw html: inputs are text (Argilla use_markdown false, Label Studio Text)"
  else
    fail "raw html: inputs are text (Argilla use_markdown false, Label Studio Text)" "$TMP/why"
  fi

  # unsafe_html = true: the documented places keep the HTML
  rm -rf "$TMP/ag-raw-unsafe"
  cp -R tests/exports/raw-html "$TMP/ag-raw-unsafe"
  sed -i 's/^unsafe_html = false$/unsafe_html = true/' "$TMP/ag-raw-unsafe/casebook.lua"
  ag_build raw-unsafe "$TMP/ag-raw-unsafe" >/dev/null || return
  out=$TMP/ag-raw-unsafe-out
  if grep -q 'Prose with <script>alert(1)</script> inline and <img src=x onerror=alert(1)> too' \
    "$out/argilla/training/.argilla/settings.json" &&
    grep -q 'block <img src="x">' "$out/label-studio/instructions.html" &&
    ! grep -qiE 'onerror|<script' "$out/label-studio/instructions.html" &&
    ! grep -rIliE '<script>alert|<img src=x' "$out/label-studio/training" \
      "$out/judge" "$out/argilla/training/records.json"; then
    pass "raw html: with unsafe_html the guidelines keep it, instructions.html filtered"
  else
    grep -rnE '<script>alert|<img src|onerror' "$out/argilla" "$out/label-studio" "$out/judge" |
      cut -c1-200 >"$TMP/why"
    fail "raw html: with unsafe_html the guidelines keep it, instructions.html filtered" "$TMP/why"
  fi
}

layer_argilla() {
  if [ ! -x "$CASEBOOK" ]; then
    fail "argilla: $CASEBOOK is missing"
    return
  fi
  need_cmd node nodejs
  need_cmd cmark-gfm cmark-gfm
  ag_build every-type casebooks/tests/every-type || return
  ag_build chat-safety casebooks/chat-safety || return
  ag_raw_html
  golden "argilla: golden argilla/ of every-type" \
    "$ROOT/tests/exports/golden/every-type/argilla" "$TMP/ag-every-type-out/argilla"

  # sets: the records of each use apart; suggestions (which Argilla shows
  # pre-filled) only in the training set; an exam or honeypot record has
  # an opaque id and no source; no guidelines hold an exam or honeypot case
  ag_build shapes casebooks/tests/shapes >/dev/null || return
  if node -e '
    const fs = require("fs"), crypto = require("crypto"), d = process.argv[1];
    const ok = (c, m) => { if (!c) { console.error(m); process.exitCode = 1; } };
    const gold = fs.readFileSync(d + "/gold.jsonl", "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const opaque = (id) => "t" + crypto.createHash("sha256").update("casebook task\n" + id).digest("hex").slice(0, 16);
    for (const set of ["training", "exam", "honeypot"]) {
      const r = JSON.parse(fs.readFileSync(d + "/argilla/" + set + "/records.json", "utf8"));
      const want = gold.filter((g) => g.use === set).map((g) => (set === "training" ? g.id : opaque(g.id)));
      ok(JSON.stringify(r.map((x) => x.id)) === JSON.stringify(want), set + ": records " + r.map((x) => x.id) + ", want " + want);
      for (const x of r) {
        if (set === "training") ok(Object.keys(x.suggestions).length > 0, set + " " + x.id + ": no suggestions");
        else {
          ok(Object.keys(x.suggestions).length === 0, set + " " + x.id + ": suggestions");
          ok(JSON.stringify(Object.keys(x.metadata)) === "[\"casebook_version\"]", set + " " + x.id + ": metadata " + Object.keys(x.metadata));
        }
      }
      const g = JSON.parse(fs.readFileSync(d + "/argilla/" + set + "/.argilla/settings.json", "utf8")).guidelines;
      ok(g.includes("Inventing the current weather"), set + ": the guidelines lost a training case");
      for (const s of ["exam-one", "Off by one", "honey-two", "reveals nothing", "B stops at 2"])
        ok(!g.includes(s), set + ": the guidelines show " + s);
    }
  ' "$TMP/ag-shapes-out" 2>"$TMP/why"; then
    pass "argilla: one set per use, suggestions only in training, exam and honeypot records opaque, guidelines without them"
  else
    fail "argilla: one set per use, suggestions only in training, exam and honeypot records opaque, guidelines without them" "$TMP/why"
  fi

  # invalid UTF-8 and NUL bytes in the casebook: still valid JSON
  ag_build encoding casebooks/tests/encoding >/dev/null 2>&1
  if node -e '
    const fs = require("fs"), d = process.argv[1];
    for (const f of [".argilla/settings.json", "records.json", ".argilla/dataset.json"])
      JSON.parse(fs.readFileSync(d + "/" + f, "utf8"));' "$TMP/ag-encoding-out/argilla/training" 2>"$TMP/why" &&
    ! sanitizer_report "$TMP/ag-encoding.err"; then
    pass "argilla: invalid UTF-8 and NUL bytes still give valid JSON"
  else
    fail "argilla: invalid UTF-8 and NUL bytes still give valid JSON" "$TMP/why"
  fi

  if ! npm_need; then
    fail "argilla: npm install of tests/node failed"
    return
  fi
  for b in every-type chat-safety; do
    ag_ajv "$b" settings "$TMP/ag-$b-out/argilla/training/.argilla/settings.json"
    ag_ajv "$b" dataset "$TMP/ag-$b-out/argilla/training/.argilla/dataset.json"
    ag_ajv "$b" records "$TMP/ag-$b-out/argilla/training/records.json"
    ag_layout valid "argilla: $b argilla/ is the layout Dataset.from_disk reads (ajv)" \
      "$TMP/ag-$b-out/argilla/training"
    out=$TMP/ag-check-$b.out
    run_limited 120 "$out" "$out.err" node tests/exports/argilla-check.js "$TMP/ag-$b-out"
    cat "$out.err" >>"$out"
    ag_results "argilla-check.js $b" "$out"
  done

  # The schemas and the checker have teeth: broken copies are refused.
  src=$TMP/ag-every-type-out/argilla/training
  m=$TMP/ag-mutants
  mkdir -p "$m"
  node -e '
    const fs = require("fs"), [src, m] = process.argv.slice(1);
    const s = JSON.parse(fs.readFileSync(src + "/.argilla/settings.json", "utf8"));
    const bad = (f, x) => fs.writeFileSync(m + "/" + f, JSON.stringify(x));
    let c = JSON.parse(JSON.stringify(s)); c.questions[0].name = "Verdict Name"; bad("name.json", c);
    c = JSON.parse(JSON.stringify(s)); c.questions.find((q) => q.settings.type === "rating").settings.options.push({ value: 11 }); bad("rating.json", c);
    c = JSON.parse(JSON.stringify(s)); c.questions[0].settings.type = "pairwise"; bad("type.json", c);
    c = JSON.parse(JSON.stringify(s)); c.questions[0].settings.options = []; bad("options.json", c);
    const r = JSON.parse(fs.readFileSync(src + "/records.json", "utf8"));
    c = JSON.parse(JSON.stringify(r)); c[0].suggestions.verdict = { value: { good: true }, score: null, agent: "x" }; bad("records-value.json", c);
    c = JSON.parse(JSON.stringify(r)); c[0].fields["Prompt Text"] = "x"; bad("records-field.json", c);
  ' "$src" "$m"
  ag_reject "a question name outside [a-z0-9_-]" settings "$m/name.json"
  ag_reject "a rating value above 10" settings "$m/rating.json"
  ag_reject "an unknown question type" settings "$m/type.json"
  ag_reject "a label question without options" settings "$m/options.json"
  ag_reject "a suggestion value of the wrong kind" records "$m/records-value.json"
  ag_reject "a field name outside [a-z0-9_-]" records "$m/records-field.json"
  # the layout of to_disk before the .argilla folder, and a stray file
  rm -rf "$m/flat" "$m/stray"
  mkdir -p "$m/flat" && cp "$src/records.json" "$src"/.argilla/*.json "$m/flat/"
  cp -R "$src" "$m/stray" && echo '{}' >"$m/stray/extra.json"
  ag_layout invalid "argilla: the from_disk schema rejects settings.json outside .argilla/" "$m/flat"
  ag_layout invalid "argilla: the from_disk schema rejects a file from_disk does not read" "$m/stray"

  # the guidelines: without site_url no link into the site; with it,
  # every link to a page and an anchor of html/
  ag_guidelines every-type -
  rm -rf "$TMP/ag-site-in"
  cp -R casebooks/chat-safety "$TMP/ag-site-in"
  echo 'site_url = "https://example.org/guide/"' >>"$TMP/ag-site-in/casebook.lua"
  ag_build site "$TMP/ag-site-in" >/dev/null &&
    ag_guidelines site https://example.org/guide/ \
      https://example.org/guide/harm.html#question-severity \
      https://example.org/guide/helpfulness.html#criterion-safe-completion \
      https://example.org/guide/cases-helpfulness.html#case-kill-process
  rm -rf "$TMP/ag-links-in"
  cp -R casebooks/tests/links "$TMP/ag-links-in"
  echo 'site_url = "https://example.org/g/"' >>"$TMP/ag-links-in/casebook.lua"
  project_build ag-links "$TMP/ag-links-in" argilla/training/.argilla/settings.json &&
    ag_guidelines links https://example.org/g/ \
      https://example.org/g/other.html#second-heading \
      https://example.org/g/book.html#option-harm-safe
  # the checker has teeth: the chapters as written fail it
  rm -rf "$m/raw-out"
  cp -R "$TMP/ag-site-out" "$m/raw-out"
  cat "$TMP"/ag-site-in/*.md >"$m/raw.md"
  node -e '
    const fs = require("fs"), [f, md] = process.argv.slice(1);
    const s = JSON.parse(fs.readFileSync(f, "utf8"));
    s.guidelines = fs.readFileSync(md, "utf8");
    fs.writeFileSync(f, JSON.stringify(s));' "$m/raw-out/argilla/training/.argilla/settings.json" "$m/raw.md"
  cmark-gfm -e table -t xml "$m/raw.md" >"$m/raw.xml"
  node tests/exports/argilla-guidelines.js "$m/raw-out" "$m/raw.xml" https://example.org/guide/ >"$TMP/why" 2>&1
  if grep -q '^FAIL guidelines: no property line' "$TMP/why" &&
    grep -q '^FAIL guidelines: every link goes to the web' "$TMP/why"; then
    pass "argilla: argilla-guidelines.js refuses the chapters as written"
  else
    fail "argilla: argilla-guidelines.js refuses the chapters as written" "$TMP/why"
  fi
  # argilla-check.js refuses a required flag changed, and a question with
  # a when whose description no longer says it
  for mutation in required when; do
    rm -rf "$m/out-$mutation"
    cp -R "$TMP/ag-every-type-out" "$m/out-$mutation"
    node -e '
      const fs = require("fs"), [f, kind] = process.argv.slice(1);
      const s = JSON.parse(fs.readFileSync(f, "utf8"));
      const q = s.questions.find((x) => x.name === (kind === "required" ? "verdict" : "reason"));
      if (kind === "required") q.required = !q.required;
      else q.description = "Why is it not good?";
      fs.writeFileSync(f, JSON.stringify(s));
    ' "$m/out-$mutation/argilla/training/.argilla/settings.json" "$mutation"
    node tests/exports/argilla-check.js "$m/out-$mutation" >"$TMP/why" 2>&1
    if grep -q '^FAIL settings: required from the question' "$TMP/why"; then
      pass "argilla: argilla-check.js refuses a question changed ($mutation)"
    else
      fail "argilla: argilla-check.js refuses a question changed ($mutation)" "$TMP/why"
    fi
  done
  # argilla-check.js refuses a suggestion that is not an option, and one
  # that differs from the gold
  for mutation in option gold; do
    rm -rf "$m/out-$mutation"
    cp -R "$TMP/ag-every-type-out" "$m/out-$mutation"
    node -e '
      const fs = require("fs"), [f, kind] = process.argv.slice(1);
      const r = JSON.parse(fs.readFileSync(f, "utf8"));
      const s = r.find((x) => x.suggestions.verdict).suggestions.verdict;
      s.value = kind === "option" ? "excellent" : (s.value === "good" ? "bad" : "good");
      fs.writeFileSync(f, JSON.stringify(r));
    ' "$m/out-$mutation/argilla/training/records.json" "$mutation"
    node tests/exports/argilla-check.js "$m/out-$mutation" >"$TMP/why" 2>&1
    if grep -q '^RESULT [0-9]* [1-9]' "$TMP/why"; then
      pass "argilla: argilla-check.js refuses a suggestion changed ($mutation)"
    else
      fail "argilla: argilla-check.js refuses a suggestion changed ($mutation)" "$TMP/why"
    fi
  done
}
