package broken

deny contains msg if {
	msg := undefined_function(1)
}
