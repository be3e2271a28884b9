# METADATA
# title: Secrets
# description: Secret material must not be committed in plain text.
package kvet.secrets

import data.kvet.lib

# SOPS leaves its metadata under the top-level "sops" key and encrypts
# every value as ENC[...].
sops_encrypted if input.sops

sops_value(v) if startswith(v, "ENC[")

# template_value holds for a value that is a reference to a secret kept
# elsewhere, filled in by a tool at deploy time: not secret material.
template_value(v) if sops_value(v)

# argocd-vault-plugin placeholders: <path:vault/path#key> inline, or <key>
# with the avp.kubernetes.io/path annotation.
template_value(v) if contains(v, "<path:")

template_value(v) if {
	regex.match(`^\s*<[A-Za-z0-9_.|-]+>\s*$`, v)
	input.metadata.annotations["avp.kubernetes.io/path"]
}

# 1Password secret references (op inject, the 1Password operator):
# op://vault/item/[section/]field[?attribute=...]; names may hold spaces.
template_value(v) if regex.match(`^\s*op://[^/\r\n]+(/[^/\r\n?]+){2,3}(\?[^\r\n]*)?\s*$`, v)

# Flux postBuild variables (${VAR}), substituted from the cluster; kvet's
# stand-in for a value substituted from a SOPS-encrypted source.
template_value(v) if regex.match(`\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-=][^}]*)?\}`, v)

template_value(v) if v == "sops-encrypted"

# decoded is a data value as the application reads it (base64-decoded).
decoded("data", v) := base64.decode(v) if base64.is_valid(v)

decoded("stringData", v) := v

plain_keys contains sprintf("%s.%s", [field, k]) if {
	some field in ["data", "stringData"]
	some k, v in object.get(input, field, {})
	not template_value(v)
	not template_value(decoded(field, v))
}

# METADATA
# title: Secrets must not be committed in plain text
# description: >-
#   A v1 Secret rendered with data or stringData in clear (a committed
#   manifest or secretGenerator literals/files) leaks through git. SOPS-encrypted
#   Secrets pass, and so do values that are templates a tool fills in at deploy
#   time: argocd-vault-plugin <path:...> placeholders, 1Password op:// references,
#   Flux ${VAR} substitutions. Use a SealedSecret or ExternalSecret otherwise.
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
