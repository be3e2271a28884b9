package lsp

import (
	"encoding/json"
	"slices"
	"unicode/utf16"

	"go.lsp.dev/protocol"
)

// encoding is how the client counts a position's character: UTF-16 code
// units (LSP's default, and the only one before 3.17) or UTF-8 bytes when
// the client offers it. kvet counts bytes; every character offset that
// leaves or enters the server goes through it.
//
// go.lsp.dev/protocol v0.12.0 predates LSP 3.17's positionEncoding, so the
// client's offer and the server's answer are read and written here.
type encoding string

const (
	encUTF16 encoding = "utf-16"
	encUTF8  encoding = "utf-8"
)

// negotiate reads general.positionEncodings from raw initialize params:
// utf-8 when offered (no conversion), else utf-16.
func negotiate(params json.RawMessage) encoding {
	var p struct {
		Capabilities struct {
			General struct {
				PositionEncodings []string `json:"positionEncodings"`
			} `json:"general"`
		} `json:"capabilities"`
	}
	if json.Unmarshal(params, &p) == nil && slices.Contains(p.Capabilities.General.PositionEncodings, string(encUTF8)) {
		return encUTF8
	}
	return encUTF16
}

// character is the client's count for the first b bytes of line.
func (e encoding) character(line string, b int) uint32 {
	b = min(max(b, 0), len(line))
	if e == encUTF8 {
		return uint32(b)
	}
	n := 0
	for _, r := range line[:b] {
		n += max(utf16.RuneLen(r), 1) // an invalid byte is U+FFFD, one unit
	}
	return uint32(n)
}

// position is the client's position of byte col on line (0-based) of lines.
func (e encoding) position(lines []string, line, col int) protocol.Position {
	p := protocol.Position{Line: uint32(max(line, 0))}
	if line >= 0 && line < len(lines) {
		p.Character = e.character(lines[line], col)
	}
	return p
}

// serverCapabilities adds LSP 3.17's positionEncoding to the library's
// capabilities (embedded: JSON flattens its fields).
type serverCapabilities struct {
	protocol.ServerCapabilities
	PositionEncoding encoding `json:"positionEncoding,omitempty"`
}

type initializeResult struct {
	Capabilities serverCapabilities   `json:"capabilities"`
	ServerInfo   *protocol.ServerInfo `json:"serverInfo,omitempty"`
}
