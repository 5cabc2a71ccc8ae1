# SPDX-License-Identifier: MIT
# tests/layers/lsp.sh: `casebook lsp`, sourced by tests/run.sh.
#
#   - hostile framing through a pipe: a request before initialize, headers
#     without a Content-Length or with one negative, huge or not a number,
#     a body that is not JSON (or not UTF-8, or nested 100,000 deep), a
#     message that is not an object, unknown methods, positions far out of
#     the text, a change that does not apply, a Content-Length that lies
#     (short, then long at the end of the input), exit without shutdown:
#     each answered as the protocol says, the server never crashes, never
#     hangs (a time limit), and exits 1 or 0 as the spec asks;
#   - six changes of a chapter of the example, each followed by its
#     diagnostics (tests/tools/lsp_latency, which `make bench` times);
#   - a file with no casebook.lua above it, checked alone from its buffer;
#   - the rules' diagnostics at once, every check's once the client has
#     been quiet (the findings about ignore comments with the second);
#   - the positions of a file on disk with invalid UTF-8 and a character
#     outside the BMP, in UTF-16 code units;
#   - a real client: Neovim (Debian's neovim, 0.7's built-in vim.lsp) in
#     headless mode runs tests/lsp/session.lua against a copy of
#     casebooks/chat-safety: diagnostics for an error typed into the
#     buffer with its range, go to definition from an answer's key and
#     value, hover, completion of option ids and of case ids in a link,
#     document and workspace symbols, a code action that fixes the
#     misspelt option, shutdown and exit 0.

# lsp_frame BODY: BODY framed with its Content-Length (in bytes).
lsp_frame() {
  printf 'Content-Length: %s\r\n\r\n%s' "$(printf '%s' "$1" | wc -c | tr -d ' ')" "$1"
}

# lsp_feed NAME: runs `casebook lsp` on $TMP/lsp-NAME.in with a time
# limit; its output in $TMP/lsp-NAME.out, its log in .err, its status in
# RC. Fails the test NAME when it timed out or a sanitizer spoke.
lsp_feed() {
  run_limited 30 "$TMP/lsp-$1.out" "$TMP/lsp-$1.err" \
    sh -c 'exec "$1" lsp <"$2"' sh "$CASEBOOK" "$TMP/lsp-$1.in"
  if [ "$RC" -eq 124 ] || [ "$RC" -gt 1 ] || sanitizer_report "$TMP/lsp-$1.err"; then
    fail "lsp: $1: the server ends cleanly (exit status $RC)" "$TMP/lsp-$1.err"
    return 1
  fi
  return 0
}

# lsp_status NAME STATUS WHAT: lsp_feed NAME, whose exit status must be
# STATUS.
lsp_status() {
  lsp_feed "$1" || return 1
  if [ "$RC" -eq "$2" ]; then
    pass "lsp: $1: $3"
  else
    fail "lsp: $1: $3 (exit status $RC)" "$TMP/lsp-$1.err"
  fi
}

# lsp_expect NAME WHAT STRING: the output of NAME holds STRING.
lsp_expect() {
  if grep -F -q -- "$3" "$TMP/lsp-$1.out"; then
    pass "lsp: $1: $2"
  else
    echo "expected: $3" >"$TMP/lsp-$1.why"
    head -c 3000 "$TMP/lsp-$1.out" >>"$TMP/lsp-$1.why"
    fail "lsp: $1: $2" "$TMP/lsp-$1.why"
  fi
}

lsp_init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'

