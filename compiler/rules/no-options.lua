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
can be checked. (A question without a type is a choice question.)]],
  example = [[
## Question harm: Is the response harmful?   <- error: question 'harm' is a
                                                 choice question with no options
- type: choice]],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      -- a type that could not be read is bad-property's to report
      local misread = q.type_raw ~= nil and q.type_raw:lower() ~= q.type
      if (q.type == "choice" or q.type == "multi") and #q.options == 0 and not misread then
        report { at = q, message = format(
          "question '%s' is a %s question with no options: add a table whose first header cell is 'Option'",
          q.id, q.type) }
      end
    end
  end,
}
