# SPDX-License-Identifier: MIT
# instructions.sh: the `instructions` test layer (sourced by tests/run.sh):
# label-studio/instructions.html stands alone, read inside the tool
# rather than on the site (tests/exports/instructions-check.js).
#
#   - casebooks/tests/instructions, without site_url: links to what the
#     page holds (questions, options, criteria, final cases, chapters and
#     headings, two headings of one name in two chapters) go to its own
#     anchors; a draft case, a PDF and an image, which the page lacks,
#     are plain text (the image its alt text); a web link stays;
#   - the same book with site_url: those go to the site's pages under it;
#   - casebooks/tests/links (broken links): they are plain text, never
#     "#" nor a site page;
#   - every question, option, criterion and final case has an anchor,
#     every href="#x" names an element, no id twice, no relative link,
#     and the page is valid HTML (vnu, as the body of a document).

# instr_check NAME SRC SITE_URL EXPECT...: builds a copy of SRC (with
# site_url set unless SITE_URL is "-") and runs instructions-check.js.
instr_check() {
  ic_name=$1 ic_src=$2 ic_site=$3
  shift 3
  rm -rf "$TMP/instr-$ic_name-src" "$TMP/instr-$ic_name-out"
  cp -R "$ROOT/$ic_src" "$TMP/instr-$ic_name-src"
  rm -rf "$TMP/instr-$ic_name-src/_build"
  [ "$ic_site" = - ] ||
    printf 'site_url = "%s"\n' "$ic_site" >>"$TMP/instr-$ic_name-src/casebook.lua"
  run_limited 120 "$TMP/instr-$ic_name.out" "$TMP/instr-$ic_name.err" \
    "$CASEBOOK" -q build "$TMP/instr-$ic_name-src" -o "$TMP/instr-$ic_name-out"
  if [ ! -s "$TMP/instr-$ic_name-out/label-studio/instructions.html" ] ||
    sanitizer_report "$TMP/instr-$ic_name.err"; then
    fail "instructions: build $ic_name (exit status $RC)" "$TMP/instr-$ic_name.err"
    return
  fi
  out=$TMP/instr-$ic_name.check
  run_limited 300 "$out" "$out.err" node "$ROOT/tests/exports/instructions-check.js" \
    "$TMP/instr-$ic_name-out" "$ic_site" "$@"
  grep -E '^FAIL' -A 12 "$out" | sed "s/^/     $ic_name: /"
  [ -n "$VERBOSE" ] && grep -E '^ok' "$out" | sed "s/^/     $ic_name: /"
  result=$(grep '^RESULT ' "$out" | tail -n 1)
  if [ -z "$result" ]; then
    cat "$out.err" >>"$out"
    fail "instructions: instructions-check.js $ic_name did not finish (exit status $RC)" "$out"
    return
  fi
  set -- $result
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
}

layer_instructions() {
  if [ ! -x "$CASEBOOK" ]; then
    fail "instructions: $CASEBOOK is missing"
    return
  fi
  need_cmd node nodejs
  need_cmd xmllint libxml2-utils
  need_cmd java default-jre-headless
  if ! npm_need; then
    fail "instructions: npm install of tests/node failed"
    return
  fi
  instr_check plain casebooks/tests/instructions - \
    'href=#question-tone' 'href=#option-tone-kind' 'href=#criterion-plain' \
    'href=#case-polite' 'href=#chapter-more' 'href=#more/notes' \
    'href=#guide/overview' 'href=#more/overview' 'href=#chapter-guide' \
    'href=https://example.org/guide' \
    'text=case rough' 'text=the style sheet' 'text=a diagram'
  instr_check site casebooks/tests/instructions https://guide.example.org/v1/ \
    'href=#question-tone' 'href=#more/notes' \
    'href=https://guide.example.org/v1/guide.html#case-rough' \
    'href=https://guide.example.org/v1/assets/img/sheet.pdf' \
    'href=https://example.org/guide'
  if grep -q 'src="https://guide.example.org/v1/assets/img/diagram.png"' \
    "$TMP/instr-site-out/label-studio/instructions.html"; then
    pass "instructions: with site_url, an image is the site's copy"
  else
    fail "instructions: with site_url, an image is the site's copy" \
      "$TMP/instr-site-out/label-studio/instructions.html"
  fi
  instr_check links casebooks/tests/links - \
    'href=#criterion-charity' 'href=#other/second-heading' \
    'text=no case' 'text=no local heading'
}
