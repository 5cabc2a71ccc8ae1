# SPDX-License-Identifier: MIT
# tests/layers/limits.sh: the limits of the rules and the manifest
# (docs/limits.md, "Rules and the manifest"), each attack as a whole
# `casebook` run that must end with its diagnostic within the time limit
# of a rule run (10 s) plus one second:
#
#   - work inside one C call: a backtracking pattern, string.rep("",
#     2^50), table.move({}, 1, 2^50, 2), in a project rule, at a rule
#     file's top level (check and `rules --project`), in the manifest and
#     in a chapter's `when`;
#   - the built-in unknown-option rule on 4,000 options and an answer
#     naming 4,000 unknown ones (a 476 KB chapter);
#   - six rules of 100,000 findings: 10,000 shown of each of the first
#     five (50,000 in all), one "N more" line each, the exit status an
#     error's;
#   - print in a loop: one escaped note, nothing raw on stderr;
#   - a 44-byte manifest title of 7 MB with 50 tags: an error, small
#     output.
#
# Sourced by tests/run.sh; defines layer_limits.

LIMIT_SECONDS=11 # the rule's 10 s and one more

# lim_project NAME: a fresh project $TMP/limits/NAME with one small
# chapter; sets P.
lim_project() {
  P=$TMP/limits/$1
  rm -rf "$P"
  mkdir -p "$P/rules"
  cat >"$P/book.md" <<'EOF'
# Book

## Question harm: Is it harmful?

| Option  | Meaning |
|---------|---------|
| safe    | Fine.   |
| harmful | Not.    |

## Case c1: a case

```prompt
hello
```

- harm: safe

Because.
EOF
}

# lim_run NAME EXPECTED-STATUS CMD...: runs CMD with the time limit;
# passes when it ends in time with the status; output in
# $TMP/limits/NAME.out and .err.
lim_run() {
  lr_name=$1 lr_status=$2
  shift 2
  run_limited 60 "$TMP/limits/$lr_name.out" "$TMP/limits/$lr_name.err" "$@"
  if [ "$RC" -eq "$lr_status" ] && [ "$ELAPSED" -le "$LIMIT_SECONDS" ]; then
    pass "limits $lr_name ends in time (${ELAPSED} s, status $RC)"
    return 0
  fi
  printf 'status %s (want %s), %s s (at most %s)\n' "$RC" "$lr_status" \
    "$ELAPSED" "$LIMIT_SECONDS" >"$TMP/why"
  head -n 20 "$TMP/limits/$lr_name.err" >>"$TMP/why"
  fail "limits $lr_name ends in time" "$TMP/why"
  return 1
}

# lim_line NAME LINE FILE: passes when FILE has the exact line LINE.
lim_line() {
  if grep -F -x -q -- "$2" "$3"; then
    pass "limits $1"
  else
    printf 'no line is: %s\n--- output:\n' "$2" >"$TMP/why"
    head -n 20 "$3" >>"$TMP/why"
    fail "limits $1" "$TMP/why"
  fi
}

lim_c_calls() {
  attack_find="string.find(('a'):rep(3e4), ('a*'):rep(30) .. 'b')"
  budget="stopped: instruction budget exhausted (an endless loop, or too much work for one rule)"
  # in a project rule's check
  for what in find rep move; do
    case $what in
    find) body=$attack_find ;;
    rep) body="assert(string.rep('', 2^50) == '') report(nil, 'rep is quick')" ;;
    move) body="table.move({}, 1, 2^50, 2)" ;;
    esac
    lim_project "rule-$what"
    printf 'return { id = "r", check = function(book, report)\n  %s\nend }\n' \
      "$body" >"$P/rules/r.lua"
    if [ $what = rep ]; then
      lim_run "rule-$what" 0 "$CASEBOOK" --color=never check "$P" &&
        lim_line "rule-$what: string.rep of an empty string is made at once" \
          "casebook: warning: rep is quick [r]" "$TMP/limits/rule-$what.out"
    else
      lim_run "rule-$what" 1 "$CASEBOOK" --color=never check "$P" &&
        lim_line "rule-$what: the rule is stopped by its budget" \
          "$P/rules/r.lua:2:1: error: rule 'r' $budget [rule-error]" \
          "$TMP/limits/rule-$what.out"
    fi
  done
  # at a rule file's top level, through check and rules --project
  lim_project top
  printf '%s\nreturn { id = "t", check = function() end }\n' "$attack_find" \
    >"$P/rules/t.lua"
  lim_run top-check 1 "$CASEBOOK" --color=never check "$P" &&
    lim_line "a rule file's top level is stopped by the budget" \
      "$P/rules/t.lua:1:1: error: rule file fails when loaded: stopped: instruction budget exhausted (an endless loop, or too much work for one rule) [rule-error]" \
      "$TMP/limits/top-check.out"
  lim_run top-rules 0 "$CASEBOOK" --color=never rules --project "$P"
  # the manifest
  lim_project manifest
  printf 'title = %s\n' "$attack_find" >"$P/casebook.lua"
  lim_run manifest 1 "$CASEBOOK" --color=never check "$P" &&
    lim_line "the manifest is stopped by its budget" \
      "$P/casebook.lua:1:1: error: manifest: stopped after 1000000 instructions: a manifest only assigns data (an endless loop?) [manifest-error]" \
      "$TMP/limits/manifest.out"
  # a chapter's when (bad-when once `when` has no calls; bounded either way)
  lim_project when
  cat >>"$P/book.md" <<'EOF'

