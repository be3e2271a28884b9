package kvet.secrets_test

import data.kvet.secrets

secret(extra) := object.union({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"}}, extra)

test_plain_secret if {
	r := secrets.deny_plain_secret with input as secret({"data": {"password": "aHVudGVyMg=="}, "stringData": {"user": "app"}})
	r == {{"msg": "Secret db holds plain-text values (data.password, stringData.user)", "path": "data.password"}}
}

test_sops_secret_passes if {
	count(secrets.deny_plain_secret) == 0 with input as secret({"data": {"password": "ENC[AES256_GCM,data:abc]"}, "sops": {"version": "3.9.0"}})
	count(secrets.deny_plain_secret) == 0 with input as secret({"stringData": {"password": "ENC[AES256_GCM,data:abc]"}})
}

test_empty_secret_passes if {
	count(secrets.deny_plain_secret) == 0 with input as secret({"type": "kubernetes.io/service-account-token"})
}

test_template_values_pass if {
	# argocd-vault-plugin, inline and with the path annotation
	count(secrets.deny_plain_secret) == 0 with input as secret({"stringData": {"password": "<path:secret/data/db#password>"}})
	avp := secret({"metadata": {"annotations": {"avp.kubernetes.io/path": "secret/data/db"}}, "stringData": {"password": "<password>"}})
	count(secrets.deny_plain_secret) == 0 with input as avp

	# 1Password references, also base64-encoded under data
	count(secrets.deny_plain_secret) == 0 with input as secret({"stringData": {"token": "op://vault/item/token"}})
	count(secrets.deny_plain_secret) == 0 with input as secret({"stringData": {"creds": "op://Automation/1password connect/credentials"}})
	count(secrets.deny_plain_secret) == 0 with input as secret({"stringData": {"key": "op://dev/ssh/private key?ssh-format=openssh"}})
	count(secrets.deny_plain_secret) == 0 with input as secret({"data": {"token": base64.encode("op://vault/item/token")}})

	# Flux postBuild variables
	count(secrets.deny_plain_secret) == 0 with input as secret({"stringData": {"url": "postgres://app:${DB_PASSWORD}@db/app"}})
}

test_template_lookalikes_are_plain if {
	# <password> without the plugin's annotation is a literal
	count(secrets.deny_plain_secret) == 1 with input as secret({"stringData": {"password": "<password>"}})

	# a real value next to a reference is still a leak
	r := secrets.deny_plain_secret with input as secret({"stringData": {"token": "op://vault/item/token", "password": "hunter2"}})
	r == {{"msg": "Secret db holds plain-text values (stringData.password)", "path": "stringData.password"}}
	count(secrets.deny_plain_secret) == 1 with input as secret({"stringData": {"price": "$5"}})
	count(secrets.deny_plain_secret) == 1 with input as secret({"stringData": {"note": "see op://vault"}})
}
