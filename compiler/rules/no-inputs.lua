-- SPDX-License-Identifier: MIT
-- no-inputs: a case without inputs.

local format = string.format

return {
  id = "no-inputs",
  severity = "warning",
  summary = "A case has no inputs.",
  rationale = [[
A case's inputs are its fenced code blocks whose info string names an
input kind (prompt, response, response A, system, context, user,
assistant). A case without any shows annotators a verdict on nothing,
and exports a task with nothing to annotate. A fenced block with another
info string (```text) is ordinary code in the rationale.]],
  example = [[
## Case c1: A greeting   <- warning: case 'c1' has no inputs
- harm: safe]],

  check = function(book, report)
    local cases = book.cases
    for ci = 1, #cases do
      local c = cases[ci]
      if #c.inputs == 0 then
        report { at = c, message = format(
          "case '%s' has no inputs: add a fenced block such as %sprompt", c.id,
          casebook.fence_of(book, c)) }
      end
    end
  end,
}
