-- The XSS casebook: hostile text everywhere the site shows text.
title = "XSS test <script>window.__casebookCanary=1</script> casebook"
version = "1.0.0\"><img src=x onerror=alert(1)>"
