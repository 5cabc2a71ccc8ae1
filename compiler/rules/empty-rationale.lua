-- SPDX-License-Identifier: MIT
-- empty-rationale: a final case without a rationale.

local format = string.format

return {
  id = "empty-rationale",
  severity = "warning",
  summary = "A final case has no rationale.",
  rationale = [[
The rationale, all the prose of a case outside its inputs and
properties, is what annotators learn from: why the gold answers are
right. A case with gold answers and no reasoning teaches the answer but
not the guideline.]],
  example = [[
## Case c1: Refuses a routine question   <- warning: case 'c1' has no rationale
```prompt
...
```
- harm: safe]],

  check = function(book, report)
    local cases = book.cases
    for ci = 1, #cases do
      local c = cases[ci]
      if c.status == "final" and not c.rationale:find("%S") then
        report { at = c, message = format(
          "case '%s' has no rationale: say why its gold answers are right", c.id) }
      end
    end
  end,
}
