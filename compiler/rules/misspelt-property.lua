-- SPDX-License-Identifier: MIT
-- misspelt-property: a list that would be an element's properties but for
-- a misspelt key, so it is read as prose and its values are lost.

local format = string.format
local byte, sub = string.byte, string.sub

-- One typo apart: one letter added, dropped or changed, or two adjacent
-- letters swapped. Looser matches would catch prose such as "- Note: …"
-- against a question named "tone".
local function one_typo(a, b)
  local la, lb = #a, #b
  if a == b or math.abs(la - lb) > 1 then
    return false
  end
  local i = 1
  while i <= la and i <= lb and byte(a, i) == byte(b, i) do
    i = i + 1
  end
  if la == lb then
    if sub(a, i + 1) == sub(b, i + 1) then
      return true -- changed
    end
    return byte(a, i) == byte(b, i + 1) and byte(a, i + 1) == byte(b, i)
      and sub(a, i + 2) == sub(b, i + 2) -- swapped
  elseif la > lb then
    return sub(a, i + 1) == sub(b, i) -- added
  else
    return sub(a, i) == sub(b, i + 1) -- dropped
  end
end

local function suggest(key, candidates)
  for _, c in ipairs(candidates) do
    if one_typo(key, c) then
      return c
    end
  end
  return nil
end

-- the reserved keys of each kind of element (model.c, the one list)
local reserved = casebook.property_keys

return {
  id = "misspelt-property",
  severity = "warning",
  summary = "A `key: value` list is read as prose because none of its keys is known, and one looks misspelt.",
  rationale = [[
A bullet list is an element's property list only when one of its keys
names a question or a reserved key; otherwise it is prose ("- Note: the
tone is off"). So a property list whose only key is misspelt, such as
"- tpye: scale 1-5" under a question, silently becomes prose and the
question keeps its defaults. This rule warns when a key of such a list
is one typo away (a letter added, dropped or changed, or two letters
swapped) from a property or a question id.]],
  example = [[
## Question helpfulness: How helpful is the reply?

- tpye: scale 1-5    <- warning: 'tpye' is not a property of question
                        'helpfulness', so this list is read as prose;
                        help: did you mean 'type'?]],

  check = function(book, report)
    local case_keys
    for _, l in ipairs(book.lists) do
      if l.issue == "unclaimed" then
        local kind = l.owner.kind
        local candidates = reserved[kind] or {}
        if kind == "case" then
          if not case_keys then
            case_keys = {}
            for i, q in ipairs(book.questions) do
              case_keys[i] = q.id
            end
            for _, k in ipairs(reserved.case) do
              case_keys[#case_keys + 1] = k
            end
          end
          candidates = case_keys
        end
        for _, it in ipairs(l.items) do
          local s = it.key and suggest(it.key, candidates)
          if s then
            -- a lost type changes what the question is: bad-property's
            -- checks and the exports keep quiet about the question
            local lost_type = kind == "question" and s == "type"
            report {
              at = it,
              severity = lost_type and "error" or nil,
              suggestion = s,
              message = kind == "case"
                and format("'%s' is no question or property of case '%s', so this list is " ..
                  "read as prose and its answers are lost", it.key, l.owner.id)
                or lost_type and format("'%s' is not a property of question '%s', so this list " ..
                  "is read as prose and the question is a choice question", it.key, l.owner.id)
                or format("'%s' is not a property of %s '%s', so this list is read as prose",
                  it.key, kind, l.owner.id),
            }
            break -- one warning a list
          end
        end
      end
    end
  end,
}