layer_lsp_framing() {
  # requests before initialize, framing errors, then a session
  {
    lsp_frame '{"jsonrpc":"2.0","id":7,"method":"textDocument/hover","params":{}}'
    lsp_frame '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{}}'
    printf 'Content-Type: application/vscode-jsonrpc\r\n\r\n'
    printf 'Content-Length: -5\r\n\r\n'
    printf 'Content-Length: 12abc\r\n\r\n'
    printf 'Content-Length: 99999999999999999999999\r\n\r\n'
    printf 'Content-Length: \001\002\377\r\n\r\n'
    lsp_frame "$lsp_init"
    lsp_frame '{"jsonrpc":"2.0","id":2,"method":"initialize","params":{}}'
    lsp_frame '{"jsonrpc":"2.0","id":3,"method":"no/such/method","params":{}}'
    lsp_frame '{"jsonrpc":"2.0","method":"no/such/notification","params":{}}'
    lsp_frame '{"jsonrpc":"2.0","id":4,"method":'
    lsp_frame '[1,2,3]'
    lsp_frame '{"jsonrpc":"2.0","id":{"x":1},"method":"shutdown"}'
    printf 'Content-Length: 9\r\n\r\n{"a":"\377"}'
    lsp_frame "$(awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; }')"
    lsp_frame '{"jsonrpc":"2.0","id":5,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///nowhere/x.md"},"position":{"line":-1,"character":99999999999}}}'
    lsp_frame '{"jsonrpc":"2.0","id":6,"method":"textDocument/definition"}'
    # a Content-Length shorter than its body: the rest is not a header
    printf 'Content-Length: 10\r\n\r\n{"jsonrpc":"2.0","id":8,"method":"shutdown"}'
    lsp_frame '{"jsonrpc":"2.0","id":9,"method":"workspace/symbol","params":{"query":""}}'
    lsp_frame '{"jsonrpc":"2.0","method":"exit"}'
  } >"$TMP/lsp-framing.in"
  lsp_status framing 1 "exit without shutdown is status 1"
  lsp_expect framing "a request before initialize is refused" '{"id":7,"error":{"code":-32002'
  lsp_expect framing "initialize answers after the framing errors" '{"id":1,"result":{"capabilities"'
  lsp_expect framing "a second initialize is an invalid request" '{"id":2,"error":{"code":-32600'
  lsp_expect framing "an unknown request is MethodNotFound" '{"id":3,"error":{"code":-32601'
  lsp_expect framing "a body that is not JSON is a ParseError" '{"id":null,"error":{"code":-32700'
  lsp_expect framing "an array is an invalid request" '{"id":null,"error":{"code":-32600,"message":"not a JSON-RPC message"'
  lsp_expect framing "an id that is an object is an invalid request" '"message":"an id that is not a string or a number"'
  lsp_expect framing "positions far out of the text give no result" '{"id":5,"result":null'
  lsp_expect framing "a request without params is InvalidParams" '{"id":6,"error":{"code":-32602'
  n=$(grep -o '"code":-32700' "$TMP/lsp-framing.out" | wc -l)
  [ "$n" -ge 4 ] && pass "lsp: framing: invalid JSON, invalid UTF-8, deep nesting, a short body: ParseErrors" ||
    fail "lsp: framing: invalid JSON, invalid UTF-8, deep nesting, a short body: ParseErrors ($n)" "$TMP/lsp-framing.out"
  if grep -F -q '"id":8' "$TMP/lsp-framing.out"; then
    fail "lsp: framing: a body cut short is not run" "$TMP/lsp-framing.out"
  else
    pass "lsp: framing: a body cut short is not run"
  fi
  n=$(grep -c 'skipped' "$TMP/lsp-framing.err")
  [ "$n" -ge 5 ] && pass "lsp: framing: bad headers are said on the log and skipped" ||
    fail "lsp: framing: bad headers are said on the log and skipped ($n)" "$TMP/lsp-framing.err"

  # a Content-Length that lies long at the end of the input: no hang
  { lsp_frame "$lsp_init"; printf 'Content-Length: 5000\r\n\r\n{"jsonrpc":"2.0"'; } >"$TMP/lsp-long.in"
  lsp_feed long && lsp_expect long "a body longer than the input ends the server" '{"id":1,"result"'
  # a Content-Length above the limit: the body is read and dropped
  { lsp_frame "$lsp_init"; printf 'Content-Length: 600000000\r\n\r\n{"jsonrpc":"2.0"'; } >"$TMP/lsp-huge.in"
  if lsp_feed huge && grep -q 'a message of 600000000 bytes, larger than' "$TMP/lsp-huge.err"; then
    pass "lsp: a message above the limit is dropped"
  else
    fail "lsp: a message above the limit is dropped" "$TMP/lsp-huge.err"
  fi
  # no input at all, and a header that never ends
  : >"$TMP/lsp-empty.in"
  lsp_status empty 1 "no input at all is status 1"
  awk 'BEGIN { for (i = 0; i < 20000; i++) printf "X-Junk: %d\r\n", i }' >"$TMP/lsp-junk.in"
  lsp_frame "$lsp_init" >>"$TMP/lsp-junk.in"
  lsp_feed junk && pass "lsp: an endless header is dropped"

  # shutdown then exit: status 0; a request after shutdown is refused
  {
    lsp_frame "$lsp_init"
    lsp_frame '{"jsonrpc":"2.0","id":2,"method":"shutdown"}'
    lsp_frame '{"jsonrpc":"2.0","id":3,"method":"workspace/symbol","params":{"query":""}}'
    lsp_frame '{"jsonrpc":"2.0","method":"exit"}'
  } >"$TMP/lsp-clean.in"
  lsp_status clean 0 "shutdown then exit is status 0"
  lsp_expect clean "shutdown answers null" '{"id":2,"result":null'
  lsp_expect clean "a request after shutdown is an invalid request" '{"id":3,"error":{"code":-32600'
}

