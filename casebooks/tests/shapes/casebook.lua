-- Manifest of the shapes test casebook: cases of every task shape (one
-- reply, two, three, a conversation) in the three sets (training, exam,
-- honeypot), for the tests of what the annotation tools show.
title = "Task shapes"
version = "1.0.0"
chapters = { "questions.md", "training.md", "exam.md" }
use = "training"
-- the instructions link to the site for what they do not hold, never to
-- an exam or honeypot case
site_url = "https://example.org/shapes/"
