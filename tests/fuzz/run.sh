#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh: builds the libFuzzer targets with clang (ASan+UBSan) and runs
# each for FUZZ_SECONDS (default 60) on its corpus in tests/fuzz/corpus/.
#
#   FUZZ_SECONDS=1800 FUZZ_JOBS=2 make fuzz      a campaign, two at a time
#   FUZZ_TARGETS="cache when" make fuzz          some targets only
#
# Every tests/fuzz/fuzz_NAME.c is a target. The seeds in
# tests/fuzz/corpus/NAME/ are read; what the fuzzer finds goes to
# $BUILD/corpus/NAME/. Each run's log is $BUILD/NAME.log, and a summary
# line per target (runs, coverage, features, corpus) closes the output.
# New crashes are left as crash-* files in $BUILD: add them to the corpus
# once fixed so they run as regression inputs from then on.
set -eu
BUILD=${BUILD:-build/fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)" >&2; exit 1; }
mkdir -p "$BUILD"
TARGETS=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done)}
PKGS="libcmark-gfm libgit2 libxml-2.0 lua5.4 jansson"
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -pthread -D_POSIX_C_SOURCE=200809L -Iinclude -Icompiler -I$BUILD $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lcmark-gfm-extensions"
sh compiler/embed.sh "$BUILD/embedded.c" compiler/rules=rules templates=templates schemas=schemas compiler/scaffold=scaffold
SRC="$(ls compiler/*.c | grep -v -e compiler/main.c -e 'compiler/cli') $BUILD/embedded.c"
for target in $TARGETS; do
  echo "fuzz: building fuzz_$target"
  # shellcheck disable=SC2086
  clang $CFLAGS -o "$BUILD/fuzz_$target" "tests/fuzz/fuzz_$target.c" $SRC $LIBS
  mkdir -p "$BUILD/corpus/$target" "tests/fuzz/corpus/$target"
done

run_one() {
  echo "fuzz: running fuzz_$1 for ${SECONDS_EACH}s (log: $BUILD/$1.log)"
  "$BUILD/fuzz_$1" -max_total_time="$SECONDS_EACH" -max_len=65536 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$BUILD/$1-" \
    "$BUILD/corpus/$1" "tests/fuzz/corpus/$1" >"$BUILD/$1.log" 2>&1
}

status=0
running=0
pids=
for target in $TARGETS; do
  run_one "$target" &
  pids="$pids $!"
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    for p in $pids; do wait "$p" || status=1; done
    pids=
    running=0
  fi
done
for p in $pids; do wait "$p" || status=1; done

for target in $TARGETS; do
  log="$BUILD/$target.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  files=$(ls "$BUILD/corpus/$target" | wc -l)
  if grep -q -E '^==[0-9]+==ERROR|^SUMMARY: |deadly signal' "$log"; then
    echo "fuzz: $target: FAILED, see $log"
    status=1
  fi
  echo "fuzz: $target: ${runs:-?} runs in ${SECONDS_EACH}s, cov ${cov:-?}, ft ${ft:-?}, corpus $files"
done
exit $status
