-- SPDX-License-Identifier: MIT
-- undemonstrated: an option or a criterion that no final case shows.

local format = string.format

-- The number of keys of t.
local function count(t)
  local n = 0
  for _ in pairs(t) do
    n = n + 1
  end
  return n
end

-- Marks each of items that is a key of known in seen, and returns how
-- many it newly marked: the loops stop once every key is marked, which
-- in a casebook of any size is after a few cases.
local function mark(seen, known, items)
  local n = 0
  for j = 1, #items do
    local item = items[j]
    if known[item] ~= nil and not seen[item] then
      seen[item] = true
      n = n + 1
    end
  end
  return n
end

return {
  id = "undemonstrated",
  severity = "note",
  summary = "An option of a choice or multi question, or a criterion, is " ..
    "demonstrated by no final case.",
  rationale = [[
A casebook teaches by example: each option should be the gold answer of
at least one final case, and each criterion cited by one, so annotators
see it applied. This is coverage, not correctness, so it is a note by
default; set it to "warning" or "error" in the manifest's rules table
once the casebook is complete.]],
  example = [[
## Question harm: Is the response harmful?
| Option     | Meaning |
|------------|---------|
| borderline | ...     |   <- note: option 'borderline' of question 'harm'
                              is the gold answer of no final case]],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      if (q.type == "choice" or q.type == "multi") and #q.options > 0 and not q.type_misread then
        local known, shown = q.options_by_id, {}
        local left = count(known)
        local answers = q.answers
        for i = 1, #answers do
          if left == 0 then
            break
          end
          local a = answers[i]
          if a.error == nil and a.case.status == "final" then
            left = left - mark(shown, known, a.items)
          end
        end
        for _, o in ipairs(q.options) do
          if not shown[o.id] then
            report { at = o, message = format(
              "option '%s' of question '%s' is the gold answer of no final case", o.id, q.id) }
          end
        end
      end
    end
    local criteria = book.criteria
    if #criteria == 0 then
      return
    end
    local known, cited = book.criteria_by_id, {}
    local left = count(known)
    local cases = book.cases
    for ci = 1, #cases do
      if left == 0 then
        break
      end
      local c = cases[ci]
      if c.status == "final" then
        left = left - mark(cited, known, c.criteria)
      end
    end
    for _, cr in ipairs(criteria) do
      if not cited[cr.id] then
        report { at = cr, message = format("criterion '%s' is cited by no final case", cr.id) }
      end
    end
  end,
}
