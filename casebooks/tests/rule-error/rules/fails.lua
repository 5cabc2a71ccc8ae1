-- A project rule that raises an error: it must become a diagnostic at
-- the line of the error, and the other rules must still run.
return {
  id = "fails",
  severity = "warning",
  summary = "Fails on every book.",
  check = function(book, report)
    local first = book.cases[1]
    error("this rule fails on purpose at case " .. first.id)
  end,
}
