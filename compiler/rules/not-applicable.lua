-- SPDX-License-Identifier: MIT
-- not-applicable: an answer to a question that does not apply to the case.

local format = string.format
local applies, value_at, quote_list = casebook.applies, casebook.value_at, casebook.quote_list

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
response either: a column of a Response table for such a question is one
finding, at the column's header, naming the rows that answer it. An
answer in a Response table is reported at its cell and names its
response.]],
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
      -- a question whose type was lost is bad-property's to report
      local answers = q.type_misread and {} or q.answers
      local per_case = q.scope == "case"
      -- a question with no condition applies everywhere
      local conditional = q.when ~= nil or q.type == "pairwise" or q.type == "rank" or not per_case
      -- case index -> the rows of its Response table that answer q,
      -- when q is answered once per case: one finding for the column
      local rows_of = {}
      if per_case then
        for i = 1, #answers do
          local a = answers[i]
          if a.response ~= nil then
            local ci = a.case.index
            local rows = rows_of[ci]
            if not rows then
              rows = {}
              rows_of[ci] = rows
            end
            rows[#rows + 1] = a.response
          end
        end
      end
      for i = 1, #answers do
        local a = answers[i]
        local c = a.case
        if per_case and a.response ~= nil then
          local rows = rows_of[c.index]
          if rows then
            rows_of[c.index] = nil -- told at the column's header
            report {
              at = a,
              element = c.id,
              message = format("question '%s' is answered once per case, not per response " ..
                "(it has no 'scope: response'), and case '%s' answers it in the Response table " ..
                "for %s %s", q.id, c.id, #rows == 1 and "response" or "responses", quote_list(rows)),
            }
          end
        elseif conditional then
          local ok, why = applies(q, c, a.response)
          if ok == false then
            local r = a.response
            report {
              at = r ~= nil and value_at(a) or a,
              element = c.id,
              message = r ~= nil and r ~= ""
                and format("question '%s' does not apply to response '%s' of case '%s': %s", q.id, r, c.id, why)
                or format("question '%s' does not apply to case '%s': %s", q.id, c.id, why),
            }
          end
        end
      end
    end
  end,
}
