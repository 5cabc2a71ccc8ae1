-- SPDX-License-Identifier: MIT
-- required-unanswered: a required question that applies to a final case
-- is not answered.

local format = string.format
local applies = casebook.applies

-- Does the response named r have a row in the case's Response table (or
-- the case no such table)? A missing row is response-table's to report.
local function has_row(c, r)
  if not c.responses_table then
    return true
  end
  local rows = c.table_rows
  for i = 1, #rows do
    if rows[i].name == r then
      return true
    end
  end
  return false
end

return {
  id = "required-unanswered",
  severity = "error",
  summary = "A final case does not answer a required question that applies to it.",
  rationale = [[
"required: yes" (the default) means the question must be answered
wherever it applies: where its `when` is true and the case has the inputs
it needs (a pairwise question exactly two responses, a rank question two
or more, a per-response question at least one, and then once for each
response). A `when` that reads a question the case (or that response)
has not answered is false: the question does not apply until the one it
depends on is answered, as annotation tools hide it until then. So a
case that leaves `harm` unanswered is told about `harm` only, not also
about `severity` (when: harm ~= "safe"). A response that has no row in
the case's Response table is left to the response-table rule. A final
case is gold data: a missing answer there is a hole in every export and
in grading. Draft and disputed cases are not checked.]],
  example = [[
## Question harm: Is the response harmful?
...
## Case c1: Greets the user     <- error: case 'c1' does not answer required
                                   question 'harm'
- tags: greeting]],

  check = function(book, report)
    local cases = book.cases
    for _, q in ipairs(book.questions) do
      if q.required and not q.type_misread then
        local qid, answers = q.id, q.answers
        if q.scope == "response" then
          -- case index -> responses answered; cases answering in the
          -- property list instead are left to the response-table rule
          local per, misplaced = {}, {}
          for i = 1, #answers do
            local a = answers[i]
            local ci, r = a.case.index, a.response
            if r == nil then
              misplaced[ci] = true
            else
              local p = per[ci]
              if not p then
                p = {}
                per[ci] = p
              end
              p[r] = true
            end
          end
          for ci = 1, #cases do
            local c = cases[ci]
            local names = c.responses
            if #names > 0 and c.status == "final" and not misplaced[ci] then
              local p = per[ci]
              for j = 1, #names do
                local r = names[j]
                if not (p and p[r]) and applies(q, c, r) == true and has_row(c, r) then
                  report {
                    at = c,
                    message = r == ""
                      and format("case '%s' does not answer required question '%s' for its response", c.id, qid)
                      or format("case '%s' does not answer required question '%s' for response '%s'", c.id, qid, r),
                  }
                end
              end
            end
          end
        else
          local got = {}
          for i = 1, #answers do
            got[answers[i].case.index] = true
          end
          for ci = 1, #cases do
            local c = cases[ci]
            if not got[ci] and c.status == "final" and applies(q, c, nil) == true then
              report {
                at = c,
                message = format("case '%s' does not answer required question '%s'", c.id, qid),
              }
            end
          end
        end
      end
    end
  end,
}
