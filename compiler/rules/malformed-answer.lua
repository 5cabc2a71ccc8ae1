-- SPDX-License-Identifier: MIT
-- malformed-answer: an answer whose value cannot be read for its
-- question's type (rank and pairwise have their own rules).

local format = string.format
local value_at, for_response = casebook.value_at, casebook.for_response

return {
  id = "malformed-answer",
  severity = "error",
  summary = "An answer's value does not fit its question's type.",
  rationale = [[
Each question type has an answer syntax: one option id (choice), option
ids separated by commas or "none" (multi), a whole number (scale). A
value that does not fit cannot be exported nor compared with an
annotator's answer.]],
  example = [[
## Question helpfulness: ...
- type: scale 1-5

## Case c1: ...
- helpfulness: high   <- error: malformed answer to question 'helpfulness':
                         a scale answer is a whole number]],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      if q.type ~= "rank" and q.type ~= "pairwise" and not q.type_misread then
        local answers = q.answers
        for i = 1, #answers do
          local a = answers[i]
          local k = a.kind
          if a.error ~= nil then
            report { at = value_at(a), element = a.case.id,
              message = format("malformed answer to question '%s'%s: %s", q.id,
                for_response(a), a.error) }
          elseif k == "option" then
            if a.raw == "" then
              report { at = value_at(a), element = a.case.id,
                message = format("the answer to question '%s'%s is empty", q.id,
                  for_response(a)) }
            end
          elseif k == "options" then
            local items = a.items
            if #items > 1 then
              local seen = {}
              for j = 1, #items do
                local item = items[j]
                if item == "" then
                  report { at = value_at(a), element = a.case.id,
                    message = format("the answer to question '%s'%s has an empty item", q.id,
                      for_response(a)) }
                elseif seen[item] then
                  report { at = value_at(a, item), element = a.case.id,
                    message = format("option '%s' is given twice%s", item, for_response(a)) }
                end
                seen[item] = true
              end
            end
          end
        end
      end
    end
  end,
}
