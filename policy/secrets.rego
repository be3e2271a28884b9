# METADATA
# title: Secrets
# description: Secret material must not be committed in plain text.
package kvet.secrets

import data.kvet.lib

# SOPS leaves its metadata under the top-level "sops" key and encrypts
# every value as ENC[...].
sops_encrypted if input.sops

sops_value(v) if startswith(v, "ENC[")

plain_keys contains sprintf("%s.%s", [field, k]) if {
	some field in ["data", "stringData"]
	some k, v in object.get(input, field, {})
	not sops_value(v)
}

# METADATA
# title: Secrets must not be committed in plain text
# description: >-
#   A v1 Secret rendered with data or stringData in clear (a committed
#   manifest or secretGenerator literals/files) leaks through git. SOPS-encrypted
#   Secrets pass; use a SealedSecret or ExternalSecret otherwise.
# custom:
#   id: plain-secret
#   severity: error
#   remediation: encrypt the Secret with SOPS, or replace it with a SealedSecret or ExternalSecret (and drop secretGenerator literals)
deny_plain_secret contains lib.finding(
	sprintf("Secret %s holds plain-text values (%s)", [input.metadata.name, concat(", ", sort(plain_keys))]),
	sort(plain_keys)[0],
) if {
	input.apiVersion == "v1"
	input.kind == "Secret"
	not sops_encrypted
	count(plain_keys) > 0
}
