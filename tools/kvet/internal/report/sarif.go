package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// SARIF 2.1.0, the subset GitHub code scanning reads: one run, the tool's
// rules with help text and URI, and results with physical locations.
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html

const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	// srcRoot is the uriBaseId results are relative to: the repository root,
	// which is where GitHub checks the repository out.
	srcRoot = "%SRCROOT%"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name,omitempty"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	Help                 sarifText       `json:"help"`
	HelpURI              string          `json:"helpUri,omitempty"`
	DefaultConfiguration *sarifRuleLevel `json:"defaultConfiguration,omitempty"`
	Properties           map[string]any  `json:"properties,omitempty"`
}

type sarifRuleLevel struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	// ID and Message only on related locations (§3.28.2, §3.28.5).
	ID               int            `json:"id,omitempty"`
	Message          *sarifText     `json:"message,omitempty"`
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

// WriteSARIF writes the report as a SARIF 2.1.0 log.
func WriteSARIF(w io.Writer, r *Report) error {
	docs := ruleDocs(r)
	index := map[string]int{}
	rules := make([]sarifRule, 0, len(docs))
	for i, d := range docs {
		index[d.ID] = i
		title := d.Title
		if title == "" {
			title = d.ID
		}
		help := d.Help
		if help == "" {
			help = title
		}
		rule := sarifRule{
			ID:               d.ID,
			Name:             d.ID,
			ShortDescription: sarifText{Text: title},
			FullDescription:  sarifText{Text: help},
			Help:             sarifText{Text: help, Markdown: "**" + title + "**\n\n" + help + "\n\n[Documentation](" + d.HelpURI + ")"},
			HelpURI:          d.HelpURI,
			Properties:       map[string]any{"tags": []string{"kvet", d.Check}},
		}
		if d.Severity != "" {
			rule.DefaultConfiguration = &sarifRuleLevel{Level: sarifLevel(d.Severity)}
		}
		rules = append(rules, rule)
	}
	results := make([]sarifResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		res := sarifResult{
			RuleID:    f.Rule,
			RuleIndex: index[f.Rule],
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: sarifMessage(f)},
			Locations: []sarifLocation{sarifLocationOf(f)},
			// GitHub matches alerts across runs by fingerprint; the line
			// moves with unrelated edits, so it is not part of it.
			PartialFingerprints: map[string]string{"kvetFinding/v1": fingerprint(f)},
			Properties:          map[string]any{"check": f.Check, "target": f.Target, "targets": f.AllTargets()},
		}
		for i, r := range f.Related {
			loc := sarifLocation{ID: i + 1, Message: &sarifText{Text: r.Message},
				PhysicalLocation: &sarifPhysical{ArtifactLocation: sarifArtifact{URI: r.File, URIBaseID: srcRoot}}}
			if r.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: r.Line}
			}
			res.RelatedLocations = append(res.RelatedLocations, loc)
			// An embedded link (§3.11.6) makes code scanning show it.
			res.Message.Text += fmt.Sprintf(" (and [%s](%d))", r, i+1)
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           "kvet",
				InformationURI: DocsBaseURI + "README.md",
				Rules:          rules,
			}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func sarifLevel(s Severity) string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// sarifMessage prefixes the message with what it is about: code scanning
// shows only the message next to the line.
func sarifMessage(f Finding) string {
	var parts []string
	if f.Target != "" {
		parts = append(parts, f.TargetsLabel())
	}
	if s := f.Resource.String(); s != "" {
		parts = append(parts, s)
	}
	if f.Path != "" {
		parts = append(parts, f.Path)
	}
	if len(parts) == 0 {
		return f.Message
	}
	return "[" + strings.Join(parts, " ") + "] " + f.Message
}

// sarifLocationOf places a finding in its source file, else in its
// target directory: GitHub requires a location on every result.
func sarifLocationOf(f Finding) sarifLocation {
	file := f.Source.File
	if file == "" {
		file = f.Target
	}
	loc := sarifLocation{}
	if file != "" && file != "." {
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: file, URIBaseID: srcRoot}}
		if f.Source.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Source.Line}
		}
	}
	if s := f.Resource.String(); s != "" {
		loc.LogicalLocations = []sarifLogical{{Name: f.Resource.Name, FullyQualifiedName: f.Target + ":" + s, Kind: "object"}}
	}
	return loc
}

// fingerprint leaves the target out: one finding stands for every target
// that reaches it, and a new overlay must not make it a new alert.
func fingerprint(f Finding) string {
	h := sha256.Sum256([]byte(strings.Join([]string{f.Check, f.Rule, f.Resource.String(), f.Path, f.Source.File}, "\x00")))
	return hex.EncodeToString(h[:16])
}
