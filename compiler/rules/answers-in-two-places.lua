-- SPDX-License-Identifier: MIT
-- answers-in-two-places: a second property list in the same element.

local format = string.format
local quote_list, where = casebook.quote_list, casebook.where

return {
  id = "answers-in-two-places",
  severity = "error",
  summary = "An element has a second property list.",
  rationale = [[
Only the first property list of an element is read. A second list of
`key: value` items that name questions or reserved keys would be
silently ignored (or contradict the first); put every property in one
list.]],
  example = [[
## Case c1: ...
- harm: safe

Some rationale.

- severity: 2   <- error: a second property list in case 'c1' ('severity')
                   is not read]],

  check = function(book, report)
    local lists = book.lists
    for i = 1, #lists do
      local l = lists[i]
      if l.issue == "second" then
        local e = l.owner
        local keys = {}
        for _, it in ipairs(l.items) do
          if it.key ~= nil and #keys < 3 then
            keys[#keys + 1] = it.key
          end
        end
        local first = e.props[1]
        report {
          at = l,
          message = format("a second property list in %s '%s' (%s) is not read%s; " ..
            "keep all properties in one list",
            e.kind, e.id, quote_list(keys),
            first and format(": the first one is at %s", where(first)) or ""),
        }
      end
    end
  end,
}
