# SPDX-License-Identifier: MIT
# tests/layers/headers.sh: every header compiles on its own (sourced by
# tests/run.sh: `sh tests/run.sh headers`).
#
# A header that leans on what its includer happened to include first
# breaks the next file that includes it in another order. So each public
# header of include/casebook/ is compiled alone (and twice in a row, for
# its include guard) as C with the project's warnings, and as C++: with
# g++ -fsyntax-only, then compiled for real so that the symbols it makes a
# C++ program call are checked to have C linkage (its extern "C" guard).
# Each internal header of compiler/ is compiled alone as C with the flags
# the modules are built with.

# The flags of the Makefile (WARN, ALL_CFLAGS), so that they cannot drift.
headers_make_var() {
  make -s --no-print-directory BUILD="$BUILD" "print-$1"
}

# headers_c NAME FLAGS...: compiles "$TMP/hdr.c" as C; a failure shows why.
headers_c() {
  hc_name=$1
  shift
  # shellcheck disable=SC2086
  if ${CC:-cc} "$@" -fsyntax-only -x c "$TMP/hdr.c" >"$TMP/hdr.log" 2>&1; then
    pass "$hc_name"
  else
    fail "$hc_name" "$TMP/hdr.log"
  fi
}

layer_headers() {
  warn=$(headers_make_var WARN) && all_cflags=$(headers_make_var ALL_CFLAGS) || {
    echo "make print-WARN / print-ALL_CFLAGS failed" >"$TMP/hdr.log"
    fail "headers: the Makefile's flags" "$TMP/hdr.log"
    return
  }
  need_cmd g++ g++
  for h in include/casebook/*.h; do
    base=${h#include/}
    printf '#include "%s"\n#include "%s"\n' "$base" "$base" >"$TMP/hdr.c"
    # shellcheck disable=SC2086
    headers_c "headers: $base alone as C" $warn -Iinclude
    headers_cxx "$base"
  done
  for h in compiler/*.h; do
    base=${h#compiler/}
    printf '#include "%s"\n#include "%s"\n' "$base" "$base" >"$TMP/hdr.c"
    # shellcheck disable=SC2086
    headers_c "headers: compiler/$base alone as C" $all_cflags
  done
}

# headers_cxx HEADER: HEADER (as included, "casebook/x.h") compiles as C++
# on its own, and every function it declares is called with C linkage:
# the object of a C++ file that takes each one's address refers to no
# mangled cb_ name.
headers_cxx() {
  name="headers: $1 alone as C++"
  if ! command -v "${CXX:-g++}" >/dev/null 2>&1; then
    echo "no C++ compiler (${CXX:-g++})" >"$TMP/hdr.log"
    fail "$name" "$TMP/hdr.log"
    return
  fi
  cxx="${CXX:-g++} -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude"
  {
    printf '#include "%s"\n#include "%s"\n' "$1" "$1"
    printf 'typedef void (*any_fn)();\nextern const any_fn used[];\nconst any_fn used[] = {\n'
    # the functions this header itself declares
    sed -n 's/^CB_EXTERN.*[ *]\(cb_[a-z0-9_]*\)(.*/  reinterpret_cast<any_fn>(\&\1),/p' "include/$1"
    printf '  0};\n'
  } >"$TMP/hdr.cc"
  # shellcheck disable=SC2086
  if $cxx -fsyntax-only "$TMP/hdr.cc" >"$TMP/hdr.log" 2>&1 &&
    $cxx -c -o "$TMP/hdr.o" "$TMP/hdr.cc" >>"$TMP/hdr.log" 2>&1; then
    if nm -u "$TMP/hdr.o" | grep '_Z[A-Za-z0-9_]*cb_' >"$TMP/hdr.log"; then
      sed -i '1i declared without C linkage (no extern "C" guard?):' "$TMP/hdr.log"
      fail "$name" "$TMP/hdr.log"
    else
      pass "$name"
    fi
  else
    fail "$name" "$TMP/hdr.log"
  fi
}
