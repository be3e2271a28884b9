package conflict

x := 1 if input.kind == "Service"

x := 2 if input.kind == "Service"

deny contains "never" if x == 3
