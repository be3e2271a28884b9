// Command kvet builds every kustomize target of a GitOps repository and
// checks what it renders against strict schemas and Rego policies.
package main

import (
	"os"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
)

func main() {
	os.Exit(cli.Process(os.Args[1:]))
}
