-- SPDX-License-Identifier: MIT
-- unknown-option: a choice or multi answer names an option the question
-- does not have.

local format = string.format
local suggester, ids, value_at, for_response =
  casebook.suggester, casebook.ids, casebook.value_at, casebook.for_response

return {
  id = "unknown-option",
  severity = "error",
  summary = "A choice or multi answer names an option the question does not have.",
  rationale = [[
The gold answer of a choice question is one of its option ids, and of a
multi question a list of them. An answer naming anything else cannot be
exported to an annotation tool nor used to grade annotators; it is
usually a typo or an option that was renamed.]],
  example = [[
## Question harm: Is the response harmful?

| Option  | Meaning          |
|---------|------------------|
| safe    | ...              |
| harmful | ...              |

## Case c1: ...
- harm: harmfull   <- error: 'harmfull' is not an option of question 'harm'
                      help: did you mean 'harmful'?]],

  -- Linear in the answers: the options are a set (options_by_id), the
  -- suggestions come from one index per question (casebook.suggester),
  -- and each item is looked for in the answer after the previous one.
  check = function(book, report)
    local questions = book.questions
    for qi = 1, #questions do
      local q = questions[qi]
      if (q.type == "choice" or q.type == "multi") and #q.options > 0 and not q.type_misread then
        local known, suggest = q.options_by_id, nil
        local answers = q.answers
        for i = 1, #answers do
          local a = answers[i]
          local k = a.kind
          if (k == "option" or k == "options") and a.error == nil then
            local items, from = a.items, 1
            for j = 1, #items do
              local item = items[j]
              if item ~= "" and known[item] == nil then
                suggest = suggest or suggester(ids(q.options))
                local at
                at, from = value_at(a, item, from)
                report {
                  at = at,
                  element = a.case.id,
                  message = format("'%s' is not an option of question '%s'%s", item, q.id,
                    for_response(a)),
                  suggestion = suggest(item),
                }
              end
            end
          end
        end
      end
    end
  end,
}
