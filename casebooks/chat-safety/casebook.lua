-- Manifest of the chat-safety casebook. Plain data: the compiler runs it
-- in a sandbox and reads the variables below.

title = "Chat Safety: Harmlessness and Helpfulness"
version = "1.0.0"

-- Reading order of the annotator site. The guidance chapters come first,
-- then the worked examples.
chapters = {
  "overview.md",
  "harm.md",
  "helpfulness.md",
  "comparisons.md",
  "multi-turn.md",
  "cases-harm.md",
  "cases-helpfulness.md",
}
