-- The manifest of this casebook project. It only assigns data.
title = "Response quality guideline"
version = "0.1.0"

-- Chapters in reading order (paths or globs); other *.md files follow.
chapters = { "guideline.md", "cases.md" }

-- Rule severities: "error", "warning", "note" or "off".
-- See `casebook rules` for the list.
rules = {
  ["empty-rationale"] = "error",
}