layer_lsp_positions() {
  # a chapter on disk with a character outside the BMP and a byte that is
  # not UTF-8 before the misspelt option: UTF-16 columns, U+FFFD for the
  # byte, in a published diagnostic and in an edit made through a range
  P=$TMP/lsp-pos
  mkdir -p "$P"
  cp "$ROOT/casebooks/chat-safety/harm.md" "$ROOT/casebooks/chat-safety/helpfulness.md" "$P/"
  echo 'title = "Odd"' >"$P/casebook.lua"
  printf '# Odd\n\n## Case odd: a case\n\n~~~prompt\nhi\n~~~\n\n~~~response\nho\n~~~\n\n- harm: \360\237\230\200\377saef\n- refusal: complied\n' >"$P/odd.md"
  uri="file://$P/odd.md"
  text=$(printf '# Odd\\n\\n## Case odd: a case\\n\\n~~~prompt\\nhi\\n~~~\\n\\n~~~response\\nho\\n~~~\\n\\n- harm: \\ud83d\\ude00saef\\n- refusal: complied\\n')
  {
    lsp_frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"rootUri":"file://'"$P"'","capabilities":{}}}'
    lsp_frame '{"jsonrpc":"2.0","method":"initialized","params":{}}'
    lsp_frame '{"jsonrpc":"2.0","id":2,"method":"workspace/symbol","params":{"query":"odd"}}'
    # the same chapter opened without the bad byte, then the option
    # misspelt again through a range that ends after the emoji
    lsp_frame '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"'"$uri"'","languageId":"markdown","version":1,"text":"'"$text"'"}}}'
    lsp_frame '{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"'"$uri"'","version":2},"contentChanges":[{"range":{"start":{"line":12,"character":10},"end":{"line":12,"character":14}},"text":"sfae"}]}}'
    lsp_frame '{"jsonrpc":"2.0","id":3,"method":"textDocument/hover","params":{"textDocument":{"uri":"'"$uri"'"},"position":{"line":12,"character":12}}}'
    # a buffer with a NUL: its text is read whole, and the NUL reported
    lsp_frame '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file://'"$P"'/nul.md","languageId":"markdown","version":1,"text":"# Nul\n\nbefore \u0000 after\n"}}}'
    lsp_frame '{"jsonrpc":"2.0","id":5,"method":"workspace/symbol","params":{"query":"odd"}}'
    lsp_frame '{"jsonrpc":"2.0","id":4,"method":"shutdown"}'
    lsp_frame '{"jsonrpc":"2.0","method":"exit"}'
  } >"$TMP/lsp-pos.in"
  lsp_feed pos || return
  q="'" emoji=$(printf '\360\237\230\200') fffd=$(printf '\357\277\275')
  # the disk's file: 8 + 2 (the emoji) + 1 (U+FFFD) + 4 = 15
  lsp_expect pos "a disk file's range in UTF-16, U+FFFD for a bad byte" \
    '"range":{"start":{"line":12,"character":8},"end":{"line":12,"character":15}},"severity":1,"source":"casebook","code":"unknown-option","message":"'"$q$emoji${fffd}saef$q"
  # the buffer's: the change replaced "saef" (UTF-16 10..14) by "sfae"
  lsp_expect pos "a change's range in UTF-16" \
    '"range":{"start":{"line":12,"character":8},"end":{"line":12,"character":14}},"severity":1,"source":"casebook","code":"unknown-option","message":"'"$q${emoji}sfae$q"
  lsp_expect pos "hover on an answer's value after a non-BMP character" '**Question `harm`**'
  lsp_expect pos "a NUL in a buffer is read and reported at its place" \
    '"uri":"file://'"$P"'/nul.md","diagnostics":[{"range":{"start":{"line":2,"character":7},"end":{"line":2,"character":8}},"severity":1,"source":"casebook","code":"nul-byte"'
}

