-- SPDX-License-Identifier: MIT
-- malformed-rank: a rank answer that is not an ordering of the case's
-- responses.

local format = string.format
local compared, quote_list, value_at, suggest =
  casebook.compared, casebook.quote_list, casebook.value_at, casebook.suggest

-- Do the items name each of a few names exactly once? The answer is then
-- well formed, which nearly every one is, and no set need be made for it.
local function orders_all(items, names)
  if #items ~= #names or not casebook.few_distinct(items, 8) then
    return false
  end
  for i = 1, #items do
    local item, known = items[i], false
    for j = 1, #names do
      if names[j] == item then
        known = true
        break
      end
    end
    if not known then
      return false
    end
  end
  return true
end

-- The ranking "A > C > B" when item is "A, C, B" and every part of it is
-- one of the names; nil otherwise.
local function commas_for(item, names)
  if not item:find(",", 1, true) then
    return nil
  end
  local known, parts = {}, {}
  for _, n in ipairs(names) do
    known[n] = true
  end
  for part in item:gmatch("[^,]+") do
    part = part:match("^%s*(.-)%s*$")
    if not known[part] then
      return nil
    end
    parts[#parts + 1] = part
  end
  return table.concat(parts, " > ")
end

return {
  id = "malformed-rank",
  severity = "error",
  summary = "A rank answer does not order exactly the case's responses.",
  rationale = [[
A rank answer lists the response names best first, separated by '>'
(ties with '='): "B > A = C". Each response the question compares must
appear exactly once, and nothing else may.]],
  example = [[
## Case c1: ...
```response A
...
```
```response B
...
```
- ranking: A > C   <- error: 'C' is not a response of case 'c1'
                      (it has 'A' and 'B')]],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      if q.type == "rank" then
        local answers = q.answers
        for i = 1, #answers do
          local a = answers[i]
          local c = a.case
          if a.error ~= nil then
            report { at = value_at(a), element = c.id,
              message = format("malformed rank answer to question '%s': %s", q.id, a.error) }
          elseif a.kind == "rank" then
            local names = compared(q, c)
            local listed = #names >= 2 and #a.items == 1 and
              commas_for(a.items[1], names)
            if listed then
              -- "A, C, B": the places written as a list
              report { at = value_at(a, a.items[1]), element = c.id,
                suggestion = listed,
                message = format("'%s' separates the responses with commas: "
                  .. "a ranking separates places with '>' (ties with '='), "
                  .. "best first", a.items[1]) }
            elseif #names >= 2 and not orders_all(a.items, names) then
              local known, seen = {}, {}
              for _, n in ipairs(names) do
                known[n] = true
              end
              for _, item in ipairs(a.items) do
                if not known[item] then
                  local s = suggest(item, names)
                  report { at = value_at(a, item), element = c.id, suggestion = s,
                    message = format("'%s' is not a response of case '%s' (it has %s)",
                      item, c.id, quote_list(names)) }
                elseif seen[item] then
                  report { at = value_at(a), element = c.id,
                    message = format("'%s' is ranked twice", item) }
                end
                seen[item] = true
              end
              local missing = {}
              for _, n in ipairs(names) do
                if not seen[n] then
                  missing[#missing + 1] = n
                end
              end
              if #missing > 0 then
                report { at = value_at(a), element = c.id,
                  message = format("the ranking leaves out %s", quote_list(missing)) }
              end
            end
          end
        end
      end
    end
  end,
}
