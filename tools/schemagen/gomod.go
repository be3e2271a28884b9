package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
)

// moduleZip is the content of one module version, read from the zip file
// that the go command downloaded and verified against go.sum and the
// checksum database.
type moduleZip struct {
	fs.FS
	zr *zip.ReadCloser
}

func (m *moduleZip) Close() error { return m.zr.Close() }

// openModule fetches module@version through the Go module proxy, or finds it
// in the module cache (which is what makes offline regeneration work), and
// opens its files.
//
// The zip is read rather than the extracted directory because the go command
// extracts nothing for a module whose go.mod asks for a newer Go than the
// pinned toolchain (Argo CD v3.6 and Flux's newest controllers declare go
// 1.27): it still downloads and checksums the zip, then reports "requires go
// >= ...". That check protects builds; schemagen only reads manifests.
func openModule(ctx context.Context, module, version string) (*moduleZip, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module+"@"+version)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	runErr := cmd.Run()

	// With -json, failures are reported in the Error field along with a
	// non-zero exit status, so decode before looking at runErr.
	var info struct {
		Zip   string
		Sum   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		return nil, fmt.Errorf("go mod download %s@%s: %w (%v, stderr: %s)", module, version, err, runErr, bytes.TrimSpace(stderr.Bytes()))
	}
	if info.Error != "" && !strings.Contains(info.Error, " requires go >= ") {
		return nil, fmt.Errorf("go mod download %s@%s: %s", module, version, info.Error)
	}
	if info.Error == "" && runErr != nil {
		return nil, fmt.Errorf("go mod download %s@%s: %w (stderr: %s)", module, version, runErr, bytes.TrimSpace(stderr.Bytes()))
	}
	if info.Zip == "" || info.Sum == "" {
		return nil, fmt.Errorf("go mod download %s@%s: no verified zip reported (%s)", module, version, info.Error)
	}

	zr, err := zip.OpenReader(info.Zip)
	if err != nil {
		return nil, fmt.Errorf("open module zip of %s@%s: %w", module, version, err)
	}
	// Every file of a module zip sits under "module@version/".
	sub, err := fs.Sub(zr, module+"@"+version)
	if err != nil {
		zr.Close()
		return nil, fmt.Errorf("module zip of %s@%s: %w", module, version, err)
	}
	return &moduleZip{FS: sub, zr: zr}, nil
}
