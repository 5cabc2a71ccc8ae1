-- A project rule that never returns: the instruction budget must stop it,
-- report it at this file, and let the other rules run.
return {
  id = "forever",
  severity = "warning",
  summary = "Loops without end.",
  check = function(book, report)
    local n = 0
    while true do
      n = n + 1
    end
  end,
}
