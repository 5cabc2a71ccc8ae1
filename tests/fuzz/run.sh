#!/bin/sh
# run.sh: builds the libFuzzer targets with clang (ASan+UBSan) and runs
# each for FUZZ_SECONDS (default 60) on its corpus in tests/fuzz/corpus/.
# The seeds in tests/fuzz/corpus/ are read; what the fuzzer finds goes to
# $BUILD/corpus/. New crashes are left as crash-* files: add them to the corpus once fixed
# so they run as regression inputs from then on.
set -eu
BUILD=${BUILD:-build/fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)" >&2; exit 1; }
mkdir -p "$BUILD"
PKGS="libcmark-gfm libgit2 libxml-2.0 lua5.4 jansson"
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -Iinclude -Icompiler -I$BUILD $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lcmark-gfm-extensions"
sh compiler/embed.sh "$BUILD/embedded.c" compiler/rules=rules templates=templates compiler/scaffold=scaffold
SRC="$(ls compiler/*.c | grep -v compiler/main.c) $BUILD/embedded.c"
for target in chapter manifest; do
  echo "fuzz: building fuzz_$target"
  # shellcheck disable=SC2086
  clang $CFLAGS -o "$BUILD/fuzz_$target" "tests/fuzz/fuzz_$target.c" $SRC $LIBS
  mkdir -p "$BUILD/corpus/$target" "tests/fuzz/corpus/$target"
  echo "fuzz: running fuzz_$target for ${SECONDS_EACH}s"
  "$BUILD/fuzz_$target" -max_total_time="$SECONDS_EACH" -max_len=65536 \
    -timeout=10 -rss_limit_mb=2048 "$BUILD/corpus/$target" "tests/fuzz/corpus/$target"
done
