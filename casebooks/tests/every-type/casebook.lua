-- Manifest of the every-type test casebook: one question of every type,
-- per-response questions, conditions and conversations, for the tests of
-- the tool exports (Label Studio, Argilla).
title = "Every question type"
version = "0.3.0"
chapters = { "questions.md", "cases.md" }
