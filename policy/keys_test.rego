package kvet.keys_test

import data.kvet.fixtures as fx
import data.kvet.keys

inv(objs) := fx.inventory(objs)

config_map(name, d) := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "shop"}, "data": d}

secret(name, d) := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "shop"}, "data": d}

env_from(field, name, key, extra) := fx.spec_patched({"containers": [object.union(fx.container, {"env": [{"name": "VALUE", "valueFrom": {field: object.union({"name": name, "key": key}, extra)}}]})]})

volume(field, ref) := fx.spec_patched({"volumes": [{"name": "files", field: ref}]})

env_path(field) := sprintf("spec.template.spec.containers[app].env[VALUE].valueFrom.%s.key", [field])

test_env_key_refs if {
	cm := config_map("settings", {"LOG_LEVEL": "info"})
	count(keys.deny_missing_key) == 0 with input as env_from("configMapKeyRef", "settings", "LOG_LEVEL", {}) with data.kvet.inventory as inv([cm])

	bad := keys.deny_missing_key with input as env_from("configMapKeyRef", "settings", "LOG_LEVL", {}) with data.kvet.inventory as inv([cm])
	bad == {{"msg": "reads key \"LOG_LEVL\" of ConfigMap settings in namespace \"shop\", which holds no such key (it holds LOG_LEVEL)", "path": env_path("configMapKeyRef")}}

	# optional references are no defect
	count(keys.deny_missing_key) == 0 with input as env_from("configMapKeyRef", "settings", "LOG_LEVL", {"optional": true}) with data.kvet.inventory as inv([cm])

	# an object the repository does not define is not checked (missing-reference reports it)
	count(keys.deny_missing_key) == 0 with input as env_from("secretKeyRef", "db", "password", {}) with data.kvet.inventory as inv([])

	# SOPS keeps key names in clear text; stringData counts
	sops := secret("db", {"username": "ENC[AES256_GCM,data:x,type:str]"})
	s := keys.deny_missing_key with input as env_from("secretKeyRef", "db", "password", {}) with data.kvet.inventory as inv([sops])
	count(s) == 1
	string_data := object.union(secret("db", {}), {"stringData": {"password": "x"}})
	count(keys.deny_missing_key) == 0 with input as env_from("secretKeyRef", "db", "password", {}) with data.kvet.inventory as inv([string_data])

	# the cluster view keeps keys (values emptied) of other targets' objects
	count(keys.deny_missing_key) == 0 with input as env_from("configMapKeyRef", "settings", "LOG_LEVEL", {}) with data.kvet.inventory as inv([])
		with data.kvet.cluster as inv([config_map("settings", {"LOG_LEVEL": ""})])
}

test_volume_items if {
	cm := config_map("settings", {"app.yaml": "x"})
	ok := volume("configMap", {"name": "settings", "items": [{"key": "app.yaml", "path": "app.yaml"}]})
	count(keys.deny_missing_key) == 0 with input as ok with data.kvet.inventory as inv([cm])

	bad := volume("configMap", {"name": "settings", "items": [{"key": "app.yaml", "path": "a"}, {"key": "app.yml", "path": "b"}]})
	r := keys.deny_missing_key with input as bad with data.kvet.inventory as inv([cm])
	[f] := [f | some f in r]
	f.path == "spec.template.spec.volumes[files].configMap.items[1].key"

	sec := volume("secret", {"secretName": "tls", "items": [{"key": "tls.pem", "path": "tls.pem"}]})
	t := keys.deny_missing_key with input as sec with data.kvet.inventory as inv([secret("tls", {"tls.crt": "eA==", "tls.key": "eA=="})])
	[g] := [g | some g in t]
	g.path == "spec.template.spec.volumes[files].secret.items[0].key"

	projected := volume("projected", {"sources": [{"configMap": {"name": "settings", "items": [{"key": "other", "path": "o"}]}}]})
	p := keys.deny_missing_key with input as projected with data.kvet.inventory as inv([cm])
	[h] := [h | some h in p]
	h.path == "spec.template.spec.volumes[files].projected.sources[0].configMap.items[0].key"
}

test_produced_secrets if {
	sealed := {
		"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": {"name": "db", "namespace": "shop"},
		"spec": {"encryptedData": {"password": "AgB="}, "template": {"data": {"url": "postgres://{{ .password }}"}}},
	}
	count(keys.deny_missing_key) == 0 with input as env_from("secretKeyRef", "db", "url", {}) with data.kvet.inventory as inv([sealed])
	s := keys.deny_missing_key with input as env_from("secretKeyRef", "db", "pasword", {}) with data.kvet.inventory as inv([sealed])
	count(s) == 1

	external := {
		"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "db-es", "namespace": "shop"},
		"spec": {"target": {"name": "db"}, "data": [{"secretKey": "password", "remoteRef": {"key": "db"}}]},
	}
	count(keys.deny_missing_key) == 0 with input as env_from("secretKeyRef", "db", "password", {}) with data.kvet.inventory as inv([external])
	e := keys.deny_missing_key with input as env_from("secretKeyRef", "db", "user", {}) with data.kvet.inventory as inv([external])
	count(e) == 1

	# dataFrom brings keys kvet cannot know
	extract := json.patch(external, [{"op": "add", "path": "/spec/dataFrom", "value": [{"extract": {"key": "db"}}]}])
	count(keys.deny_missing_key) == 0 with input as env_from("secretKeyRef", "db", "user", {}) with data.kvet.inventory as inv([extract])
}

test_incomplete_objects_are_not_checked if {
	reflected := object.union(config_map("settings", {}), {"metadata": {"annotations": {"reflector.v1.k8s.emberstack.com/reflects": "base/settings"}}})
	count(keys.deny_missing_key) == 0 with input as env_from("configMapKeyRef", "settings", "LOG_LEVEL", {}) with data.kvet.inventory as inv([reflected])

	token := object.union(secret("token", {}), {"type": "kubernetes.io/service-account-token"})
	count(keys.deny_missing_key) == 0 with input as env_from("secretKeyRef", "token", "token", {}) with data.kvet.inventory as inv([token])

	# a cert-manager Certificate writes the Secret too
	cert := {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "tls", "namespace": "shop"}, "spec": {"secretName": "tls"}}
	count(keys.deny_missing_key) == 0 with input as env_from("secretKeyRef", "tls", "ca.crt", {}) with data.kvet.inventory as inv([cert, secret("tls", {"tls.crt": "eA=="})])
}
