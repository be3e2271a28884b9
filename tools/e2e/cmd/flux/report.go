package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// report prints the agreement table and returns the exit code.
func report(o options, results []*result, problems []string, took time.Duration) int {
	fmt.Println("Flux entry points: kvet against the real kustomize-controller")
	fmt.Println("(health checks off: Ready = fetched, built, substituted and applied server-side)")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "entry point\tkvet\tcontroller\tinventory\tkvet objects\tequal\tverdict")
	agree, knownN, disagree := 0, 0, 0
	for _, r := range results {
		kv := "ok"
		if len(r.KvetFatal) > 0 {
			kv = fmt.Sprintf("%d error(s)", len(r.KvetFatal))
		}
		ctl := "Ready"
		if r.Ready != "True" {
			ctl = "not Ready: " + r.Reason
			if r.Ready == "absent" {
				ctl = "never applied"
			}
		}
		target := r.Target
		if r.Submitted {
			target += " *"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", target, kv, ctl, r.Inventory, r.Rendered, r.Equal, r.Verdict)
		switch r.Verdict {
		case "agree":
			agree++
		case "known":
			knownN++
		default:
			disagree++
		}
	}
	tw.Flush()
	fmt.Println("(* submitted by the harness; the others were applied by a Kustomization of their group)")
	for _, r := range results {
		if r.Verdict != "disagree" && r.Ready != "True" {
			fmt.Printf("\nBOTH FAIL: %s\n  controller: %s: %s\n", r.Target, r.Reason, oneLine(r.Message))
			for _, f := range r.KvetFatal {
				fmt.Printf("  kvet:       %s\n", oneLine(f))
			}
		}
	}
	for _, r := range results {
		for _, k := range r.Known {
			fmt.Printf("\nKNOWN DIFFERENCE: %s\n  %s\n", r.Target, oneLine(k))
		}
	}
	for _, r := range results {
		if r.Verdict != "disagree" {
			continue
		}
		fmt.Printf("\nDISAGREE: %s\n", r.Target)
		for _, w := range r.Why {
			fmt.Printf("  %s\n", oneLine(w))
		}
		for _, f := range r.KvetFatal {
			fmt.Printf("  kvet: %s\n", oneLine(f))
		}
	}
	for _, p := range problems {
		fmt.Printf("\nPROBLEM: %s\n", p)
	}
	if o.resultsFile != "" {
		path := filepath.Join(o.repo, o.resultsFile)
		_ = os.MkdirAll(filepath.Dir(path), 0o755)
		b, _ := json.MarshalIndent(map[string]any{"kustomizations": results, "problems": problems, "seconds": took.Seconds()}, "", "  ")
		_ = os.WriteFile(path, b, 0o644)
	}
	fmt.Printf("\n%d Kustomizations in %.1fs: %d agree, %d agree but for known differences, %d disagree, %d problems\n", len(results), took.Seconds(), agree, knownN, disagree, len(problems))
	if disagree > 0 || len(problems) > 0 {
		fmt.Println("flux conformance: FAIL")
		return 1
	}
	fmt.Println("flux conformance: PASS")
	return 0
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:397] + "..."
	}
	return s
}
