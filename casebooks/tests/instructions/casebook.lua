-- Manifest of the instructions test casebook: links of every kind from
-- the guideline, for the tests of label-studio/instructions.html
-- (tests/layers/instructions.sh adds site_url to a copy).
title = "Links out of the guideline"
version = "1.0.0"
chapters = { "guide.md", "more.md" }
