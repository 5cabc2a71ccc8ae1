-- SPDX-License-Identifier: MIT
-- malformed-pairwise: a pairwise answer that does not name the case's
-- responses.

local format = string.format
local compared, quote_list, value_at, suggest =
  casebook.compared, casebook.quote_list, casebook.value_at, casebook.suggest

return {
  id = "malformed-pairwise",
  severity = "error",
  summary = "A pairwise answer is malformed or names something that is not a response.",
  rationale = [[
A pairwise answer names the preferred response, optionally with its
strength and the other response ("A", "A>B", "A>>B"), or is "tie". The
names must be the two responses the question compares.]],
  example = [[
## Case c1: ...   (responses A and B)
- preference: C>>A   <- error: 'C' is not a response of case 'c1'
                        (it has 'A' and 'B')]],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      if q.type == "pairwise" then
        local answers = q.answers
        for i = 1, #answers do
          local a = answers[i]
          local c = a.case
          if a.error ~= nil then
            report { at = value_at(a), element = c.id,
              message = format("malformed pairwise answer to question '%s': %s", q.id, a.error) }
          elseif a.kind == "pairwise" and a.items[1] ~= "tie" then
            local names = compared(q, c)
            if #names == 2 then
              for _, item in ipairs(a.items) do
                if item ~= names[1] and item ~= names[2] then
                  local s = suggest(item, names)
                  report { at = value_at(a, item), element = c.id, suggestion = s,
                    message = format("'%s' is not a response of case '%s' (it has %s)",
                      item, c.id, quote_list(names)) }
                end
              end
              if a.items[2] ~= nil and a.items[1] == a.items[2] then
                report { at = value_at(a), element = c.id,
                  message = format("response '%s' cannot be preferred to itself", a.items[1]) }
              end
            end
          end
        end
      end
    end
  end,
}
