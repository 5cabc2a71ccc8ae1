title = "A manifest that reaches for the system"
os.execute("touch /tmp/casebook-manifest-os-ran")
