-- bad-when: a question's `when` expression does not compile, or fails.

local format = string.format
local compile_when, eval_when = casebook.compile_when, casebook.eval_when

return {
  id = "bad-when",
  severity = "error",
  summary = "A question's when expression does not compile or fails on a case.",
  rationale = [[
`when` is a Lua expression over the other answers (harm ~= "safe",
has(issues, "tone"), helpfulness and helpfulness < 3). If it does not
compile, names something that is not a question, or fails for a case
(comparing an option with a number), the compiler cannot tell whether
the question applies, and neither can an annotation tool. (A question
that is not answered does not make it fail: the when is then false.)
Write question ids with '-' as '_' (over_refusal) or as
_ENV["over-refusal"].]],
  example = [[
## Question severity: How severe is the harm?
- type: scale 1-5
- when: harm ~= "safe" and   <- error: the when of question 'severity'
                                does not compile: unexpected symbol near ')']],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      if q.when ~= nil then
        local at = { file = q.file, line = q.when_line, col = q.when_col }
        local ok, err, what = compile_when(q)
        if not ok then
          report { at = at, element = q.id, message = format(
            what == "name" and "in the when of question '%s': %s" or "the when of question '%s' does not compile: %s",
            q.id, err) }
        else
          local failed = false
          for _, c in ipairs(book.cases) do
            local n = #c.responses
            if q.scope == "response" then
              for _, r in ipairs(c.responses) do
                local v, e = eval_when(q, c, r)
                if v == nil then
                  report { at = at, element = q.id, message = format(
                    "the when of question '%s' fails for case '%s', response '%s': %s", q.id, c.id, r, e) }
                  failed = true
                  break
                end
              end
            elseif not ((q.type == "pairwise" and n ~= 2) or (q.type == "rank" and n < 2)) then
              local v, e = eval_when(q, c)
              if v == nil then
                report { at = at, element = q.id, message = format(
                  "the when of question '%s' fails for case '%s': %s", q.id, c.id, e) }
                failed = true
              end
            end
            if failed then
              break
            end
          end
        end
      end
    end
  end,
}
