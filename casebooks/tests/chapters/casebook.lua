title = "Chapters listed in the manifest"
chapters = {
  "intro.md",
  "missing.md",
}
