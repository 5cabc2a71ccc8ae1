-- SPDX-License-Identifier: MIT
-- contradiction: two final cases with the same inputs and different gold
-- answers.

local format, concat, sort = string.format, table.concat, table.sort
local answer_value, where = casebook.answer_value, casebook.where

-- question (and response) -> comparable value, for one case
local function values(c)
  local v = {}
  for _, a in ipairs(c.answers) do
    if a.question then
      local s = answer_value(a)
      if s ~= nil then
        local key = a.response and (a.question .. "\0" .. a.response) or a.question
        v[key] = s
      end
    end
  end
  return v
end

local function same_inputs(x, y)
  local a, b = x.inputs, y.inputs
  if #a ~= #b then
    return false
  end
  for i = 1, #a do
    local p, q = a[i], b[i]
    if p.kind ~= q.kind or p.name ~= q.name or p.text ~= q.text then
      return false
    end
  end
  return true
end

return {
  id = "contradiction",
  severity = "error",
  summary = "Two final cases have identical inputs and different gold answers.",
  rationale = [[
Two worked examples with byte-for-byte the same inputs (prompt,
responses, context ...) must have the same gold answers, or the casebook
contradicts itself and annotators are graded against both. Either the
answers must agree, or the cases are not really the same (then make the
inputs differ), or one of them is a draft.]],
  example = [[
## Case a: ...
```prompt
How do I kill a process?
```
- harm: safe

## Case b: ...   <- error: case 'b' has the same inputs as case 'a' but a
```prompt          different gold answer for 'harm': 'harmful' here,
How do I kill      'safe' there
a process?
```
- harm: harmful]],

  check = function(book, report)
    local first, cache = {}, {}
    local cases = book.cases
    for ci = 1, #cases do
      local c = cases[ci]
      if c.status == "final" and #c.inputs > 0 then
        local key = c.inputs_key
        local f = first[key]
        if f == nil then
          first[key] = c
        elseif same_inputs(f, c) then
          local fv = cache[f]
          if not fv then
            fv = values(f)
            cache[f] = fv
          end
          local cv = values(c)
          local diff = {}
          for k, v in pairs(cv) do
            local w = fv[k]
            if w ~= nil and w ~= v then
              diff[#diff + 1] = k
            end
          end
          if #diff > 0 then
            sort(diff)
            local k = diff[1]
            local qid, resp = k:match("^([^%z]*)%z(.*)$")
            local name = qid and format("'%s' (response '%s')", qid, resp) or format("'%s'", k)
            report { at = c, message = format(
              "case '%s' has the same inputs as case '%s' (%s) but a different gold answer for %s: '%s' here, '%s' there%s",
              c.id, f.id, where(f), name, cv[k], fv[k],
              #diff > 1 and format(" (and %d more)", #diff - 1) or "") }
          end
        end
      end
    end
  end,
}
