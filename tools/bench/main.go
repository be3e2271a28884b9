// Command bench runs kvet side by side with the shell pipeline teams use
// without it, on the generated corpus (tools/benchcorpus), and prints wall
// time, resources per second and peak RSS of each:
//
//	(a) pipeline: per target `kustomize build`, then kubeconform (the
//	    schemas `kvet schemas export` writes) and conftest (the policy/
//	    library) on its output, targets run -P jobs at once with xargs;
//	(b) kvet validate: the same targets, schemas and policies in one process;
//	(c) kvet render floor: kvet validate --no-schema --no-policies, every
//	    target built and nothing checked;
//	(d) kvet validate again with the cache (b) filled: nothing changed
//	    (the median of five runs), then one file of one app's base changed;
//	    every report is compared with a run without cache, byte for byte.
//
// (b) starts from an empty cache directory: it is a cold run, cache writes
// included.
//
// Its last line is "speedup: <x>x (kvet <s>s, pipeline <s>s, N=<n>)".
// make bench runs it (see tools/bench/bench.mk); it is never part of make test.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/example/gitops-go-stack/tools/benchcorpus/corpus"
)

type config struct {
	n            int
	dir          string
	toolBin      string
	kvet         string
	jobs         int
	skipPipeline bool
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 300, "apps in the corpus (each deployed to 3 environments)")
	flag.StringVar(&c.dir, "dir", ".cache/bench", "work directory (corpus, schemas, logs, reports)")
	flag.StringVar(&c.toolBin, "tools", ".cache/bin", "directory holding kustomize, kubeconform and conftest")
	flag.StringVar(&c.kvet, "kvet", "bin/kvet", "kvet binary")
	flag.IntVar(&c.jobs, "jobs", runtime.NumCPU(), "targets the pipeline runs at once (kvet uses every CPU too)")
	flag.BoolVar(&c.skipPipeline, "skip-pipeline", false, "run only kvet (no speedup line)")
	flag.Parse()
	if err := run(c, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// measurement is one side of the comparison.
type measurement struct {
	name    string
	wall    time.Duration
	cpu     time.Duration // user + system, the process and its children
	peakRSS int64         // bytes, the largest single process of the tree
	note    string
}

func run(c config, w io.Writer) error {
	for _, p := range []*string{&c.dir, &c.toolBin, &c.kvet} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	for _, tool := range []string{"kustomize", "kubeconform", "conftest"} {
		if _, err := os.Stat(filepath.Join(c.toolBin, tool)); err != nil && !c.skipPipeline {
			return fmt.Errorf("%s not installed in %s (make bench-tools)", tool, c.toolBin)
		}
	}
	if _, err := os.Stat(c.kvet); err != nil {
		return fmt.Errorf("kvet binary: %w (make build)", err)
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	corpusDir := filepath.Join(c.dir, fmt.Sprintf("corpus-%d", c.n))
	if err := writeCorpus(c.n, corpusDir); err != nil {
		return err
	}
	targets := corpus.Targets(c.n)
	fmt.Fprintf(w, "corpus: N=%d apps x %d environments = %d targets (%s)\n", c.n, len(corpus.Environments), len(targets), rel(root, corpusDir))
	fmt.Fprintf(w, "machine: %s\n", machine())
	fmt.Fprintf(w, "load average at start: %s\n", loadavg())

	schemas := filepath.Join(c.dir, "schemas")
	_ = os.RemoveAll(schemas)
	if out, err := command(corpusDir, c.kvet, "schemas", "export", "--crds", "platform/crds", schemas).CombinedOutput(); err != nil {
		return fmt.Errorf("kvet schemas export: %v\n%s", err, out)
	}

	// (c) first: it warms the page cache for everyone.
	floorReport := filepath.Join(c.dir, fmt.Sprintf("render-%d.json", c.n))
	floor, _, err := measure("kvet render floor (validate --no-schema --no-policies)", corpusDir, floorReport,
		c.kvet, "validate", "--no-cache", "--no-schema", "--no-policies", "-o", "json", ".")
	if err != nil {
		return err
	}
	kvetReport := filepath.Join(c.dir, fmt.Sprintf("kvet-%d.json", c.n))
	cacheDir := filepath.Join(c.dir, fmt.Sprintf("kvet-cache-%d", c.n))
	if err := os.RemoveAll(cacheDir); err != nil {
		return err
	}
	cached := []string{"validate", "--cache-dir", cacheDir, "-o", "json", "."}
	kv, _, err := measure("kvet validate (cold: empty cache)", corpusDir, kvetReport, c.kvet, cached...)
	if err != nil {
		return err
	}
	summary, err := readSummary(kvetReport)
	if err != nil {
		return err
	}
	kv.note = fmt.Sprintf("%d errors, %d warnings", summary.Errors, summary.Warnings)
	if summary.Targets != len(targets) {
		return fmt.Errorf("kvet validated %d targets, the corpus has %d", summary.Targets, len(targets))
	}
	rows := []measurement{kv, floor}
	var pipe measurement
	if !c.skipPipeline {
		pipe, err = pipeline(c, corpusDir, schemas, root, targets)
		if err != nil {
			return err
		}
		rows = append([]measurement{pipe}, rows...)
	}
	warm, changed, err := warmRuns(c, corpusDir, kvetReport, cached)
	if err != nil {
		return err
	}
	rows = append(rows, warm, changed)

	fmt.Fprintf(w, "load average at end: %s\n\n", loadavg())
	fmt.Fprintf(w, "%-58s %9s %9s %12s %10s\n", "run", "wall", "cpu", "resources/s", "peak RSS")
	for _, m := range rows {
		fmt.Fprintf(w, "%-58s %8.1fs %8.1fs %12.0f %7.0f MiB", m.name, m.wall.Seconds(), m.cpu.Seconds(),
			float64(summary.Resources)/m.wall.Seconds(), float64(m.peakRSS)/(1<<20))
		if m.note != "" {
			fmt.Fprintf(w, "  %s", m.note)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n%d targets, %d resources\n", summary.Targets, summary.Resources)
	fmt.Fprintf(w, "kvet validate / kvet render floor: %.2fx\n", kv.wall.Seconds()/floor.wall.Seconds())
	fmt.Fprintf(w, "kvet cold / warm (nothing changed): %.1fx; cold / warm (one base file changed): %.1fx; warm reports identical to a run without cache\n",
		kv.wall.Seconds()/warm.wall.Seconds(), kv.wall.Seconds()/changed.wall.Seconds())
	if c.skipPipeline {
		return nil
	}
	fmt.Fprintf(w, "pipeline peak RSS / kvet peak RSS: %.2fx\n", float64(pipe.peakRSS)/float64(kv.peakRSS))
	fmt.Fprintf(w, "speedup: %.1fx (kvet %.1fs, pipeline %.1fs, N=%d)\n",
		pipe.wall.Seconds()/kv.wall.Seconds(), kv.wall.Seconds(), pipe.wall.Seconds(), c.n)
	return nil
}

// warmRuns measures kvet with the cache the cold run filled: nothing
// changed, then one file of one app's base changed (the Widget's size). Each
// report must be the report of a run without cache, byte for byte.
// warmRepeats is how many warm runs (nothing changed) the median is of.
const warmRepeats = 5

func warmRuns(c config, corpusDir, coldReport string, args []string) (warm, changed measurement, err error) {
	warmReport := filepath.Join(c.dir, fmt.Sprintf("kvet-%d-warm.json", c.n))
	// A warm run lasts a fraction of a second: one run is at the mercy of
	// whatever else the machine does in that moment, so it is the median
	// of warmRepeats runs (by wall time), each report checked.
	runs := make([]measurement, warmRepeats)
	for i := range runs {
		if runs[i], _, err = measure(fmt.Sprintf("kvet validate (warm: nothing changed, median of %d)", warmRepeats), corpusDir, warmReport, c.kvet, args...); err != nil {
			return warm, changed, err
		}
		if err := sameFile(coldReport, warmReport); err != nil {
			return warm, changed, err
		}
	}
	slices.SortFunc(runs, func(a, b measurement) int { return cmp.Compare(a.wall, b.wall) })
	warm = runs[len(runs)/2]
	file := filepath.Join(corpusDir, "apps", "app-0001", "base", "widget.yaml")
	b, err := os.ReadFile(file)
	if err != nil {
		return warm, changed, err
	}
	edited := bytes.Replace(b, []byte("size: "), []byte("size: 1"), 1)
	if bytes.Equal(b, edited) {
		return warm, changed, fmt.Errorf("%s: no size to change", file)
	}
	if err := os.WriteFile(file, edited, 0o644); err != nil {
		return warm, changed, err
	}
	changedReport := filepath.Join(c.dir, fmt.Sprintf("kvet-%d-changed.json", c.n))
	if changed, _, err = measure("kvet validate (warm: one app base file changed)", corpusDir, changedReport, c.kvet, args...); err != nil {
		return warm, changed, err
	}
	refReport := filepath.Join(c.dir, fmt.Sprintf("kvet-%d-changed-nocache.json", c.n))
	if _, _, err := measure("kvet validate --no-cache", corpusDir, refReport, c.kvet, "validate", "--no-cache", "-o", "json", "."); err != nil {
		return warm, changed, err
	}
	return warm, changed, sameFile(refReport, changedReport)
}

func sameFile(want, got string) error {
	a, err := os.ReadFile(want)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(got)
	if err != nil {
		return err
	}
	if !bytes.Equal(a, b) {
		return fmt.Errorf("the cached run's report %s differs from %s", got, want)
	}
	return nil
}

func writeCorpus(n int, dir string) error {
	c, err := corpus.Generate(n)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := c.Write(dir); err != nil {
		return err
	}
	// The corpus is its own repository for kvet (root = nearest .git).
	return os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
}

// pipelineScript is what a CI job runs per target without kvet: build,
// then check the output with kubeconform and conftest. conftest gets the
// kvet policy packages that need nothing but the object; kvet.references
// reads data.kvet.inventory (every object of the target), which conftest
// cannot provide per object, so it is left out.
const pipelineScript = `#!/bin/sh
# usage: target.sh TARGET  (environment: BIN, SCHEMAS, POLICY)
t="$1"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! "$BIN/kustomize" build "$t" > "$out" 2>"$out.err"; then
	echo "FAIL $t: kustomize build: $(cat "$out.err")"; rm -f "$out.err"; exit 0
fi
rm -f "$out.err"
"$BIN/kubeconform" -strict -summary -schema-location "$SCHEMAS/{{ .Group }}/{{ .ResourceAPIVersion }}/{{ .ResourceKind }}.json" "$out" | sed "s|^|$t: |"
"$BIN/conftest" test --no-color --policy "$POLICY" \
	--namespace kvet.pss --namespace kvet.workload --namespace kvet.secrets --namespace kvet.istio --namespace kvet.gitops \
	"$out" | sed "s|^|$t: |"
exit 0
`

func pipeline(c config, corpusDir, schemas, root string, targets []string) (measurement, error) {
	script := filepath.Join(c.dir, "target.sh")
	if err := os.WriteFile(script, []byte(pipelineScript), 0o755); err != nil {
		return measurement{}, err
	}
	list := filepath.Join(c.dir, fmt.Sprintf("targets-%d.txt", c.n))
	if err := os.WriteFile(list, []byte(strings.Join(targets, "\n")+"\n"), 0o644); err != nil {
		return measurement{}, err
	}
	logPath := filepath.Join(c.dir, fmt.Sprintf("pipeline-%d.log", c.n))
	name := fmt.Sprintf("pipeline: kustomize | kubeconform + conftest (xargs -P %d)", c.jobs)
	m, _, err := measureEnv(name, corpusDir, logPath,
		[]string{"BIN=" + c.toolBin, "SCHEMAS=" + schemas, "POLICY=" + filepath.Join(root, "policy")},
		"xargs", "-P", fmt.Sprint(c.jobs), "-n", "1", "-a", list, "sh", script)
	if err != nil {
		return m, err
	}
	m.note = pipelineNote(logPath)
	return m, nil
}

// pipelineNote sums what kubeconform and conftest reported.
func pipelineNote(logPath string) string {
	f, err := os.Open(logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	invalid, fails, warns, buildFails := 0, 0, 0, 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "FAIL "):
			buildFails++
		case strings.Contains(line, "Summary:"):
			var n int
			if i := strings.Index(line, "Invalid: "); i >= 0 {
				fmt.Sscanf(line[i:], "Invalid: %d", &n)
				invalid += n
			}
		case strings.Contains(line, " tests, "):
			var t, p, wa, fa int
			if i := strings.Index(line, ": "); i >= 0 {
				fmt.Sscanf(line[i+2:], "%d tests, %d passed, %d warnings, %d failures", &t, &p, &wa, &fa)
			}
			fails += fa
			warns += wa
		}
	}
	return fmt.Sprintf("%d build failures, %d schema-invalid, %d policy failures, %d warnings", buildFails, invalid, fails, warns)
}

func command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	return cmd
}

func measure(name, dir, stdoutPath, bin string, args ...string) (measurement, int, error) {
	return measureEnv(name, dir, stdoutPath, nil, bin, args...)
}

// measureEnv runs one side, its standard output to stdoutPath. Peak RSS
// comes from wait4: the largest resident set of the process and of any
// descendant it waited for.
func measureEnv(name, dir, stdoutPath string, env []string, bin string, args ...string) (measurement, int, error) {
	m := measurement{name: name}
	out, err := os.Create(stdoutPath)
	if err != nil {
		return m, 0, err
	}
	defer out.Close()
	cmd := command(dir, bin, args...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout = out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	m.wall = time.Since(start)
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
		if code != 1 { // 1: findings
			return m, code, fmt.Errorf("%s: exit %d\n%s", name, code, stderr.String())
		}
	case err != nil:
		return m, 0, fmt.Errorf("%s: %w", name, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.peakRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return m, code, nil
}

type summary struct {
	Targets   int `json:"targets"`
	Resources int `json:"resources"`
	Errors    int `json:"errors"`
	Warnings  int `json:"warnings"`
}

func readSummary(path string) (summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return summary{}, err
	}
	var r struct {
		Summary summary `json:"summary"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return summary{}, fmt.Errorf("%s: %w", path, err)
	}
	return r.Summary, nil
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// machine describes the host: CPUs, CPU model, memory, Go version.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown RAM"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				fmt.Sscanf(strings.TrimPrefix(line, "MemTotal:"), "%d", &kb)
			}
		}
		mem = fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
	}
	return fmt.Sprintf("%d CPUs, %s, %s, %s", runtime.NumCPU(), model, mem, runtime.Version())
}
