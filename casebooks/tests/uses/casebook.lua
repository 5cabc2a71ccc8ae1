-- Manifest of the uses test casebook: 'use' and 'min-replies' values that
-- are wrong, each reported where it is written (tests/cli/check-uses).
title = "Uses"
chapters = { "book.md", "exam.md" }
