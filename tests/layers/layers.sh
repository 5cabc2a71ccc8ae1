# SPDX-License-Identifier: MIT
# tests/layers/layers.sh: the `layers` test layer (sourced by tests/run.sh):
# compiler/ reads one way, bottom to top (compiler/LAYERS).
#
#   - the checker itself, tests/tools/layers.sh, on a few objects compiled
#     here from C snippets with a map of their own: it passes a clean set
#     and fails, naming the problem, on a planted upward call, a cycle
#     inside a layer, a module with no layer, and an upward #include;
#   - then the real check: the objects of $BUILD/obj
#     (calls and data references, from nm) and the #include lines of
#     compiler/ against compiler/LAYERS, one test each.

# layers_compile DIR NAME C-TEXT: compiles C-TEXT into DIR/NAME.o (and
# keeps the source as DIR/NAME.c, for the include check).
layers_compile() {
  mkdir -p "$1"
  printf '%s\n' "$3" >"$1/$2.c"
  cc -c -o "$1/$2.o" "$1/$2.c" 2>>"$TMP/layers-cc.log"
}

# layers_case NAME WANT-STATUS PATTERN OBJDIR MAP [SRCDIR]: one test of the
# checker: it exits with WANT-STATUS and prints a line matching PATTERN.
layers_case() {
  lc_name=$1 lc_want=$2 lc_pattern=$3
  shift 3
  sh "$ROOT/tests/tools/layers.sh" "$@" >"$TMP/layers-case.out" 2>&1
  lc_rc=$?
  if [ $lc_rc -eq "$lc_want" ] && grep -E -q -- "$lc_pattern" "$TMP/layers-case.out"; then
    pass "layers checker: $lc_name"
  else
    {
      echo "exit status $lc_rc (want $lc_want), no line matching: $lc_pattern"
      cat "$TMP/layers-case.out"
    } >"$TMP/layers-why"
    fail "layers checker: $lc_name" "$TMP/layers-why"
  fi
}

layers_self_test() {
  d=$TMP/layers-self
  rm -rf "$d"
  : >"$TMP/layers-cc.log"
  # the clean set: core calls util, nothing else
  layers_compile "$d/clean" util_a 'int util_a(void) { return 1; }' &&
    layers_compile "$d/clean" core_b 'int util_a(void); int core_b(void) { return util_a() + 1; }' || {
    fail "layers checker: the snippets compile (cc)" "$TMP/layers-cc.log"
    return
  }
  printf '# bottom first\nutil: util_a\ncore: core_b\n' >"$d/map"
  layers_case "a clean set passes" 0 '^layers: no upward call, no cycle$' "$d/clean" "$d/map"

  # util calls up into core
  cp -R "$d/clean" "$d/up"
  layers_compile "$d/up" util_c 'int core_b(void); int util_c(void) { return core_b(); }'
  printf 'util: util_a util_c\ncore: core_b\n' >"$d/map-up"
  layers_case "fails on an upward call" 1 '^upward: util_c \(util\) -> core_b \(core\) via core_b$' \
    "$d/up" "$d/map-up"

  # two modules of one layer calling each other
  cp -R "$d/clean" "$d/cycle"
  layers_compile "$d/cycle" core_p 'int core_q(void); int core_p(int n) { return n ? core_q() : 0; }'
  layers_compile "$d/cycle" core_q 'int core_p(int); int core_q(void) { return core_p(0); }'
  printf 'util: util_a\ncore: core_b core_p core_q\n' >"$d/map-cycle"
  layers_case "fails on a cycle inside a layer" 1 '^cycle: (core_p core_q|core_q core_p) $' \
    "$d/cycle" "$d/map-cycle"

  # a module the map does not name
  cp -R "$d/clean" "$d/stray"
  layers_compile "$d/stray" stray 'int util_a(void); int stray(void) { return util_a(); }'
  layers_case "fails on a module with no layer" 1 '^no layer: stray$' "$d/stray" "$d/map"

  # util includes the header of core (the calls alone are clean)
  cp -R "$d/clean" "$d/inc"
  printf 'int core_b(void);\n' >"$d/inc/core_b.h"
  printf '#include "core_b.h"\nint util_a(void) { return 1; }\n' >"$d/inc/util_a.c"
  layers_case "fails on an upward include" 1 '^upward include: .*/util_a\.c \(util\) includes core_b\.h \(core\)$' \
    "$d/inc" "$d/map" "$d/inc"
  layers_case "passes the same objects without their includes" 0 '^layers: no upward call, no cycle$' \
    "$d/inc" "$d/map"
}

# layers_real NAME OBJDIR [SRCDIR]: the check of compiler/ itself.
layers_real() {
  if sh "$ROOT/tests/tools/layers.sh" "$2" "$ROOT/compiler/LAYERS" ${3:+"$3"} \
    >"$TMP/layers-real.out" 2>&1; then
    pass "layers: $1"
  else
    fail "layers: $1" "$TMP/layers-real.out"
  fi
}

layer_layers() {
  need_cmd nm binutils
  need_cmd cc gcc
  if ! command -v nm >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
    fail "layers: nm and cc are needed"
    return
  fi
  layers_self_test
  # The check of compiler/ itself, against compiler/LAYERS.
  if ! ls "$BUILD"/obj/*.o >/dev/null 2>&1; then
    fail "layers: no objects in $BUILD/obj (run make first)"
    return
  fi
  layers_real "compiler/ calls no module of a higher layer, no cycle ($BUILD/obj)" "$BUILD/obj"
  layers_real "compiler/ includes no header of a higher layer" - "$ROOT/compiler"
}
