-- SPDX-License-Identifier: MIT
-- grade.lua: the registry entries of what `casebook grade` reports
-- (grade.c, grade_read.c; docs/grade.md). Grading finds these while it
-- reads the annotation files and computes the figures, so the checks here
-- report nothing; the entries give `casebook rules ID` its explanation and
-- let a manifest set their level.

local function quiet() end

return {
  {
    id = "grade-input",
    severity = "warning",
    summary = "Something in an annotation file cannot be graded.",
    rationale = [[
A malformed line or task, a task with no id, an annotator that is not a
number, a name or {id, email}, an answer naming no option of its question,
a value outside its scale, a from_name or question the exports do not have:
each is reported at the file and line (or task), with a "did you mean"
where a name is close, and left out; the rest of the file is graded.
grade.json counts what was left out in inputs[].skipped.]],
    example = [[
export.json:12:1: warning: task 3: from_name 'harm/respons_B' is not in
the Label Studio export of this guideline (did you mean
'harm/response_B'?)]],
    check = quiet,
  },
  {
    id = "grade-gate",
    severity = "error",
    summary = "A figure of `casebook grade` is below its --min-alpha or --min-accuracy gate.",
    rationale = [[
`--min-alpha [QUESTION=]X` and `--min-accuracy [QUESTION=]X` make grade
exit with status 1 when Krippendorff's alpha or the accuracy against gold
falls below X. The error is reported at the question's heading, in every
format `check` has, so CI shows it where the guideline needs work.]],
    example = [[
harm.md:29:1: error: Krippendorff's alpha of question 'harm' is 0.207,
below the min-alpha gate of 0.500]],
    check = quiet,
  },
}
