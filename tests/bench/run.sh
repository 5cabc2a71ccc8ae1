#!/bin/sh
# tests/bench/run.sh: compares `casebook build` with plain cmark-gfm on the
# same bytes (`make bench`).
#
# bench_gen writes a synthetic project (2,000 chapters, 10,000 cases, about
# 17 MB) into $BENCH_DIR (default /tmp/casebook-bench), unless the same
# generator already did. All chapters are concatenated into one file for
# cmark-gfm. The two run in turn, RUNS times each (default 5); the best
# wall time of each, with its CPU time and peak RSS, is reported, then the
# two targets (CALLGRIND=1 adds the instruction counts of both):
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
RUNS=${RUNS:-5}

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

# run_once LABEL CMD...: one run under /usr/bin/time; sets T (wall s),
# C (user+sys CPU s) and M (peak RSS KiB).
run_once() {
  label=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$DIR/time.out" "$@" >/dev/null 2>"$DIR/$label.err"
  rc=$?
  if [ $rc -gt 1 ]; then
    cat "$DIR/$label.err" >&2
    die "$label exited with status $rc"
  fi
  read -r T u s M <"$DIR/time.out"
  C=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
}

# The two commands run in turn, $RUNS times each, so that a slow spell
# of the machine hits both; the best wall time of each is kept, with the
# CPU time and peak RSS of that run.
rm -rf "$DIR/out"
run_once casebook "$CASEBOOK" -q build "$DIR/project" -o "$DIR/out" # warm-up: writes every file once
cm_time= cb_time=
i=0
while [ $i -lt "$RUNS" ]; do
  run_once cmark cmark-gfm -e table -e tasklist "$DIR/all.md"
  if [ -z "$cm_time" ] || awk -v a="$T" -v b="$cm_time" 'BEGIN { exit !(a < b) }'; then
    cm_time=$T cm_cpu=$C cm_rss=$M
  fi
  run_once casebook "$CASEBOOK" -q build "$DIR/project" -o "$DIR/out"
  if [ -z "$cb_time" ] || awk -v a="$T" -v b="$cb_time" 'BEGIN { exit !(a < b) }'; then
    cb_time=$T cb_cpu=$C cb_rss=$M
  fi
  i=$((i + 1))
done

awk -v bytes="$input_bytes" -v files="$n_files" -v ct="$cm_time" -v cm="$cm_rss" \
  -v bt="$cb_time" -v bm="$cb_rss" -v runs="$RUNS" -v cc="$cm_cpu" -v bc="$cb_cpu" 'BEGIN {
  mib = 1024 * 1024
  printf "input: %d chapters, %.1f MiB (best of %d runs each)\n", files, bytes / mib, runs
  printf "cmark-gfm -e table -e tasklist: %6.2f s wall  %5.2f s CPU  %7.1f MiB peak RSS\n", ct, cc, cm / 1024
  printf "casebook build:                 %6.2f s wall  %5.2f s CPU  %7.1f MiB peak RSS\n", bt, bc, bm / 1024
  ratio = (ct > 0) ? bt / ct : 0
  limit = (2 * bytes + 30 * mib) / mib
  printf "time ratio: %.2f (target <= 2.0: %s)\n", ratio, ratio <= 2.0 ? "met" : "MISSED"
  printf "peak memory: %.1f MiB vs 2 x input + 30 MiB = %.1f MiB (%s)\n", bm / 1024, limit,
         bm / 1024 <= limit ? "met" : "MISSED"
}'
if [ -n "${CALLGRIND:-}" ]; then
  # Instruction counts are repeatable where wall times are not.
  need valgrind valgrind
  count() {
    valgrind --tool=callgrind --callgrind-out-file="$DIR/cg.out" "$@" >/dev/null 2>&1
    awk '/^totals:/ { print $2 }' "$DIR/cg.out"
  }
  ci=$(count cmark-gfm -e table -e tasklist "$DIR/all.md")
  bi=$(count "$CASEBOOK" -q build "$DIR/project" -o "$DIR/out")
  awk -v a="$ci" -v b="$bi" 'BEGIN {
    printf "instructions (all threads): cmark-gfm %.2f G, casebook build %.2f G, ratio %.2f\n",
           a / 1e9, b / 1e9, b / a }'
fi
echo "profile: valgrind --tool=callgrind --callgrind-out-file=$DIR/callgrind.out $CASEBOOK -q build $DIR/project -o $DIR/out && callgrind_annotate $DIR/callgrind.out | head -40"
