//go:build linux

package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
)

// openPTY opens a pseudo-terminal: what kvet writes to tty, a test reads
// from pty. The line is drawn only when stderr is a terminal, so this is
// the terminal a person would have.
func openPTY(t *testing.T) (pty, tty *os.File) {
	t.Helper()
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { pty.Close() })
	fd := int(pty.Fd())
	require.NoError(t, unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0), "unlockpt")
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	require.NoError(t, err, "ptsname")
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	return pty, tty
}

// TestProgressOnATerminal: on a terminal, the progress line says what the
// run does after building (loading schemas, then the schema and policy
// checks), and is erased before the report.
func TestProgressOnATerminal(t *testing.T) {
	cvRepo(t, viewFiles)
	pty, tty := openPTY(t)
	drawn := make(chan string)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, pty) // ends with EIO once tty is closed
		drawn <- b.String()
	}()
	var stdout bytes.Buffer
	code := cli.Main(t.Context(), []string{"validate", "--no-cache", "--color", "never", "."}, &stdout, tty)
	require.NoError(t, tty.Close())
	out := <-drawn
	assert.Equal(t, cli.ExitFindings, code, stdout.String())
	var lines []string
	for _, l := range strings.Split(out, "\r\033[K")[1:] {
		if i := strings.LastIndex(l, ", "); i >= 0 {
			l = l[:i] // the elapsed time
		}
		lines = append(lines, l)
	}
	require.NotEmpty(t, lines, "a terminal gets a progress line: %q", out)
	assert.Equal(t, "", lines[len(lines)-1], "erased at the end")
	for _, want := range []string{
		"kvet: building 4/4 targets",
		"kvet: loading schemas",
		"kvet: checking schemas 4/4, policies 4/4",
	} {
		assert.Contains(t, lines, want, "%q", out)
	}
	assert.NotContains(t, stdout.String(), "\r", "the report is not mixed with the line")
}
