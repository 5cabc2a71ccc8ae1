-- SPDX-License-Identifier: MIT
-- bad-when: a question's `when` is outside the `when` language (when.h),
-- names something that is not a question, or fails for a case.

local format = string.format
local compile_when, eval_when = casebook.compile_when, casebook.eval_when

return {
  id = "bad-when",
  severity = "error",
  summary = "A question's when expression does not compile or fails on a case.",
  rationale = [[
`when` is a small language over the other answers, not code: comparisons
(harm ~= "safe", extent >= 2), membership (harm in {"low", "high"},
"tone" in issues), and, or, not and parentheses (docs/format.md). It
cannot call functions, compute or reach anything but the answers, so a
chapter cannot make the build do work. A when outside that language, one
that names something that is not a question, or one that fails for a
case (ordering an option against a number) leaves the compiler unable to
tell whether the question applies, and an annotation tool too. So does a
string tested against a choice or multi answer that is none of its
options ("No" where the options are no and yes): the test is the same
for every case. The answers to such a question are not checked further
(no not-applicable, no required-unanswered follows from it). (A
question that is not answered does not make it fail: the when is then
false.) A question id with '-' is written as it is (over-refusal), with
'_' (over_refusal) or as _ENV["over-refusal"].]],
  example = [[
## Question severity: How severe is the harm?
- type: scale 1-5
- when: harm ~= "safe" and   <- error: the when of question 'severity'
                                does not compile: the when ends after
                                `and`: a value is missing]],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      if q.when ~= nil then
        local at = { file = q.file, line = q.when_line, col = q.when_col }
        local ok, err, what = compile_when(q)
        if not ok then
          report { at = at, element = q.id, message = format(
            what == "name" and "in the when of question '%s': %s" or "the when of question '%s' does not compile: %s",
            q.id, err) }
        else
          local failed = false
          for _, c in ipairs(book.cases) do
            local n = #c.responses
            if q.scope == "response" then
              for _, r in ipairs(c.responses) do
                local v, e = eval_when(q, c, r)
                if v == nil then
                  report { at = at, element = q.id, message = format(
                    "the when of question '%s' fails for case '%s', response '%s': %s", q.id, c.id, r, e) }
                  failed = true
                  break
                end
              end
            elseif not ((q.type == "pairwise" and n ~= 2) or (q.type == "rank" and n < 2)) then
              local v, e = eval_when(q, c)
              if v == nil then
                report { at = at, element = q.id, message = format(
                  "the when of question '%s' fails for case '%s': %s", q.id, c.id, e) }
                failed = true
              end
            end
            if failed then
              break
            end
          end
        end
      end
    end
  end,
}
