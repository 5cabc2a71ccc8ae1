-- Raw HTML in every kind of casebook text, for the tests of the tool
-- exports (tests/layers/argilla.sh): none of it may reach Argilla, Label
-- Studio or the judge files as HTML while unsafe_html is false. The
-- inputs carry <script>window.data=1</script>: data, shown as text.
title = "Raw HTML"
version = "1.0.0"
chapters = { "guide.md" }
unsafe_html = false
