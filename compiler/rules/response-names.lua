-- SPDX-License-Identifier: MIT
-- response-names: the responses of a case with several must each have a
-- name of their own, or answers cannot say which one they mean.

local format = string.format

-- Are a few response names all given and distinct? c.responses lists them
-- in the order of the inputs, so only a case where they are not (or with
-- many responses) needs its inputs read.
local function plainly_named(names)
  if not casebook.few_distinct(names, 8) then
    return false
  end
  for i = 1, #names do
    if names[i] == "" then
      return false
    end
  end
  return true
end

return {
  id = "response-names",
  severity = "error",
  summary = "A case with several responses leaves one unnamed, or names two alike.",
  rationale = [[
Per-response answers, rankings and preferences refer to responses by the
name after the fence's `response` word (```response A). A case with a
single response may leave it unnamed; with two or more, an unnamed or a
repeated name makes every answer about them ambiguous.]],
  example = [[
## Case c1: ...

```response
First reply.
```

```response        <- error: case 'c1' has 2 responses, so each needs a
Second reply.         name of its own: ```response A, ```response B
```]],

  check = function(book, report)
    local cases = book.cases
    for ci = 1, #cases do
      local c = cases[ci]
      local names = c.responses
      if #names > 1 and not plainly_named(names) then
        local responses = {}
        for _, input in ipairs(c.inputs) do
          if input.kind == "response" then
            responses[#responses + 1] = input
          end
        end
        local seen = {}
        for _, r in ipairs(responses) do
          if r.name == "" then
            local fence = r.fence -- the help is written as the file writes
            report { at = r, element = c.id, message = format(
              "case '%s' has %d responses, so each needs a name of its own: " ..
              "%sresponse A, %sresponse B", c.id, #responses, fence, fence) }
          elseif seen[r.name] then
            report { at = r, element = c.id, message = format(
              "case '%s' has two responses named '%s' (the first at line %d)",
              c.id, r.name, seen[r.name].line) }
          else
            seen[r.name] = r
          end
        end
      end
    end
  end,
}
