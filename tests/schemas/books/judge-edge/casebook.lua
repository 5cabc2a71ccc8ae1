title = "Judge export edge cases"
version = "0.3.0"
