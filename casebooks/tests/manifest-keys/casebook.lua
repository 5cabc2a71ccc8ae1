titel = "A misspelt key"
version = "1.0.0"
colour = "blue"
rules = { ["no-such-rule"] = "error" }