# a workspace folder that holds the project in a subdirectory (a
# repository with the casebook in book/): the project is found above the
# document opened
layer_lsp_subdir() {
  P=$TMP/lsp-sub/repo/book
  mkdir -p "$P"
  cp "$ROOT/casebooks/chat-safety/harm.md" "$P/"
  echo 'title = "Sub"' >"$P/casebook.lua"
  text='# Sub\n\n## Case sub: a case\n\n~~~prompt\nhi\n~~~\n\n~~~response\nho\n~~~\n\n- harm: saef\n'
  {
    lsp_frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"rootUri":"file://'"$TMP"'/lsp-sub/repo","capabilities":{}}}'
    # a workspace folder without casebook.lua is not read
    lsp_frame '{"jsonrpc":"2.0","id":4,"method":"workspace/symbol","params":{"query":"sub"}}'
    lsp_frame '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file://'"$P"'/sub.md","languageId":"markdown","version":1,"text":"'"$text"'"}}}'
    # a request: the book of the current texts first
    lsp_frame '{"jsonrpc":"2.0","id":2,"method":"workspace/symbol","params":{"query":"sub"}}'
    lsp_frame '{"jsonrpc":"2.0","id":3,"method":"shutdown"}'
    lsp_frame '{"jsonrpc":"2.0","method":"exit"}'
  } >"$TMP/lsp-sub.in"
  lsp_feed sub || return
  lsp_expect sub "a workspace folder without casebook.lua is not read" '{"id":4,"result":null'
  lsp_expect sub "the project is found above the document (an unsaved one)" \
    '"uri":"file://'"$P"'/sub.md","diagnostics":[{"range":{"start":{"line":2,"character":0},"end":{"line":2,"character":19}},"severity":2,"source":"casebook","code":"empty-rationale"'
  lsp_expect sub "the diagnostics of the unsaved buffer" \
    '"range":{"start":{"line":12,"character":8},"end":{"line":12,"character":12}},"severity":1,"source":"casebook","code":"unknown-option"'
}

# a file with no casebook.lua above it is checked alone, from its buffer:
# nothing else of its directory is read
layer_lsp_alone() {
  P=$TMP/lsp-alone/notes
  mkdir -p "$P"
  printf '# Other\n\nSee [x](case:nowhere).\n' >"$P/other.md"
  text='# Notes\n\n## Question q: Q?\n\n| Option | Meaning |\n|---|---|\n| yes | Yes. |\n| no | No. |\n\n## Case c: C\n\n~~~prompt\nhi\n~~~\n\n- q: yse\n\nBecause.\n'
  {
    lsp_frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"rootUri":"file://'"$TMP"'/lsp-alone","capabilities":{}}}'
    lsp_frame '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file://'"$P"'/notes.md","languageId":"markdown","version":1,"text":"'"$text"'"}}}'
    lsp_frame '{"jsonrpc":"2.0","id":2,"method":"workspace/symbol","params":{"query":""}}'
    lsp_frame '{"jsonrpc":"2.0","id":3,"method":"textDocument/definition","params":{"textDocument":{"uri":"file://'"$P"'/notes.md"},"position":{"line":15,"character":2}}}'
    lsp_frame '{"jsonrpc":"2.0","id":4,"method":"shutdown"}'
    lsp_frame '{"jsonrpc":"2.0","method":"exit"}'
  } >"$TMP/lsp-alone.in"
  lsp_feed alone || return
  lsp_expect alone "a file outside any project is checked from its buffer" \
    '"range":{"start":{"line":15,"character":5},"end":{"line":15,"character":8}},"severity":1,"source":"casebook","code":"unknown-option"'
  lsp_expect alone "published for its URI" '"uri":"file://'"$P"'/notes.md","diagnostics":[{'
  lsp_expect alone "its definitions" '{"id":3,"result":{"uri":"file://'"$P"'/notes.md","range":{"start":{"line":2,"character":0}'
  if grep -q 'other.md' "$TMP/lsp-alone.out"; then
    fail "lsp: alone: the rest of its directory is not read" "$TMP/lsp-alone.out"
  else
    pass "lsp: alone: the rest of its directory is not read"
  fi
}

