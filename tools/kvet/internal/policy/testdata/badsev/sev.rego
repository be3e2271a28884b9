# METADATA
# custom:
#   id: x
#   severity: fatal
package badsev

deny contains "x" if input.kind == "Pod"
