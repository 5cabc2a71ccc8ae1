# SPDX-License-Identifier: MIT
# tests/layers/parity.sh: the `parity` test layer (sourced by
# tests/run.sh): `check` and `build` agree. `check` runs every rule
# `build` runs, the exports' included (export-labelstudio,
# export-argilla, export-judge...), so CI passes only what builds.
#
# For every test book (casebooks/tests/*, the per-rule projects of
# casebooks/tests/rules/*, casebooks/chat-safety, casebooks/zh and the
# export books of tests/schemas/books/*), and with the default --fail-on
# and with --fail-on warning:
#   - what `check` prints (its diagnostics on standard output, then any
#     error on standard error) is byte for byte what `build -q -o OUT`
#     prints on standard error: the same rule, position, message and
#     level, in the same order, and the same summary line;
#   - the two exit with the same status;
#   - `check` wrote nothing: the book's directory is the same after it.
# The book is copied out of the repository first, so that neither run
# finds a git tree (and no --since base) that the other would not.

# parity_book NAME DIR [OPTION]: one book, one option set.
parity_book() {
  pb_name=$1 pb_src=$2
  shift 2
  pb_dir=$TMP/parity/$pb_name
  rm -rf "$pb_dir"
  mkdir -p "$pb_dir"
  cp -R "$pb_src" "$pb_dir/book"
  rm -rf "$pb_dir/book/_build"
  (cd "$pb_dir/book" && find . -print | LC_ALL=C sort | xargs ls -ld --time-style=+%s.%N) \
    >"$pb_dir/before" 2>/dev/null
  run_limited 120 "$pb_dir/check.out" "$pb_dir/check.err" \
    "$CASEBOOK" --color=never check "$pb_dir/book" "$@"
  pb_check=$RC
  (cd "$pb_dir/book" && find . -print | LC_ALL=C sort | xargs ls -ld --time-style=+%s.%N) \
    >"$pb_dir/after" 2>/dev/null
  run_limited 120 "$pb_dir/build.out" "$pb_dir/build.err" \
    "$CASEBOOK" --color=never -q build "$pb_dir/book" -o "$pb_dir/out" "$@"
  pb_build=$RC
  pb_what="parity $pb_name${1:+ $*}"
  if sanitizer_report "$pb_dir/check.err" || sanitizer_report "$pb_dir/build.err" ||
    [ $pb_check -gt 3 ] || [ $pb_build -gt 3 ]; then
    {
      echo "check exit $pb_check, build exit $pb_build"
      cat "$pb_dir/check.err" "$pb_dir/build.err"
    } >"$TMP/parity-why"
    fail "$pb_what: both run" "$TMP/parity-why"
    return
  fi
  cat "$pb_dir/check.out" "$pb_dir/check.err" >"$pb_dir/check.all"
  if diff -u "$pb_dir/build.err" "$pb_dir/check.all" >"$TMP/parity-why" 2>&1; then
    pass "$pb_what: check prints the diagnostics build prints"
  else
    fail "$pb_what: check prints the diagnostics build prints (- build, + check)" \
      "$TMP/parity-why"
  fi
  if [ $pb_check -eq $pb_build ]; then
    pass "$pb_what: check and build exit with the same status ($pb_check)"
  else
    echo "check exits $pb_check, build $pb_build" >"$TMP/parity-why"
    fail "$pb_what: check and build exit with the same status" "$TMP/parity-why"
  fi
  if [ -z "$*" ]; then
    if diff "$pb_dir/before" "$pb_dir/after" >"$TMP/parity-why" 2>&1; then
      pass "$pb_what: check writes nothing"
    else
      fail "$pb_what: check writes nothing" "$TMP/parity-why"
    fi
  fi
}

layer_parity() {
  n_books=0
  for d in casebooks/tests/*/ casebooks/tests/rules/*/ casebooks/chat-safety/ \
    casebooks/zh/ tests/schemas/books/*/; do
    d=${d%/}
    [ "$d" = casebooks/tests/rules ] && continue
    name=$(printf '%s' "$d" | sed 's,^casebooks/,,; s,^tests/schemas/,,; s,/,-,g')
    for opt in "" "--fail-on=warning"; do
      parity_book "$name" "$d" $opt
    done
    n_books=$((n_books + 1))
  done
  if [ $n_books -ge 40 ]; then
    pass "parity: $n_books books compared"
  else
    echo "only $n_books books found" >"$TMP/parity-why"
    fail "parity: every test book compared" "$TMP/parity-why"
  fi
}
