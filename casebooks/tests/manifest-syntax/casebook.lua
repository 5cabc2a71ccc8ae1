title = "A manifest with a syntax error"
version = "1.0.0
chapters = { "book.md" }
