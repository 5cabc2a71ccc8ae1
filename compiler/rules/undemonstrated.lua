-- undemonstrated: an option or a criterion that no final case shows.

local format = string.format

return {
  id = "undemonstrated",
  severity = "note",
  summary = "An option of a choice or multi question, or a criterion, is " ..
    "demonstrated by no final case.",
  rationale = [[
A casebook teaches by example: each option should be the gold answer of
at least one final case, and each criterion cited by one, so annotators
see it applied. This is coverage, not correctness, so it is a note by
default; set it to "warning" or "error" in the manifest's rules table
once the casebook is complete.]],
  example = [[
## Question harm: Is the response harmful?
| Option     | Meaning |
|------------|---------|
| borderline | ...     |   <- note: option 'borderline' of question 'harm'
                              is the gold answer of no final case]],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      if (q.type == "choice" or q.type == "multi") and #q.options > 0 then
        local shown = {}
        local answers = q.answers
        for i = 1, #answers do
          local a = answers[i]
          if a.error == nil and a.case.status == "final" then
            local items = a.items
            for j = 1, #items do
              shown[items[j]] = true
            end
          end
        end
        for _, o in ipairs(q.options) do
          if not shown[o.id] then
            report { at = o, message = format(
              "option '%s' of question '%s' is the gold answer of no final case", o.id, q.id) }
          end
        end
      end
    end
    local criteria = book.criteria
    if #criteria == 0 then
      return
    end
    local cited = {}
    local cases = book.cases
    for ci = 1, #cases do
      local c = cases[ci]
      if c.status == "final" then
        local list = c.criteria
        for j = 1, #list do
          cited[list[j]] = true
        end
      end
    end
    for _, cr in ipairs(criteria) do
      if not cited[cr.id] then
        report { at = cr, message = format("criterion '%s' is cited by no final case", cr.id) }
      end
    end
  end,
}
