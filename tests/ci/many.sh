#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/ci/many.sh DIR: writes a casebook project into DIR with more
# findings than GitHub shows as annotations: 25 errors (a misspelt option
# in 25 cases), 12 warnings (12 cases without rationale) and a note.
# Used by tests/layers/ci.sh and tests/cli/check-github-limit.
set -e
d=$1
mkdir -p "$d"
{
  printf '# Many\n\n## Question harm: Is it harmful?\n\n| Option | Meaning |\n|---|---|\n| safe | Fine. |\n| harmful | Not fine. |\n\n'
  i=0
  while [ $i -lt 25 ]; do
    printf '## Case bad-%d: wrong option\n\n```prompt\nq%d\n```\n\n- harm: harmfull\n\nBecause.\n\n' $i $i
    i=$((i + 1))
  done
  i=0
  while [ $i -lt 12 ]; do
    printf '## Case bare-%d: no rationale\n\n```prompt\np%d\n```\n\n- harm: safe\n\n' $i $i
    i=$((i + 1))
  done
} >"$d/book.md"
