-- SPDX-License-Identifier: MIT
-- mixed-property-list: a list mixes `key: value` items with other items.

local format = string.format
local quote_list = casebook.quote_list

local function shorten(s)
  s = s:gsub("%s+", " ")
  if #s > 40 then
    s = s:sub(1, 37) .. "..."
  end
  return s
end

return {
  id = "mixed-property-list",
  severity = "error",
  summary = "A bullet list mixes `key: value` properties with other items.",
  rationale = [[
An element's property list is a bullet list whose every item is
`key: value`. A list in which some items name a question or a reserved
key and others are prose is not read as properties, so the answers in it
would be silently ignored: the worst failure a casebook can have. Split
the prose from the properties.]],
  example = [[
## Case c1: ...
- harm: safe
- The response is polite.   <- error: this list in case 'c1' mixes
                               properties ('harm') with other items]],

  check = function(book, report)
    local lists = book.lists
    for i = 1, #lists do
      local l = lists[i]
      if l.issue == "mixed" then
        local keys, other = {}, nil
        for _, it in ipairs(l.items) do
          if it.key ~= nil then
            if #keys < 3 then
              keys[#keys + 1] = it.key
            end
          elseif other == nil then
            other = it.text
          end
        end
        report {
          at = l,
          message = format("this list in %s '%s' mixes properties (%s) with other items, " ..
            "so none of it is read: '%s' is not `key: value`",
            l.owner.kind, l.owner.id, quote_list(keys), shorten(other or "")),
        }
      end
    end
  end,
}
