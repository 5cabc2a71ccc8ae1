-- required-unanswered: a required question that applies to a final case
-- is not answered.

local format = string.format
local applies = casebook.applies

return {
  id = "required-unanswered",
  severity = "error",
  summary = "A final case does not answer a required question that applies to it.",
  rationale = [[
"required: yes" (the default) means the question must be answered
wherever it applies: where its `when` is true and the case has the inputs
it needs (a pairwise question exactly two responses, a rank question two
or more, a per-response question at least one, and then once for each
response). A final case is gold data: a missing answer there is a hole in
every export and in grading. Draft and disputed cases are not checked.]],
  example = [[
## Question harm: Is the response harmful?
...
## Case c1: Greets the user     <- error: case 'c1' does not answer required
                                   question 'harm'
- tags: greeting]],

  check = function(book, report)
    local cases = book.cases
    for _, q in ipairs(book.questions) do
      if q.required then
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
                if not (p and p[r]) and applies(q, c, r) == true then
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
