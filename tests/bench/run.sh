#!/bin/sh
# SPDX-License-Identifier: MIT
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
# Then `casebook diff`, incremental rebuilds, the search index, the
# reload of `casebook serve` (save to reloaded page, target < 300 ms), and
# `casebook grade` of GRADE_LINES annotation lines (default 1,000,000,
# written by grade_gen) against json_scan, which parses the same file with
# jansson alone (target: grade / json_scan <= 2.0), with grade's peak RSS;
# last, the diagnostics latency of `casebook lsp` on casebooks/chat-safety
# (tests/tools/lsp_latency: didChange to publishDiagnostics).
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
[ -x "$BUILD/tools/grade_gen" ] && [ -x "$BUILD/tools/json_scan" ] ||
  die "$BUILD/tools/grade_gen or json_scan is missing: run make bench"

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
run_once casebook "$CASEBOOK" -q build --no-cache "$DIR/project" -o "$DIR/out" # warm-up: writes every file once
cm_time= cb_time=
i=0
while [ $i -lt "$RUNS" ]; do
  run_once cmark cmark-gfm -e table -e tasklist "$DIR/all.md"
  if [ -z "$cm_time" ] || awk -v a="$T" -v b="$cm_time" 'BEGIN { exit !(a < b) }'; then
    cm_time=$T cm_cpu=$C cm_rss=$M
  fi
  run_once casebook "$CASEBOOK" -q build --no-cache "$DIR/project" -o "$DIR/out"
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
  bi=$(count "$CASEBOOK" -q build --no-cache "$DIR/project" -o "$DIR/out")
  awk -v a="$ci" -v b="$bi" 'BEGIN {
    printf "instructions (all threads): cmark-gfm %.2f G, casebook build %.2f G, ratio %.2f\n",
           a / 1e9, b / 1e9, b / a }'
fi
echo "profile: valgrind --tool=callgrind --callgrind-out-file=$DIR/callgrind.out $CASEBOOK -q build --no-cache $DIR/project -o $DIR/out && callgrind_annotate $DIR/callgrind.out | head -40"

# casebook diff of two revisions of the project in a git repository, the
# second with 1% of the cases changed (the first case of every 20th
# chapter gets another helpfulness): both revisions are compiled from the
# object database and compared. Reported against cmark-gfm on one copy.
need git git
DREPO=$DIR/diff-repo
if [ ! -f "$DREPO/.stamp" ] || [ "$(cat "$DREPO/.stamp")" != "$stamp" ]; then
  rm -rf "$DREPO"
  mkdir -p "$DREPO"
  cp -R "$DIR/project/." "$DREPO/"
  (
    cd "$DREPO" || exit 1
    export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
      GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com \
      GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
    git -c init.defaultBranch=main init -q . && git add -A &&
      git commit -q -m base && git tag base &&
      find . -name '*.md' -path './part-*' | LC_ALL=C sort | awk 'NR % 20 == 1' |
      while IFS= read -r f; do
        awk '!done && /^- helpfulness: [0-9]+$/ { v = $3 % 5 + 1; print "- helpfulness: " v; done = 1; next } { print }' \
          "$f" >"$f.new" && mv "$f.new" "$f"
      done &&
      git commit -q -a -m "1% of the cases changed" && git tag changed
  ) || die "cannot build the diff repository"
  echo "$stamp" >"$DREPO/.stamp"
fi
df_time=
i=0
while [ $i -lt "$RUNS" ]; do
  run_once diff "$CASEBOOK" diff base changed "$DREPO"
  if [ -z "$df_time" ] || awk -v a="$T" -v b="$df_time" 'BEGIN { exit !(a < b) }'; then
    df_time=$T df_cpu=$C df_rss=$M
  fi
  i=$((i + 1))
