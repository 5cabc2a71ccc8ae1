title = "Values casebook checks"
site_url = "javascript:alert(1)"
language = "en_US"
use = "exma"
