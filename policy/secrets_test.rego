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
