title = "A manifest that fails"
error("this manifest fails on purpose")
