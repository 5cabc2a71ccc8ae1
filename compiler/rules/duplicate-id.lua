-- SPDX-License-Identifier: MIT
-- duplicate-id: two elements of one kind with the same id.

local format, lower = string.format, string.lower
local where = casebook.where

local function check_kind(list, what, report)
  local first, folded = {}, {}
  for i = 1, #list do
    local e = list[i]
    local id = e.id
    local f = first[id]
    if f then
      report { at = e, message = format("duplicate %s id '%s' (first defined at %s)",
        what, id, where(f)) }
    else
      first[id] = e
      local key = lower(id)
      local g = folded[key]
      if g then
        report { at = e, severity = "warning", message = format(
          "%s id '%s' differs only in case from '%s' (defined at %s)", what, id, g.id, where(g)) }
      else
        folded[key] = e
      end
    end
  end
end

return {
  id = "duplicate-id",
  severity = "error",
  summary = "Two questions, criteria or cases have the same id.",
  rationale = [[
Ids are the contract between versions and with annotation tools: links,
exports, grading and diffs all find an element by its id, which must be
unique among the elements of its kind in the whole project. Two ids that
differ only in case are legal but confusing (a warning).]],
  example = [[
## Case refusal-01: ...
...
## Case refusal-01: ...   <- error: duplicate case id 'refusal-01'
                             (first defined at cases.md:12:1)]],

  check = function(book, report)
    check_kind(book.questions, "question", report)
    check_kind(book.criteria, "criterion", report)
    check_kind(book.cases, "case", report)
  end,
}
