#!/bin/sh
# tests/bench/run.sh: compares `casebook build` with plain cmark-gfm on the
# same bytes (`make bench`).
#
# bench_gen writes a synthetic project (2,000 chapters, 10,000 cases, about
# 17 MB) into $BENCH_DIR (default /tmp/casebook-bench), unless the same
# generator already did. All chapters are concatenated into one file for
# cmark-gfm. Each side runs three times; the best wall time and the peak
# RSS of that run are reported, then the two targets:
#   time:   casebook / cmark-gfm <= 2.0
#   memory: casebook peak RSS <= 2 x input + 30 MiB
# The exit status is 0 when both ran (missing a target is reported, not
# failed), 1 when something could not run.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CASEBOOK=$BUILD/casebook
GEN=$BUILD/tools/bench_gen
DIR=${BENCH_DIR:-/tmp/casebook-bench}
RUNS=${RUNS:-3}

die() {
  echo "bench: $*" >&2
  exit 1
}

APT_UPDATED=
need() { # need PATH-OR-COMMAND DEBIAN-PACKAGE
  if [ -x "$1" ] || command -v "$1" >/dev/null 2>&1; then return 0; fi
  if [ -z "$APT_UPDATED" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
    die "cannot install $2"
}

need /usr/bin/time time
need cmark-gfm cmark-gfm
[ -x "$CASEBOOK" ] || die "$CASEBOOK is missing: run make"
[ -x "$GEN" ] || die "$GEN is missing: run make bench"

# Regenerate only when the generator changed.
stamp=$(cksum <"$ROOT/tests/tools/bench_gen.c" | cut -d' ' -f1)
if [ ! -f "$DIR/.stamp" ] || [ "$(cat "$DIR/.stamp")" != "$stamp" ]; then
  echo "generating $DIR ..."
  rm -rf "$DIR"
  mkdir -p "$DIR"
  "$GEN" "$DIR/project" || die "bench_gen failed"
  find "$DIR/project" -name '*.md' | LC_ALL=C sort | xargs cat >"$DIR/all.md"
  echo "$stamp" >"$DIR/.stamp"
fi

input_bytes=$(wc -c <"$DIR/all.md")
n_files=$(find "$DIR/project" -name '*.md' | wc -l)

# best_of LABEL CMD...: runs CMD $RUNS times under /usr/bin/time; sets
# BEST_TIME (seconds) and BEST_RSS (KiB) of the fastest run.
best_of() {
  label=$1
  shift
  BEST_TIME= BEST_RSS=
  i=0
  while [ $i -lt "$RUNS" ]; do
    /usr/bin/time -f '%e %M' -o "$DIR/time.out" "$@" >/dev/null 2>"$DIR/$label.err"
    rc=$?
    if [ $rc -gt 1 ]; then
      cat "$DIR/$label.err" >&2
      die "$label exited with status $rc"
    fi
    read -r t m <"$DIR/time.out"
    if [ -z "$BEST_TIME" ] || awk -v a="$t" -v b="$BEST_TIME" 'BEGIN { exit !(a < b) }'; then
      BEST_TIME=$t BEST_RSS=$m
    fi
    i=$((i + 1))
  done
}

best_of cmark cmark-gfm -e table -e tasklist "$DIR/all.md"
cm_time=$BEST_TIME cm_rss=$BEST_RSS
rm -rf "$DIR/out"
best_of casebook "$CASEBOOK" -q build "$DIR/project" -o "$DIR/out"
cb_time=$BEST_TIME cb_rss=$BEST_RSS

awk -v bytes="$input_bytes" -v files="$n_files" -v ct="$cm_time" -v cm="$cm_rss" \
  -v bt="$cb_time" -v bm="$cb_rss" -v runs="$RUNS" 'BEGIN {
  mib = 1024 * 1024
  printf "input: %d chapters, %.1f MiB (best of %d runs each)\n", files, bytes / mib, runs
  printf "cmark-gfm -e table -e tasklist: %6.2f s  %7.1f MiB peak RSS\n", ct, cm / 1024
  printf "casebook build:                 %6.2f s  %7.1f MiB peak RSS\n", bt, bm / 1024
  ratio = (ct > 0) ? bt / ct : 0
  limit = (2 * bytes + 30 * mib) / mib
  printf "time ratio: %.2f (target <= 2.0: %s)\n", ratio, ratio <= 2.0 ? "met" : "MISSED"
  printf "peak memory: %.1f MiB vs 2 x input + 30 MiB = %.1f MiB (%s)\n", bm / 1024, limit,
         bm / 1024 <= limit ? "met" : "MISSED"
}'
echo "profile: valgrind --tool=callgrind --callgrind-out-file=$DIR/callgrind.out $CASEBOOK -q build $DIR/project -o $DIR/out && callgrind_annotate $DIR/callgrind.out | head -40"
