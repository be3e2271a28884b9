package apivalidate

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const maxDataSize = 1 * 1024 * 1024

func validateDataKeys(c *collector, obj map[string]any, kind string) (keys map[string]string) {
	keys = map[string]string{}
	total := 0
	for _, field_ := range []string{"data", "binaryData", "stringData"} {
		m := getMap(obj, field_)
		p := field.NewPath(field_)
		for k, v := range m {
			for _, msg := range validation.IsConfigMapKey(k) {
				c.add(RuleInvalidDataKey, p.Key(k).String(), fmt.Sprintf("%s key %q: %s", kind, k, msg))
			}
			if prev, dup := keys[k]; dup && !(kind == "Secret" && (prev == "stringData" || field_ == "stringData")) {
				c.add(RuleInvalidDataKey, p.Key(k).String(), fmt.Sprintf("key %q is in both %s and %s", k, prev, field_))
			}
			keys[k] = field_
			if s, ok := v.(string); ok {
				total += len(s)
			}
		}
	}
	if total > maxDataSize {
		c.add(RuleInvalidValue, "data", fmt.Sprintf("%s data is %d bytes: it must be at most %d bytes", kind, total, maxDataSize))
	}
	return keys
}

func validateConfigMap(c *collector, obj map[string]any) {
	validateDataKeys(c, obj, "ConfigMap")
}

func validateSecret(c *collector, obj map[string]any) {
	keys := validateDataKeys(c, obj, "Secret")
	typ, _ := getString(obj, "type")
	need := func(k string) {
		if _, ok := keys[k]; !ok {
			c.add(RuleInvalidSecret, "data", fmt.Sprintf("a Secret of type %s needs the key %q", typ, k))
		}
	}
	switch typ {
	case "kubernetes.io/tls":
		need("tls.crt")
		need("tls.key")
	case "kubernetes.io/dockerconfigjson":
		need(".dockerconfigjson")
		validateSecretJSON(c, obj, ".dockerconfigjson")
	case "kubernetes.io/dockercfg":
		need(".dockercfg")
		validateSecretJSON(c, obj, ".dockercfg")
	case "kubernetes.io/basic-auth":
		_, u := keys["username"]
		_, pw := keys["password"]
		if !u && !pw {
			c.add(RuleInvalidSecret, "data", "a Secret of type kubernetes.io/basic-auth needs username or password")
		}
	case "kubernetes.io/ssh-auth":
		need("ssh-privatekey")
	case "kubernetes.io/service-account-token":
		if a := stringMap(getMap(obj, "metadata"), "annotations"); a["kubernetes.io/service-account.name"] == "" {
			c.add(RuleInvalidSecret, "metadata.annotations", "a Secret of type kubernetes.io/service-account-token needs the annotation kubernetes.io/service-account.name")
		}
	}
}

func validateSecretJSON(c *collector, obj map[string]any, key string) {
	var raw []byte
	if s, ok := getString(getMap(obj, "stringData"), key); ok {
		raw = []byte(s)
	} else if s, ok := getString(getMap(obj, "data"), key); ok {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return // the schema check reports bad base64
		}
		raw = b
	} else {
		return
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		c.add(RuleInvalidSecret, "data["+key+"]", fmt.Sprintf("%s must be valid JSON: %v", key, err))
	}
}
