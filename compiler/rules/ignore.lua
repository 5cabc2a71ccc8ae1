-- SPDX-License-Identifier: MIT
-- ignore.lua: the registry entries of what casebook-ignore comments
-- report (ignore.c applies them after every other finding is in, so the
-- checks here report nothing; the entries give `casebook rules ID` its
-- explanation and let a manifest set their level).

local function quiet() end

return {
  {
    id = "ignore-without-reason",
    severity = "error",
    summary = "A casebook-ignore comment gives no reason (or names no rule).",
    rationale = [[
`<!-- casebook-ignore RULE-ID: why -->` on the line before an element or a
line silences that rule there, and `<!-- casebook-ignore-file RULE-ID: why
-->` in a whole chapter. The reason is what a reviewer reads instead of the
finding, so an ignore without one silences nothing and is an error.
Silenced findings stay visible in `check --format json` and in SARIF's
`suppressions`.]],
    example = [[
<!-- casebook-ignore unknown-option -->      <- error: this casebook-ignore
- quality: great                                 gives no reason ...]],
    check = quiet,
  },
  {
    id = "unused-ignore",
    severity = "warning",
    summary = "A casebook-ignore comment silences nothing.",
    rationale = [[
An ignore whose rule reports nothing where it points (the element after it,
the line after it, or its chapter) is left over from a fix, or points at
the wrong place. Remove it, or move it to the finding it is meant for.]],
    example = [[
<!-- casebook-ignore empty-rationale: to do -->   <- warning: this
## Case c: It has a rationale                        casebook-ignore of
...                                                  'empty-rationale'
Because it is.                                       silences nothing]],
    check = quiet,
  },
  {
    id = "unknown-rule-in-ignore",
    severity = "warning",
    summary = "A casebook-ignore comment names a rule that does not exist.",
    rationale = [[
The rule ids are those `casebook rules` lists. A misspelt id silences
nothing; the warning suggests the closest id.]],
    example = [[
<!-- casebook-ignore unknwon-option: later -->   <- warning: no rule is
                                                     called 'unknwon-option'
                                                     (did you mean
                                                     'unknown-option'?)]],
    check = quiet,
  },
}