done
n_changes=$("$CASEBOOK" diff base changed "$DREPO" --format json | grep -c '"kind": "gold-changed"')
awk -v ct="$cm_time" -v cc="$cm_cpu" -v dt="$df_time" -v dc="$df_cpu" -v dm="$df_rss" -v n="$n_changes" 'BEGIN {
  printf "casebook diff (2 revisions, %d gold changes): %6.2f s wall  %5.2f s CPU  %7.1f MiB peak RSS\n", n, dt, dc, dm / 1024
  printf "diff time ratio: %.2f x cmark-gfm on one revision (CPU time: %.2f x)\n",
         (ct > 0) ? dt / ct : 0, (cc > 0) ? dc / cc : 0
}'

# Incremental rebuilds (docs/cache.md), on a copy of the project: a full
# build with an empty cache into a new directory, a rebuild where nothing
# changed (the outputs are kept, the diagnostics replayed), and a rebuild
# after one chapter changed (a line added to one chapter each run: every
# other chapter comes from the cache; resolve, rules and emission run).
# Target: the no-op rebuild takes <= 5% of the full build.
IDIR=$DIR/inc-project
rm -rf "$IDIR" "$DIR/inc-out"
cp -R "$DIR/project" "$IDIR" || die "cannot copy the project"
ichapter=$(find "$IDIR" -name '*.md' -path '*/part-*' | LC_ALL=C sort | sed -n 10p)
[ -n "$ichapter" ] || die "no chapter to edit"
if_time= in_time= i1_time=
i=0
while [ $i -lt "$RUNS" ]; do
  rm -rf "$DIR/inc-out"
  run_once incfull "$CASEBOOK" -q build "$IDIR" -o "$DIR/inc-out"
  if [ -z "$if_time" ] || awk -v a="$T" -v b="$if_time" 'BEGIN { exit !(a < b) }'; then
    if_time=$T if_cpu=$C if_rss=$M
  fi
  run_once incnoop "$CASEBOOK" -q build "$IDIR" -o "$DIR/inc-out"
  if [ -z "$in_time" ] || awk -v a="$T" -v b="$in_time" 'BEGIN { exit !(a < b) }'; then
    in_time=$T in_cpu=$C in_rss=$M
  fi
  printf '\nEdited for run %d of the benchmark.\n' "$i" >>"$ichapter"
  run_once incone "$CASEBOOK" -q build "$IDIR" -o "$DIR/inc-out"
  if [ -z "$i1_time" ] || awk -v a="$T" -v b="$i1_time" 'BEGIN { exit !(a < b) }'; then
    i1_time=$T i1_cpu=$C i1_rss=$M
  fi
  i=$((i + 1))
done
# the last incremental outputs against a clean build of the same sources
rm -rf "$DIR/inc-clean"
"$CASEBOOK" -q build --no-cache "$IDIR" -o "$DIR/inc-clean" >/dev/null 2>&1
if diff -r -q -x .cache "$DIR/inc-out" "$DIR/inc-clean" >"$DIR/inc.diff" 2>&1; then
  same=identical
else
  same="DIFFERENT (see $DIR/inc.diff)"
fi
awk -v ft="$if_time" -v fc="$if_cpu" -v fm="$if_rss" -v nt="$in_time" \
  -v nc="$in_cpu" -v nm="$in_rss" -v ot="$i1_time" -v oc="$i1_cpu" \
  -v om="$i1_rss" -v bt="$cb_time" -v same="$same" 'BEGIN {
  printf "build, empty cache:          %6.2f s wall  %5.2f s CPU  %7.1f MiB peak RSS\n", ft, fc, fm / 1024
  printf "rebuild, nothing changed:    %6.2f s wall  %5.2f s CPU  %7.1f MiB peak RSS\n", nt, nc, nm / 1024
  printf "rebuild, one chapter edited: %6.2f s wall  %5.2f s CPU  %7.1f MiB peak RSS\n", ot, oc, om / 1024
  r = (ft > 0) ? nt / ft : 0
  printf "no-op rebuild: %.1f%% of the full build (target <= 5%%: %s); %.1f%% of a build without cache\n",
         100 * r, r <= 0.05 ? "met" : "MISSED", (bt > 0) ? 100 * nt / bt : 0
  printf "one chapter edited: %.0f%% of the full build; outputs vs a clean build: %s\n",
         (ft > 0) ? 100 * ot / ft : 0, same
}'

