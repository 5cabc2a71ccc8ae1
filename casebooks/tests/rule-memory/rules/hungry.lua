-- A project rule that allocates without end: the memory cap must stop
-- it and report it, without taking the compiler down.
return {
  id = "hungry",
  severity = "warning",
  summary = "Allocates until stopped.",
  check = function(book, report)
    local chunks = {}
    local block = string.rep("x", 1024 * 1024)
    while true do
      chunks[#chunks + 1] = block .. #chunks
    end
  end,
}
