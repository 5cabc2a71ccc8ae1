# SPDX-License-Identifier: MIT
# tests/layers/site.sh: the annotator site (`sh tests/run.sh site`).
#
# Builds the sites of the XSS casebook, the example, and the Chinese and
# Japanese one (with its language set to zh, to ja, and with words of the
# project's own) and checks them in headless Chromium from Debian through
# playwright-core (tests/browser/site.test.js): no payload of the XSS
# casebook runs, the example passes the Nu HTML checker and axe-core,
# search works from file:// in English, Chinese and Japanese, the cases
# index filters, the keyboard works; screenshots go to $BUILD/screenshots.
# Without a browser the checks that need none still run: the site's files,
# its Content-Security-Policy, escaping and neutralised links, the search
# index, and a project's own templates.

# site_build NAME DIR: builds DIR into $TMP/site-NAME; 0 when html/ exists.
site_build() {
  rm -rf "$TMP/site-$1"
  "$CASEBOOK" -q build "$2" -o "$TMP/site-$1" >"$TMP/site-$1.out" 2>&1
  [ -f "$TMP/site-$1/html/index.html" ]
}

# site_book NAME LINES: a copy of the Chinese and Japanese example in
# $TMP/book-NAME with LINES added to its manifest.
site_book() {
  rm -rf "$TMP/book-$1" && mkdir -p "$TMP/book-$1"
  cp casebooks/zh/*.md casebooks/zh/casebook.lua "$TMP/book-$1/"
  printf '\n%s\n' "$2" >>"$TMP/book-$1/casebook.lua"
}

layer_site() {
  # The example in Chinese and in Japanese (its language set), and with
  # some words of the site the project's own (one with markup, which
  # must stay text).
  site_book zh 'language = "zh"'
  site_book ja 'language = "ja"'
  site_book words 'language = "zh-Hant"
strings = { search_label = "Find a rule", cases = "Examples <b>x</b>", skip_to_content = "Jump to the text" }'
  for b in xss:casebooks/tests/xss example:casebooks/chat-safety zh:"$TMP/book-zh" \
    ja:"$TMP/book-ja" words:"$TMP/book-words"; do
    if site_build "${b%%:*}" "${b#*:}"; then
      pass "site build ${b%%:*}"
    else
      fail "site build ${b%%:*}" "$TMP/site-${b%%:*}.out"
    fi
  done
  ex=$TMP/site-example/html

  # Every page of the site is there, and nothing else.
  missing=
  for f in index.html cases.html tags.html print.html search-index.js site.js \
    style.css harm.html tag-over-refusal.html; do
    [ -s "$ex/$f" ] || missing="$missing $f"
  done
  if [ -z "$missing" ]; then pass "site files"; else
    echo "missing:$missing" >"$TMP/site-files.txt"
    fail "site files" "$TMP/site-files.txt"
  fi

  # Every page carries the policy, loads only the site's own scripts, and
  # holds no inline script or event handler attribute.
  : >"$TMP/site-csp.txt"
  for f in "$ex"/*.html "$TMP"/site-xss/html/*.html; do
    grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self';" "$f" ||
      echo "no policy: $f" >>"$TMP/site-csp.txt"
    # the site's words for site.js are a JSON data block, which never runs
    grep -o '<script[^>]*>' "$f" |
      grep -E -v '^<script (src="site.js" defer(="defer")?|type="application/json" data-casebook="strings")>$' >>"$TMP/site-csp.txt"
    # event handler attributes: names, once the (escaped) values are gone
    sed 's/="[^"]*"/=""/g' "$f" | grep -E -i -o '<[a-z][^>]* on[a-z]+=[^>]*>' | head -3 >>"$TMP/site-csp.txt"
  done
  if [ ! -s "$TMP/site-csp.txt" ]; then pass "site csp"; else fail "site csp" "$TMP/site-csp.txt"; fi

  # The XSS casebook: payloads are escaped text, links are neutralised.
  x=$TMP/site-xss/html/xss.html
  if [ -f "$x" ] && grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$x" &&
    ! grep -E -i -q '<a [^>]*href="[[:space:]]*(javascript|vbscript|data:text|file):' "$x" &&
    ! grep -q '<script>' "$x" && ! grep -i -q '<img src=x' "$x" &&
    grep -q 'raw HTML omitted' "$x"; then
    pass "site xss escaped"
  else
    fail "site xss escaped"
  fi

  # Raw HTML in prose is dropped unless the manifest's unsafe_html lets
  # it through; the policy goes on every page either way.
  uh=$TMP/site-unsafe
  rm -rf "$uh" && mkdir -p "$uh"
  printf '# Raw\n\nSome <b class="raw-kept">raw</b> HTML <img src="x" onerror="window.__casebookCanary=1">.\n' >"$uh/raw.md"
  "$CASEBOOK" -q build "$uh" -o "$uh/safe" >"$TMP/site-unsafe.out" 2>&1
  printf 'title = "unsafe"\nunsafe_html = true\n' >"$uh/casebook.lua"
  "$CASEBOOK" -q build "$uh" -o "$uh/unsafe" >>"$TMP/site-unsafe.out" 2>&1
  if grep -q 'raw HTML omitted' "$uh/safe/html/raw.html" &&
    ! grep -q 'raw-kept' "$uh/safe/html/raw.html" &&
    grep -q '<b class="raw-kept">raw</b>' "$uh/unsafe/html/raw.html" &&
    grep -q "<head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self';" \
      "$uh/unsafe/html/raw.html"; then
    pass "site unsafe_html"
  else
    fail "site unsafe_html" "$TMP/site-unsafe.out"
  fi

  # The search index: a script setting one global, CJK bigrams, titles.
  si=$TMP/site-zh/html/search-index.js
  if [ -f "$si" ] && head -c 200 "$si" | grep -q 'window.casebookSearchData = {"v":1' &&
    grep -q '"纳税":' "$si" && grep -q '"炊飯":' "$si" && grep -q '"invoice":' "$si"; then
    pass "site search index"
  else
    fail "site search index"
  fi

  # A project's own template and asset replace the embedded ones.
  own=$TMP/site-own
  rm -rf "$own" && mkdir -p "$own/templates"
  cp casebooks/zh/*.md casebooks/zh/casebook.lua "$own/"
  printf '/* own */ body { color: red; }\n' >"$own/templates/style.css"
  sed 's#<main id="main" data-slot="content">#<main id="main" class="own-template" data-slot="content">#' \
    templates/page.html >"$own/templates/page.html"
  if "$CASEBOOK" -q build "$own" -o "$own/_build" >"$TMP/site-own.out" 2>&1 &&
    grep -q '^/\* own \*/' "$own/_build/html/style.css" &&
    grep -q 'class="own-template"' "$own/_build/html/index.html" &&
    grep -q 'Content-Security-Policy' "$own/_build/html/index.html"; then
    pass "site own templates"
  else
    fail "site own templates" "$TMP/site-own.out"
  fi

  # The site's words: <html lang> and the built-in table of the manifest's
  # language (zh-Hant takes zh's), the project's own words over them,
  # escaped; no data-ui attribute of the template is left.
  zh=$TMP/site-zh/html ja=$TMP/site-ja/html wo=$TMP/site-words/html
  if grep -q '^<html lang="en">' "$ex/index.html" &&
    grep -q '^<html lang="zh">' "$zh/index.html" &&
    grep -q '<a class="skip" href="#main">跳到正文</a>' "$zh/index.html" &&
    grep -q '<h1>案例</h1>' "$zh/cases.html" &&
    grep -q '^<html lang="ja">' "$ja/index.html" &&
    grep -q '<a class="skip" href="#main">本文へ移動</a>' "$ja/index.html" &&
    grep -q '<h1>事例</h1>' "$ja/cases.html" &&
    grep -q 'placeholder="検索  /"' "$ja/index.html" &&
    grep -q '"close_search":"検索を閉じる"' "$ja/index.html" &&
    ! grep -q 'data-ui' "$ex/index.html" "$ja/index.html"; then
    pass "site languages"
  else
    fail "site languages"
  fi
  if grep -q '^<html lang="zh-Hant">' "$wo/index.html" &&
    grep -q '>Find a rule</label>' "$wo/index.html" &&
    grep -q '<a class="skip" href="#main">Jump to the text</a>' "$wo/index.html" &&
    grep -q '<h1>Examples &lt;b&gt;x&lt;/b&gt;</h1>' "$wo/cases.html" &&
    grep -q 'aria-label="搜索结果"' "$wo/index.html"; then
    pass "site words of the project"
  else
    fail "site words of the project" "$TMP/site-words.out"
  fi

  # The build cache: a new language or new words in the manifest give
  # new pages on the next build into the same directory.
  site_book cache ''
  cb=$TMP/book-cache out=$TMP/site-cache
  rm -rf "$out"
  "$CASEBOOK" -q build "$cb" -o "$out" >"$TMP/site-cache.out" 2>&1
  l1=$(head -c 200 "$out/html/index.html" | grep -c '<html lang="en">')
  printf 'language = "ja"\n' >>"$cb/casebook.lua"
  "$CASEBOOK" -q build "$cb" -o "$out" >>"$TMP/site-cache.out" 2>&1
  l2=$(grep -c '<h1>事例</h1>' "$out/html/cases.html")
  printf 'strings = { cases = "Beispiele" }\n' >>"$cb/casebook.lua"
  "$CASEBOOK" -q build "$cb" -o "$out" >>"$TMP/site-cache.out" 2>&1
  l3=$(grep -c '<h1>Beispiele</h1>' "$out/html/cases.html")
  # and back: the same manifest as the first build, from the cache
  site_book cache ''
  "$CASEBOOK" -q build "$cb" -o "$out" >>"$TMP/site-cache.out" 2>&1
  l4=$(head -c 200 "$out/html/index.html" | grep -c '<html lang="en">')
  if [ -d "$out/.cache" ] && [ "$l1$l2$l3$l4" = 1111 ]; then
    pass "site cache (language and words)"
  else
    echo "en, ja, own words, en again: $l1 $l2 $l3 $l4" >>"$TMP/site-cache.out"
    ls -a "$out" >>"$TMP/site-cache.out"
    fail "site cache (language and words)" "$TMP/site-cache.out"
  fi

  # History from a real repository: markers on what changed since a tag,
  # the changes page, the last change of each case.
  need_cmd git git
  repo=$TMP/site-git
  rm -rf "$repo" && mkdir -p "$repo"
  printf '# Book\n\n## Question harm: Is it harmful?\n\n| Option | Meaning |\n|---|---|\n| safe | Nothing harmful. |\n| harmful | Real uplift. |\n\n## Case c1: First\n\n```prompt\nhello\n```\n\n- harm: safe\n\nBecause.\n' >"$repo/book.md"
  if (cd "$repo" && git init -q && git add book.md &&
    git -c user.name=t -c user.email=t@example.com commit -qm one && git tag v1) >"$TMP/site-git.out" 2>&1; then
    printf '\n## Case c2: Second\n\n```prompt\nbye\n```\n\n- harm: harmful\n\nBecause not.\n' >>"$repo/book.md"
    sed 's/| harmful | Real uplift. |/| harmful | Real uplift to harm. |/' "$repo/book.md" >"$repo/book.tmp" &&
      mv "$repo/book.tmp" "$repo/book.md"
    (cd "$repo" && git -c user.name=t -c user.email=t@example.com commit -qam two) >>"$TMP/site-git.out" 2>&1
    "$CASEBOOK" -q build --since v1 "$repo" -o "$repo/_build" >>"$TMP/site-git.out" 2>&1
    h=$repo/_build/html
    if grep -q '<p class="history added">New since v1</p>' "$h/book.html" &&
      grep -q '<p class="history changed">Changed since v1</p>' "$h/book.html" &&
      grep -q '<p class="last-changed"><span class="k">Last changed</span> [0-9-]* (v1)</p>' "$h/book.html" &&
      grep -q '<h1>Changes since v1</h1>' "$h/changes.html" &&
      grep -q '<a href="book.html#case-c2"><code>c2</code></a>' "$h/changes.html" &&
      grep -q '<a href="book.html#option-harm-harmful"><code>harm/harmful</code></a>' "$h/changes.html"; then
      pass "site history (git)"
    else
      fail "site history (git)" "$TMP/site-git.out"
    fi
  else
    fail "site history (git: cannot make the repository)" "$TMP/site-git.out"
  fi

  # The browser.
  if ! need_chromium; then
    fail "site browser (no chromium)"
    return
  fi
  need_cmd java default-jre-headless
  # a font with Han and Kana, so that the screenshots show them
  need_cmd fc-list fontconfig
  fc-list 2>/dev/null | grep -q -i -E 'wqy|noto sans cjk|droid sans fallback' ||
    apt_install fonts-wqy-microhei || true
  if ! npm_need; then
    fail "site browser (npm install of tests/node failed)"
    return
  fi
  shots=$BUILD/screenshots
  run_limited 900 "$TMP/site-browser.out" "$TMP/site-browser.err" \
    node "$ROOT/tests/browser/site.test.js" "$TMP/site-xss/html" "$ex" \
    "$TMP/site-zh/html" "$shots" "$TMP/site-ja/html" "$TMP/site-words/html"
  while IFS= read -r line; do
    case $line in
    "ok "*) pass "site browser ${line#ok }" ;;
    "FAIL "*)
      echo "${line#FAIL }" >"$TMP/site-browser-fail.txt"
      fail "site browser ${line#FAIL }" ;;
    esac
  done <"$TMP/site-browser.out"
  if [ "$RC" -ne 0 ] && ! grep -q '^FAIL ' "$TMP/site-browser.out"; then
    cat "$TMP/site-browser.out" >>"$TMP/site-browser.err"
    fail "site browser (exit status $RC)" "$TMP/site-browser.err"
  fi
}
