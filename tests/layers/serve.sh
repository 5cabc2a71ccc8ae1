# SPDX-License-Identifier: MIT
# tests/layers/serve.sh: `casebook serve` (docs/serve.md), `sh tests/run.sh
# serve`. The usage errors first, then the server with real clients:
# tests/browser/serve.test.js serves a copy of the example on --port 0
# and drives headless Chromium (playwright-core) and plain HTTP against
# it: reloads on a save, the error overlay with file:line:col, the last
# good site kept, paths that climb out of the site, content types, HEAD,
# 304, several browsers, an editor's save counted once, a port in use,
# --open, and SIGINT. Under ASan (a binary with the sanitizers) the time
# limits are stretched and every server's stderr is checked for a report.
# Sourced by tests/run.sh; defines layer_serve.

# serve_usage NAME STATUS ARGS...: `casebook ARGS` exits with STATUS and
# says one line on stderr, nothing on stdout.
serve_usage() {
  su_name=$1 su_want=$2
  shift 2
  run_limited 30 "$TMP/serve-usage.out" "$TMP/serve-usage.err" "$CASEBOOK" "$@"
  if [ "$RC" -eq "$su_want" ] && [ ! -s "$TMP/serve-usage.out" ] &&
    [ "$(wc -l <"$TMP/serve-usage.err")" -eq 1 ] &&
    ! sanitizer_report "$TMP/serve-usage.err"; then
    pass "serve $su_name"
  else
    echo "exit status $RC (want $su_want)" >>"$TMP/serve-usage.err"
    fail "serve $su_name" "$TMP/serve-usage.err"
  fi
}

layer_serve() {
  if [ ! -x "$CASEBOOK" ]; then
    fail "serve: $CASEBOOK is missing"
    return
  fi
  serve_usage "--port out of range" 2 serve casebooks/chat-safety --port 70000
  serve_usage "--port not a number" 2 serve casebooks/chat-safety --port 80a
  serve_usage "--open is serve's" 2 build casebooks/chat-safety --open
  serve_usage "--host is serve's" 2 check casebooks/chat-safety --host ::1
  serve_usage "no such project" 2 serve "$TMP/no-such-project" --port 0
  serve_usage "an address that is not this machine's" 2 serve casebooks/chat-safety \
    --port 0 --host 203.0.113.254

  if ! need_chromium; then
    fail "serve browser (no chromium)"
    return
  fi
  if ! npm_need; then
    fail "serve browser (npm install of tests/node failed)"
    return
  fi
  slow=1
  if nm "$CASEBOOK" 2>/dev/null | grep -q '__asan_init'; then slow=4; fi
  SERVE_SLOW=$slow run_limited 900 "$TMP/serve-browser.out" "$TMP/serve-browser.err" \
    node "$ROOT/tests/browser/serve.test.js" "$CASEBOOK" "$ROOT/casebooks/chat-safety" \
    "$TMP/serve"
  while IFS= read -r line; do
    case $line in
    "ok "*) pass "serve ${line#ok }" ;;
    "FAIL "*)
      echo "${line#FAIL }" >"$TMP/serve-fail.txt"
      fail "serve ${line#FAIL }" ;;
    esac
  done <"$TMP/serve-browser.out"
  if [ "$RC" -ne 0 ] && ! grep -q '^FAIL ' "$TMP/serve-browser.out"; then
    cat "$TMP/serve-browser.out" >>"$TMP/serve-browser.err"
    fail "serve browser (exit status $RC)" "$TMP/serve-browser.err"
  fi
  : >"$TMP/serve-san.txt"
  for f in "$TMP"/serve/*.err; do
    [ -f "$f" ] && sanitizer_report "$f" && cat "$f" >>"$TMP/serve-san.txt"
  done
  if [ -s "$TMP/serve-san.txt" ]; then
    fail "serve no sanitizer report" "$TMP/serve-san.txt"
  else
    pass "serve no sanitizer report"
  fi
}
