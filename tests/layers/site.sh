# SPDX-License-Identifier: MIT
# tests/layers/site.sh: the annotator site (`sh tests/run.sh site`).
#
# Builds three sites (the XSS casebook, the example, the Chinese and
# Japanese one) and checks them in headless Chromium from Debian through
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

layer_site() {
  for b in xss:casebooks/tests/xss example:casebooks/chat-safety zh:casebooks/zh; do
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
    grep -o '<script[^>]*>' "$f" | grep -E -v '^<script src="site.js" defer(="defer")?>$' >>"$TMP/site-csp.txt"
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
      grep -q '<p class="last-changed"><span class="k">Last changed </span>[0-9-]* (v1)</p>' "$h/book.html" &&
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
    "$TMP/site-zh/html" "$shots"
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