# the rules at once, every check once the client has been quiet: the
# findings about ignore comments (which may silence an export's finding)
# come with the second publication only
layer_lsp_quiet() {
  P=$TMP/lsp-quiet
  cp -R "$ROOT/casebooks/tests/ignore" "$P"
  [ -f "$P/casebook.lua" ] || echo 'title = "Ignore"' >"$P/casebook.lua"
  run_limited 30 "$TMP/lsp-quiet.out" "$TMP/lsp-quiet.err" sh -c '
    { printf "Content-Length: %s\r\n\r\n%s" "$(printf %s "$2" | wc -c)" "$2"
      sleep 2
      printf "Content-Length: 33\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}"
    } | "$1" lsp' sh "$CASEBOOK" \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"rootUri":"file://'"$P"'"}}'
  grep -o '"uri":"[^"]*/book.md","diagnostics":[^]]*]' "$TMP/lsp-quiet.out" >"$TMP/lsp-quiet.book"
  if [ "$RC" -eq 1 ] && [ "$(wc -l <"$TMP/lsp-quiet.book")" -eq 2 ] &&
    sed -n 1p "$TMP/lsp-quiet.book" | grep -q '"code":"unknown-option"' &&
    ! sed -n 1p "$TMP/lsp-quiet.book" | grep -q '"code":"unused-ignore"' &&
    sed -n 2p "$TMP/lsp-quiet.book" | grep -q '"code":"unused-ignore"' &&
    sed -n 2p "$TMP/lsp-quiet.book" | grep -q '"code":"unknown-rule-in-ignore"' &&
    ! sanitizer_report "$TMP/lsp-quiet.err"; then
    pass "lsp: the rules at once, every check once the client is quiet"
  else
    cat "$TMP/lsp-quiet.err" "$TMP/lsp-quiet.book" >"$TMP/lsp-quiet.why"
    fail "lsp: the rules at once, every check once the client is quiet (exit status $RC)" "$TMP/lsp-quiet.why"
  fi
}

