-- SPDX-License-Identifier: MIT
-- response-table: per-response answers that do not match the case's
-- responses.

local format = string.format
local quote_list, suggest, set = casebook.quote_list, casebook.suggest, casebook.set

-- Does the table have one row per response, in their order, each named?
-- Then there is nothing to report, and nearly every table is so.
local function one_row_each(rows, names)
  if #rows ~= #names then
    return false
  end
  for i = 1, #names do
    local n = names[i]
    if rows[i].name ~= n then
      return false
    end
  end
  return true
end

return {
  id = "response-table",
  severity = "error",
  summary = "A Response table does not match the case's responses, or a " ..
    "per-response question is answered outside it.",
  rationale = [[
Per-response answers (questions with "scope: response") come from the
first table in the case whose first header cell is Response: one row per
response name, one column per question; an empty cell means "not
answered", so a row whose cells are all empty is still a row. A row
naming a response the case does not have, or a response without a row,
means answers are attached to the wrong output or missing. A case with two or more responses must
answer its per-response questions in that table, not in the property
list.]],
  example = [[
## Case c1: ...   (responses A and B)

| Response | verdict |
|----------|---------|
| A        | good    |
| C        | bad     |   <- error: the Response table has a row for 'C',
                            which is not a response of case 'c1']],

  check = function(book, report)
    local cases = book.cases
    for ci = 1, #cases do
      local c = cases[ci]
      local tbl = c.responses_table
      local names = c.responses
      local rows = tbl and c.table_rows
      if tbl and not one_row_each(rows, names) then
        local known = set(names)
        -- a row whose cells are all empty is still a row: it answers nothing
        local has_row = {}
        for i = 1, #rows do
          has_row[rows[i].name] = true
        end
        -- the responses without a row, which a misspelt row most likely means
        local missing = {}
        for _, n in ipairs(names) do
          if not has_row[n] then
            missing[#missing + 1] = n
          end
        end
        local reported = {}
        for i = 1, #rows do
          local row = rows[i]
          local r = row.name
          if r == "" then
            report { at = row, element = c.id, message = "a row of the Response table has no response name" }
          elseif not known[r] and not reported[r] then
            reported[r] = true
            report {
              at = row,
              element = c.id,
              suggestion = suggest(r, missing),
              message = format("the Response table has a row for '%s', which is not a response of case '%s' (it has %s)",
                r, c.id, quote_list(names)),
            }
          end
        end
        for _, n in ipairs(missing) do
          report { at = tbl, element = c.id, message = format(
            "the Response table has no row for response '%s'", n) }
        end
      end
    end
    for _, q in ipairs(book.questions) do
      if q.scope == "response" then
        local answers = q.answers
        for i = 1, #answers do
          local a = answers[i]
          local c = a.case
          if a.response == nil and #c.responses >= 2 then
            report { at = a, element = c.id, message = format(
              "question '%s' is answered per response and case '%s' has %d responses: answer it in a Response table",
              q.id, c.id, #c.responses) }
          end
        end
      end
    end
  end,
}
