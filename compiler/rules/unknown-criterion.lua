-- SPDX-License-Identifier: MIT
-- unknown-criterion: a case cites, or a criterion applies to, an id that
-- does not exist.

local format = string.format
local suggest, ids = casebook.suggest, casebook.ids

return {
  id = "unknown-criterion",
  severity = "error",
  summary = "A case cites a criterion that does not exist, or a criterion " ..
    "applies to a question that does not exist.",
  rationale = [[
Criteria give the guideline stable ids that cases cite ("criteria:
benign-intent"). A citation of an id that no criterion has is a broken
reference in the annotators' site and in every export; so is an
applies-to that names no question.]],
  example = [[
## Criterion benign-intent: Read the request charitably
...
## Case refusal-01: ...
- criteria: benign-intnet   <- error: 'benign-intnet' is not a criterion]],

  check = function(book, report)
    local criteria = book.criteria_by_id
    local questions = book.questions_by_id
    local criterion_ids, question_ids
    local cases = book.cases
    for ci = 1, #cases do
      local c = cases[ci]
      local list = c.criteria
      for i = 1, #list do
        local id = list[i]
        if criteria[id] == nil then
          criterion_ids = criterion_ids or ids(book.criteria)
          local s = suggest(id, criterion_ids)
          report {
            at = c.criteria_locs[i] or c,
            element = c.id,
            message = format("'%s' is not a criterion", id),
            suggestion = s,
          }
        end
      end
    end
    for _, cr in ipairs(book.criteria) do
      local locs = cr.applies_to_locs
      for i, id in ipairs(cr.applies_to) do
        if questions[id] == nil then
          question_ids = question_ids or ids(book.questions)
          local s = suggest(id, question_ids)
          report {
            at = locs[i] or cr,
            element = cr.id,
            message = format("criterion '%s' applies to '%s', which is not a question", cr.id, id),
            suggestion = s,
          }
        end
      end
    end
  end,
}
