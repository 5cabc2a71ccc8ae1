-- SPDX-License-Identifier: MIT
-- unknown-question: a case answers a question that does not exist.

local format = string.format
local suggest, ids = casebook.suggest, casebook.ids

return {
  id = "unknown-question",
  severity = "error",
  summary = "A case gives an answer to a question that does not exist.",
  rationale = [[
Every key of a case's property list that is not a reserved key (criteria,
tags, status, source) is the gold answer to the question of that id, and
every column of a Response table names a question. A key that names no
question is a gold answer that no export and no annotator will ever see:
usually a typo or a question that was renamed. It is an error so that no
answer is silently dropped.]],
  example = [[
## Question harm: Is the response harmful?
...
## Case refusal-01: Refuses a routine question

- hram: safe      <- error: 'hram' is not a question, so this answer is not read
                     help: did you mean 'harm'?]],

  check = function(book, report)
    local unknown = book.unknown_answers
    if #unknown == 0 then
      return
    end
    local question_ids = ids(book.questions)
    local seen = {}
    for i = 1, #unknown do
      local a = unknown[i]
      if a.key ~= "" then
        -- a Response table column gives one answer per row: report it once
        local at = format("%s:%d:%d", a.file, a.line, a.col)
        if not seen[at] then
          seen[at] = true
          local s = suggest(a.key, question_ids)
          local msg
          if a.response ~= nil then
            msg = format("column '%s' of the Response table is not a question", a.key)
          else
            msg = format("'%s' is not a question, so this answer is not read", a.key)
          end
          report { at = a, element = a.case.id, message = msg, suggestion = s }
        end
      end
    end
  end,
}
