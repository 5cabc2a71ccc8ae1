title = "Strings casebook checks"
language = "ko"
strings = {
  search_label = "Find a rule",
  serach_placeholder = "Find",
  all_cases = 42,
}
