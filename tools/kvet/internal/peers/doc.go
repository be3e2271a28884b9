// Package peers holds kvet's conformance tests against the acceptance
// fixtures of peer tools (kubeconform, kube-score), read from their Go
// modules in the module cache, never copied into this repository. See
// docs/conformance.md for the suites, the agreement figures and every
// explained difference.
package peers