# The search index of the site: how long the 10,000-case index takes to
# load in headless Chromium from file:// (target: under a second). Needs
# chromium and the npm packages of tests/node (npm_need of tests/lib.sh,
# as the site test layer installs them); skipped with a note when they are
# not there.
if [ -f "$DIR/out/html/search-index.js" ]; then
  . "$ROOT/tests/lib.sh"
  if ! need_chromium || ! npm_need >/dev/null 2>&1; then
    echo "search index load: not measured (no chromium or no tests/node/node_modules)"
  else
    node "$ROOT/tests/browser/search-load.js" "$DIR/out/html" 3 ||
      echo "search index load: not measured (the browser did not run)"
  fi
fi

# casebook serve: from the save of a chapter of the example to the page
# reloaded in headless Chromium (target: under 300 ms), the median of 7
# saves. Needs chromium and tests/node, as above.
. "$ROOT/tests/lib.sh"
if ! need_chromium || ! npm_need >/dev/null 2>&1; then
  echo "serve reload: not measured (no chromium or no tests/node/node_modules)"
else
  node "$ROOT/tests/browser/serve-reload.js" "$CASEBOOK" "$ROOT/casebooks/chat-safety" \
    "$DIR/serve" 7 || echo "serve reload: not measured (the browser did not run)"
fi

# casebook grade: GRADE_LINES lines of annotations JSONL (grade_gen, from
# the rubric and gold of the build above: the cases plus tasks of the
# tool's own, 12 annotators) graded against the project, and the same
# file parsed by json_scan (jansson alone, line by line), in turn, RUNS
# times each; the best wall time of each, with its CPU time (the ratio of
# CPU times as well: on a busy machine it varies less than wall time).
# grade's fixed cost (loading the book, writing the report) is measured
# apart on a one-line file, so that the ratio can be read both ways.
GRADE_LINES=${GRADE_LINES:-1000000}
GFILE=$DIR/annotations.jsonl
gstamp="$stamp $(cksum <"$ROOT/tests/tools/grade_gen.c" | cut -d' ' -f1) $GRADE_LINES"
if [ ! -f "$GFILE" ] || [ ! -f "$DIR/annotations.stamp" ] ||
  [ "$(cat "$DIR/annotations.stamp")" != "$gstamp" ]; then
  [ -f "$DIR/out/gold.jsonl" ] ||
    "$CASEBOOK" -q build --no-cache "$DIR/project" -o "$DIR/out" >/dev/null 2>&1
  echo "generating $GFILE ($GRADE_LINES lines) ..."
  "$BUILD/tools/grade_gen" "$DIR/out" "$GFILE" "$GRADE_LINES" || die "grade_gen failed"
  head -n 1 "$GFILE" >"$DIR/annotations-1.jsonl"
  echo "$gstamp" >"$DIR/annotations.stamp"
fi
g_bytes=$(wc -c <"$GFILE")
js_time=
i=0
has_grade=
"$CASEBOOK" grade --help >/dev/null 2>&1 && has_grade=1
while [ $i -lt "$RUNS" ]; do
  run_once json_scan "$BUILD/tools/json_scan" "$GFILE"
  if [ -z "$js_time" ] || awk -v a="$T" -v b="$js_time" 'BEGIN { exit !(a < b) }'; then
    js_time=$T js_cpu=$C js_rss=$M
  fi
  if [ -n "$has_grade" ]; then
    rm -rf "$DIR/grade-out"
    run_once grade "$CASEBOOK" -q grade "$DIR/project" "$GFILE" -o "$DIR/grade-out"
    if [ -z "${gr_time:-}" ] || awk -v a="$T" -v b="$gr_time" 'BEGIN { exit !(a < b) }'; then
      gr_time=$T gr_cpu=$C gr_rss=$M
    fi
  fi
  i=$((i + 1))