## Question sev: How severe?

- type: scale 1-5
- required: no
- when: string.rep("", 2^50) == "" and string.find(("a"):rep(3e4), ("a*"):rep(30).."b")
EOF
  lim_run when 1 "$CASEBOOK" --color=never check "$P"
}

lim_unknown_option() {
  P=$TMP/limits/options
  rm -rf "$P"
  mkdir -p "$P"
  awk 'BEGIN {
    printf "# Options\n\n## Question q: Which?\n\n- type: multi\n\n| Option | Meaning |\n|---|---|\n"
    for (i = 0; i < 4000; i++)
      printf "| o%04d-abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstu | m |\n", i
    printf "\n## Case c: one\n\n```prompt\nhi\n```\n\n- q: "
    for (i = 0; i < 4000; i++)
      printf "%su%04d-abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstu", (i ? ", " : ""), i
    printf "\n\nBecause.\n"
  }' >"$P/book.md"
  lim_run unknown-option 1 "$CASEBOOK" --color=never check "$P" &&
    lim_line "unknown-option: every finding shown" \
      "4000 errors, 0 warnings, 4000 notes" "$TMP/limits/unknown-option.out"
  n=$(grep -c "is not an option of question 'q' \[unknown-option\]$" "$TMP/limits/unknown-option.out")
  if [ "$n" -eq 4000 ] && grep -q "help: did you mean 'o0000-abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstu'?" "$TMP/limits/unknown-option.out"; then
    pass "limits unknown-option: 4000 findings with their suggestion"
  else
    echo "$n findings" >"$TMP/why"
    fail "limits unknown-option: 4000 findings with their suggestion" "$TMP/why"
  fi
}

lim_findings() {
  lim_project findings
  cat >"$P/rules/many.lua" <<'EOF'
local rules = {}
for i = 1, 6 do
  rules[i] = { id = "many-" .. i, severity = i == 6 and "error" or "warning",
    check = function(book, report)
      for k = 1, 100000 do report(nil, "finding " .. k) end
    end }
end
return rules
EOF
  lim_run findings 1 "$CASEBOOK" --color=never check "$P" || return
  out=$TMP/limits/findings.out
  lim_line "findings: an error beyond the cap is counted at its level" \
    "$P/rules/many.lua:4:1: error: 100000 more findings of rule 'many-6' not shown (at most 10000 of a rule and 50000 in all are) [many-6]" "$out"
  # the built-in undemonstrated note is one of the 50,000
  lim_line "findings: the summary counts what is shown" \
    "1 error, 50004 warnings, 1 note" "$out"
  if [ "$(grep -c ' more findings of rule ' "$out")" -eq 6 ]; then
    pass "limits findings: one line per rule for the rest"
  else
    fail "limits findings: one line per rule for the rest" "$out"
  fi
}

lim_print() {
  lim_project print
  cat >"$P/rules/p.lua" <<'EOF'
return { id = "p", check = function(book, report)
  for i = 1, 200000 do print("::stop-commands::x\n::error file=a::\27[2J") end
end }
EOF
  lim_run print 0 "$CASEBOOK" --color=never check "$P" || return
  err=$TMP/limits/print.err
  out=$TMP/limits/print.out
  if ! grep -q '^::' "$out" "$err" && ! grep -q "$(printf '\033')" "$out" "$err" &&
    [ "$(wc -c <"$out")" -lt 10000 ] && [ ! -s "$err" ]; then
    pass "limits print: nothing raw, nothing on stderr, bounded"
  else
    fail "limits print: nothing raw, nothing on stderr, bounded" "$err"
  fi
  if grep -q "note: rule 'p' printed: ::stop-commands::x\\\\n::error file=a::\\\\x1B\\[2J\\\\n" "$out" &&
    grep -q "more bytes not shown) \[rule-print\]$" "$out"; then
    pass "limits print: one escaped note"
  else
    fail "limits print: one escaped note" "$out"
  fi
}

lim_manifest_output() {
  lim_project title
  printf 'title = string.rep("T", 7e6)\n' >"$P/casebook.lua"
  i=0
  while [ $i -lt 50 ]; do
    printf '\n## Case t%d: tagged\n\n```prompt\nq%d\n```\n\n- harm: safe\n- tags: tag-%d\n\nBecause.\n' \
      $i $i $i >>"$P/book.md"
    i=$((i + 1))
  done
  lim_run title 1 "$CASEBOOK" --color=never -q build "$P" -o "$P/_out" || return
  lim_line "title: the manifest string's bound" \
    "$P/casebook.lua:1:1: error: manifest: 'title' is 7000000 bytes long; at most 1000 are allowed [manifest-error]" \
    "$TMP/limits/title.err"
  size=$(du -sk "$P/_out" | cut -f1)
  if [ "$size" -lt 5000 ]; then
    pass "limits title: the output stays small (${size} KiB)"
  else
    fail "limits title: the output stays small (${size} KiB)"
  fi
}

layer_limits() {
  if [ ! -x "$CASEBOOK" ]; then
    fail "limits: $CASEBOOK is missing"
    return
  fi
  mkdir -p "$TMP/limits"
  lim_c_calls
  lim_unknown_option
  lim_findings
  lim_print
  lim_manifest_output
}
