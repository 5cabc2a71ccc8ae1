title = "A manifest that never ends"
while true do end