done
awk -v n="$GRADE_LINES" -v bytes="$g_bytes" -v jt="$js_time" -v jc="$js_cpu" -v jm="$js_rss" 'BEGIN {
  printf "annotations: %d lines, %.1f MiB of JSONL\n", n, bytes / 1048576
  printf "json_scan (jansson alone):      %6.2f s wall  %5.2f s CPU  %7.1f MiB peak RSS\n", jt, jc, jm / 1024
}'
if [ -z "$has_grade" ]; then
  echo "casebook grade: not measured (this casebook has no grade command)"
else
  # the fixed cost: one line, best of RUNS
  g1_time=
  i=0
  while [ $i -lt "$RUNS" ]; do
    rm -rf "$DIR/grade-out-1"
    run_once grade1 "$CASEBOOK" -q grade "$DIR/project" "$DIR/annotations-1.jsonl" -o "$DIR/grade-out-1"
    if [ -z "$g1_time" ] || awk -v a="$T" -v b="$g1_time" 'BEGIN { exit !(a < b) }'; then
      g1_time=$T g1_cpu=$C g1_rss=$M
    fi
    i=$((i + 1))
  done
  g_misses=$(tr -d '\n' <"$DIR/grade-out/grade.json" 2>/dev/null |
    grep -o '"totals": *{[^}]*}' | grep -o '"misses": *[0-9]*' | grep -o '[0-9]*$')
  awk -v jt="$js_time" -v jc="$js_cpu" -v gt="$gr_time" -v gc="$gr_cpu" -v gm="$gr_rss" \
    -v ot="$g1_time" -v oc="$g1_cpu" -v om="$g1_rss" -v bytes="$g_bytes" -v misses="${g_misses:-?}" 'BEGIN {
    printf "casebook grade:                 %6.2f s wall  %5.2f s CPU  %7.1f MiB peak RSS (%s misses)\n", gt, gc, gm / 1024, misses
    printf "casebook grade of one line:     %6.2f s wall  %5.2f s CPU  %7.1f MiB peak RSS (book and report)\n", ot, oc, om / 1024
    r = (jt > 0) ? gt / jt : 0
    printf "grade time ratio: %.2f x json_scan (target <= 2.0: %s); without the fixed cost %.2f x\n",
           r, r <= 2.0 ? "met" : "MISSED", (jt > 0) ? (gt - ot) / jt : 0
    printf "grade CPU time ratio: %.2f x json_scan; without the fixed cost %.2f x\n",
           (jc > 0) ? gc / jc : 0, (jc > 0) ? (gc - oc) / jc : 0
    printf "grade peak memory: %.1f MiB for %.1f MiB of annotations (%.1f MiB above the one-line grade)\n",
           gm / 1024, bytes / 1048576, (gm - om) / 1024
  }'
fi

# The language server on the example: the time from a didChange (the
# whole chapter, an answer misspelt every other time) to the
# publishDiagnostics of that chapter, the project's rules run
# (tests/tools/lsp_latency; target: median under 50 ms). The exports'
# checks follow once the editor has been quiet for 300 ms: not timed.
[ -x "$BUILD/tools/lsp_latency" ] || die "$BUILD/tools/lsp_latency is missing: run make bench"
lat=$("$BUILD/tools/lsp_latency" "$CASEBOOK" "$ROOT/casebooks/chat-safety" cases-harm.md 40) ||
  die "lsp_latency failed: $lat"
# shellcheck disable=SC2086
set -- $lat
awk -v n="$2" -v mn="$4" -v md="$6" -v mx="$8" 'BEGIN {
  printf "casebook lsp diagnostics latency (didChange -> publishDiagnostics, casebooks/chat-safety, %d changes):\n", n
  printf "  median %.1f ms, min %.1f ms, max %.1f ms (target median < 50 ms: %s)\n", md, mn, mx, md < 50 ? "met" : "MISSED"
}'
