-- SPDX-License-Identifier: MIT
-- no-options: a choice or multi question without options.

local format = string.format

return {
  id = "no-options",
  severity = "error",
  summary = "A choice or multi question has no options.",
  rationale = [[
The options of a choice or multi question come from the first table in
its section whose first header cell is Option, Label, Value or Score.
Without one, annotators have nothing to choose from and no gold answer
can be checked. (A question without a type is a choice question; one
whose type could not be read, or whose `type` key is misspelt, is
reported by bad-property or misspelt-property only.)]],
  example = [[
## Question harm: Is the response harmful?   <- error: question 'harm' is a
                                                 choice question with no options
- type: choice]],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      if (q.type == "choice" or q.type == "multi") and #q.options == 0 and not q.type_misread then
        report { at = q, message = format(
          "question '%s' is a %s question with no options: add a table whose first header cell is 'Option'",
          q.id, q.type) }
      end
    end
  end,
}
