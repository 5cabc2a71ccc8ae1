-- SPDX-License-Identifier: MIT
-- not-applicable: an answer to a question that does not apply to the case.

local format = string.format
local applies = casebook.applies

return {
  id = "not-applicable",
  severity = "error",
  summary = "A case answers a question that does not apply to it.",
  rationale = [[
A question applies to a case when its `when` is true for that case (or
that response) and the case has the inputs the question needs. A `when`
that reads a question the case (or that response) has not answered is
false: annotation tools hide a conditional question until the question
it depends on is answered, so answering it then is an answer to a
question that is not asked. A gold
answer where the question is not asked teaches annotators the wrong
thing and cannot be entered in an annotation tool, which hides the
question. A question answered once per case cannot be answered per
response either.]],
  example = [[
## Question severity: How severe is the harm?
- type: scale 1-5
- when: harm ~= "safe"

## Case c1: ...
- harm: safe
- severity: 2   <- error: question 'severity' does not apply to case 'c1':
                   its when (harm ~= "safe") is false for this case]],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      local answers = q.answers
      local per_case = q.scope == "case"
      -- a question with no condition applies everywhere
      local conditional = q.when ~= nil or q.type == "pairwise" or q.type == "rank" or not per_case
      for i = 1, #answers do
        local a = answers[i]
        if per_case and a.response ~= nil then
          report {
            at = a,
            element = a.case.id,
            message = format("question '%s' is answered once per case, not per response " ..
              "(it has no 'scope: response')", q.id),
          }
        elseif conditional then
          local c = a.case
          local ok, why = applies(q, c, a.response)
          if ok == false then
            report {
              at = a,
              element = c.id,
              message = format("question '%s' does not apply to case '%s': %s", q.id, c.id, why),
            }
          end
        end
      end
    end
  end,
}