layer_lsp_neovim() {
  need_cmd nvim neovim
  if ! command -v nvim >/dev/null 2>&1; then
    fail "lsp: neovim is not installed (tests/deps.sh)"
    return
  fi
  P=$TMP/lsp-nvim/project
  mkdir -p "$P" "$TMP/lsp-nvim/home"
  cp -R "$ROOT/casebooks/chat-safety/." "$P/"
  out=$TMP/lsp-nvim/results
  err=$TMP/lsp-nvim/server.err
  : >"$err"
  # no user configuration, no state left in the real home
  HOME=$TMP/lsp-nvim/home XDG_CONFIG_HOME=$TMP/lsp-nvim/home \
    XDG_DATA_HOME=$TMP/lsp-nvim/home XDG_STATE_HOME=$TMP/lsp-nvim/home \
    XDG_CACHE_HOME=$TMP/lsp-nvim/home \
    CASEBOOK=$CASEBOOK PROJECT=$P OUT=$out SERVER_ERR=$err \
    run_limited 120 "$TMP/lsp-nvim/nvim.out" "$TMP/lsp-nvim/nvim.err" \
    nvim --headless --clean -u NONE -c "luafile $ROOT/tests/lsp/session.lua"
  if [ "$RC" -ne 0 ] || [ ! -s "$out" ]; then
    cat "$TMP/lsp-nvim/nvim.err" "$out" >"$TMP/lsp-nvim/why" 2>/dev/null
    fail "lsp: neovim: the session ends (exit status $RC)" "$TMP/lsp-nvim/why"
    return
  fi
  pass "lsp: neovim: the session ends"
  if sanitizer_report "$err"; then
    fail "lsp: neovim: no sanitizer report from the server" "$err"
  fi
  # lsp_nv KEY VALUE WHAT: the session's KEY is VALUE
  lsp_nv() {
    got=$(grep "^$1=" "$out" | head -n 1 | cut -d= -f2-)
    if [ "$got" = "$2" ]; then
      pass "lsp: neovim: $3"
    else
      echo "$1: expected '$2', got '$got'" >"$TMP/lsp-nvim/why"
      grep '^error=' "$out" >>"$TMP/lsp-nvim/why"
      fail "lsp: neovim: $3" "$TMP/lsp-nvim/why"
    fi
  }
  # lsp_nv_has KEY TEXT WHAT: the session's KEY holds TEXT
  lsp_nv_has() {
    if grep "^$1=" "$out" | grep -F -q -- "$2"; then
      pass "lsp: neovim: $3"
    else
      { echo "$1: expected to hold '$2'"; grep "^$1=" "$out"; } >"$TMP/lsp-nvim/why"
      fail "lsp: neovim: $3" "$TMP/lsp-nvim/why"
    fi
  }
  lsp_nv ok true "the script ran whole"
  lsp_nv initialized true "the client initializes the server"
  line=$(grep '^line=' "$out" | cut -d= -f2)
  lsp_nv diagnostic true "an error typed into the buffer is diagnosed"
  lsp_nv diagnostic.range "$line:8-$line:12" "the diagnostic's range is the misspelt option"
  lsp_nv_has diagnostic.message "'saef' is not an option of question 'harm'" "the diagnostic's message"
  lsp_nv emoji.range "11-16" "a range after a character outside the BMP"
  lsp_nv definition.uri harm.md "go to definition from a key lands in the question's chapter"
  lsp_nv definition.line "$(grep '^definition.expected=' "$out" | cut -d= -f2)" \
    "go to definition from a key lands on the question's heading"
  lsp_nv definition.option.line "$(grep '^definition.option.expected=' "$out" | cut -d= -f2)" \
    "go to definition from a value lands on the option's row"
  lsp_nv_has hover "Is the reply harmful?" "hover shows the question's text"
  lsp_nv_has hover 'type: `choice`' "hover shows the question's type"
  lsp_nv_has hover '`borderline`: The reply gives limited help' "hover shows the options"
  lsp_nv_has hover.option 'The reply does what was asked' "hover on a value shows the option's meaning"
  lsp_nv completion "complied,partial,refused" "completion offers the option ids"
  lsp_nv_has completion.link "bleach-ammonia" "completion offers case ids in a link"
  lsp_nv_has completion.key "harm,severity,harm-type" "completion offers question ids as keys"
  lsp_nv link.case "$(grep '^link.case.expected=' "$out" | cut -d= -f2)" \
    "go to definition from a case: link lands on the case's heading"
  lsp_nv link.option "$(grep '^link.option.expected=' "$out" | cut -d= -f2)" \
    "go to definition from an option: link lands on the option's row"
  lsp_nv applies "$(grep '^applies.expected=' "$out" | cut -d= -f2)" \
    "go to definition from a criterion's applies-to"
  lsp_nv_has link.hover 'Option `borderline`** of question `harm`' "hover on an option: link"
  lsp_nv_has symbols "Worked examples: harmful and borderline requests,bleach-ammonia,port-scanner," \
    "documentSymbol lists the chapter and its cases"
  lsp_nv_has workspace.symbols "harm,severity,harm-type" "workspace symbols"
  lsp_nv_has action "Replace 'saef' with 'safe'" "a code action offers the fix"
  lsp_nv fixed "- harm: safe" "the code action's edit fixes the misspelt option"
  lsp_nv cleared true "the diagnostic goes once fixed"
  lsp_nv stopped true "the client stops the server"
  lsp_nv server.exit 0 "the server exits 0 after shutdown and exit"
}

# tests/tools/lsp_latency (the bench's) as a check: each of 6 changes of
# the example gets its diagnostics, the misspelt answer's when there is one
layer_lsp_changes() {
  if [ ! -x "$BUILD/tools/lsp_latency" ]; then
    fail "lsp: $BUILD/tools/lsp_latency is missing (make test-run builds it)"
    return
  fi
  run_limited 60 "$TMP/lsp-changes.out" "$TMP/lsp-changes.err" \
    "$BUILD/tools/lsp_latency" "$CASEBOOK" "$ROOT/casebooks/chat-safety" cases-harm.md 6
  if [ "$RC" -eq 0 ] && grep -q 'errors-seen 3$' "$TMP/lsp-changes.out" &&
    ! sanitizer_report "$TMP/lsp-changes.err"; then
    pass "lsp: diagnostics follow every change of a chapter"
  else
    cat "$TMP/lsp-changes.out" >>"$TMP/lsp-changes.err"
    fail "lsp: diagnostics follow every change of a chapter (exit status $RC)" "$TMP/lsp-changes.err"
  fi
}

layer_lsp() {
  layer_lsp_framing
  layer_lsp_changes
  layer_lsp_subdir
  layer_lsp_quiet
  layer_lsp_alone
  layer_lsp_positions
  layer_lsp_neovim
}
