// Command kvet builds every kustomize target of a GitOps repository and
// checks what it renders against strict schemas and Rego policies.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
