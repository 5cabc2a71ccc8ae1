# SPDX-License-Identifier: MIT
# tests/layers/gradereport.sh: the grade report and the feedback pages of
# the annotators (`sh tests/run.sh gradereport`).
#
# With a `grade` command in the binary, grades casebooks/chat-safety
# against tests/grade/chat-safety-annotations.jsonl (three annotators, one
# of them named with a <script> payload) into $TMP/gradereport/grade,
# beside the site built into $TMP/gradereport/html; without one, writes
# the pages of the contract document (tests/grade/contract-grade.json)
# through the unit test binary of grade_html (CB_GRADE_HTML_OUT). Then:
# the files are there, no page holds a script, the payload is escaped,
# every link into the site reaches a page of it (with the real command),
# and in headless Chromium (tests/grade/report-check.js) the report and
# one feedback page pass vnu and axe, load from file:// with nothing
# fetched outside, fit in 390 px; screenshots at 1280 and 390 px go to
# $BUILD/screenshots for a person to look at.

layer_gradereport() {
  gr=$TMP/gradereport
  rm -rf "$gr" && mkdir -p "$gr"
  out=$gr/grade
  if "$CASEBOOK" grade --help >/dev/null 2>&1; then
    mode=command
    "$CASEBOOK" -q build casebooks/chat-safety -o "$gr" >"$gr/build.out" 2>&1
    "$CASEBOOK" -q grade casebooks/chat-safety \
      tests/grade/chat-safety-annotations.jsonl -o "$out" >"$gr/grade.out" 2>&1
    rc=$?
    # until the command writes the pages itself: drawn from its grade.json
    if [ "$rc" -eq 0 ] && [ ! -f "$out/report.html" ] && [ -s "$out/grade.json" ]; then
      mode="command, pages drawn by the unit test binary"
      CB_GRADE_HTML_IN=$out/grade.json CB_GRADE_HTML_OUT=$out \
        "$BUILD/tests/test_grade_html" >>"$gr/grade.out" 2>&1
      rc=$?
    fi
  else
    mode=contract
    bin=$BUILD/tests/test_grade_html
    if [ ! -x "$bin" ]; then
      fail "gradereport: $bin is missing (make $bin)"
      return
    fi
    CB_GRADE_HTML_OUT=$out "$bin" >"$gr/grade.out" 2>&1
    rc=$?
  fi
  if [ "$rc" -eq 0 ] && [ -s "$out/report.html" ] && [ -s "$out/report.css" ]; then
    pass "gradereport write ($mode)"
  else
    echo "exit status $rc" >>"$gr/grade.out"
    fail "gradereport write ($mode)" "$gr/grade.out"
    return
  fi

  # One feedback page per annotator; the hostile one's name escaped.
  feedback=
  for f in "$out"/annotators/*.html; do
    [ -f "$f" ] || continue
    feedback=${feedback:-annotators/$(basename "$f")}
  done
  n_pages=$(ls "$out"/annotators/*.html 2>/dev/null | wc -l)
  if [ -n "$feedback" ] && [ "$n_pages" -ge 2 ] &&
    grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$out/report.html"; then
    pass "gradereport pages ($n_pages feedback pages)"
  else
    fail "gradereport pages ($n_pages feedback pages)"
  fi

  # No script anywhere; every page carries the policy.
  : >"$gr/csp.txt"
  for f in "$out"/report.html "$out"/annotators/*.html; do
    grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self';" "$f" ||
      echo "no policy: $f" >>"$gr/csp.txt"
    grep -i -o '<script[^>]*>' "$f" >>"$gr/csp.txt"
    sed 's/="[^"]*"/=""/g' "$f" | grep -E -i -o '<[a-z][^>]* on[a-z]+=[^>]*>' | head -3 >>"$gr/csp.txt"
  done
  if [ ! -s "$gr/csp.txt" ]; then pass "gradereport no script"; else
    fail "gradereport no script" "$gr/csp.txt"
  fi

  # With the real command, every link into the site reaches a page.
  if [ "$mode" != contract ]; then
    : >"$gr/links.txt"
    for f in "$out"/report.html "$out"/annotators/*.html; do
      d=$(dirname "$f")
      grep -o 'href="[^"#]*\.html' "$f" | sed 's/^href="//' | sort -u |
        while IFS= read -r h; do
          [ -f "$d/$h" ] || echo "$(basename "$f"): $h" >>"$gr/links.txt"
        done
    done
    if [ ! -s "$gr/links.txt" ] && grep -q 'href="\.\./html/' "$out/report.html"; then
      pass "gradereport links reach the site"
    else
      fail "gradereport links reach the site" "$gr/links.txt"
    fi
  fi

  # The browser.
  if ! need_chromium; then
    fail "gradereport browser (no chromium)"
    return
  fi
  need_cmd java default-jre-headless
  if ! npm_need; then
    fail "gradereport browser (npm install of tests/node failed)"
    return
  fi
  run_limited 600 "$gr/browser.out" "$gr/browser.err" \
    node "$ROOT/tests/grade/report-check.js" "$out" "$feedback" "$BUILD/screenshots"
  while IFS= read -r line; do
    case $line in
    "ok "*) pass "gradereport browser ${line#ok }" ;;
    "FAIL "*)
      echo "${line#FAIL }" >"$gr/browser-fail.txt"
      fail "gradereport browser ${line#FAIL }" "$gr/browser-fail.txt" ;;
    esac
  done <"$gr/browser.out"
  if [ "$RC" -ne 0 ] && ! grep -q '^FAIL ' "$gr/browser.out"; then
    cat "$gr/browser.out" >>"$gr/browser.err"
    fail "gradereport browser (exit status $RC)" "$gr/browser.err"
  fi
}
