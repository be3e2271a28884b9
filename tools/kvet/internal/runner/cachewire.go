package runner

import (
	"encoding/binary"
	"errors"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"
)

// The object lists of build and check records (every object's identity
// and source line) are most of what a warm run decodes: as JSON they cost
// about a third of it. They are written in this small binary layout
// instead (uvarint lengths and numbers, strings as bytes); findings and
// the rest stay JSON, which is rarely large.

var errWire = errors.New("bad object list")

type wireWriter struct{ b []byte }

func (w *wireWriter) uint(n uint64) { w.b = binary.AppendUvarint(w.b, n) }
func (w *wireWriter) int(n int64)   { w.b = binary.AppendVarint(w.b, n) }
func (w *wireWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *wireWriter) resource(r report.Resource) {
	w.str(r.APIVersion)
	w.str(r.Kind)
	w.str(r.Namespace)
	w.str(r.Name)
}

type wireReader struct {
	b   []byte
	err error
	// seen interns the strings of one list: kinds, apiVersions and files
	// repeat from object to object.
	seen map[string]string
}

func (r *wireReader) uint() uint64 {
	n, w := binary.Uvarint(r.b)
	if w <= 0 {
		r.err = errWire
		return 0
	}
	r.b = r.b[w:]
	return n
}

func (r *wireReader) int() int64 {
	n, w := binary.Varint(r.b)
	if w <= 0 {
		r.err = errWire
		return 0
	}
	r.b = r.b[w:]
	return n
}

func (r *wireReader) str() string {
	n := r.uint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errWire
		return ""
	}
	b := r.b[:n]
	r.b = r.b[n:]
	if s, ok := r.seen[string(b)]; ok {
		return s
	}
	s := string(b)
	if r.seen == nil {
		r.seen = map[string]string{}
	}
	r.seen[s] = s
	return s
}

func (r *wireReader) resource() report.Resource {
	return report.Resource{APIVersion: r.str(), Kind: r.str(), Namespace: r.str(), Name: r.str()}
}

// count reads a list length (plus one: 0 is a nil list), bounded by what is left (every item takes a
// byte at least), so a spoilt length cannot make a huge allocation.
func (r *wireReader) count() int {
	n := r.uint()
	if r.err == nil && n > 0 && n-1 > uint64(len(r.b)) {
		r.err = errWire
	}
	if r.err != nil {
		return 0
	}
	return int(n)
}

// encodeList lays out a list, item by item; nil and empty stay apart (the
// length is written plus one, 0 for nil).
func encodeList[T any](items []T, item func(*wireWriter, T)) []byte {
	w := &wireWriter{}
	if items == nil {
		w.uint(0)
		return w.b
	}
	w.uint(uint64(len(items)) + 1)
	for _, x := range items {
		item(w, x)
	}
	return w.b
}

// decodeList reads what encodeList wrote; a spoilt or truncated list, or
// bytes after it, is an error.
func decodeList[T any](b []byte, item func(*wireReader) T) ([]T, error) {
	r := &wireReader{b: b}
	n := r.count()
	if r.err != nil {
		return nil, r.err
	}
	var items []T
	if n > 0 {
		items = make([]T, n-1)
	}
	for i := range items {
		items[i] = item(r)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errWire
	}
	return items, r.err
}

// encodeObjectList and decodeObjectList lay out a build's object list.
func encodeObjectList(objs []cachedObject) []byte {
	return encodeList(objs, func(w *wireWriter, o cachedObject) {
		w.int(int64(o.Index))
		w.resource(o.Resource)
		w.uint(uint64(o.Applier))
		w.str(o.Source.File)
		w.int(int64(o.Source.Line))
		w.int(int64(o.Size))
		json := uint64(0)
		if o.JSON {
			json = 1
		}
		w.uint(json)
		w.str(o.Err)
	})
}

func decodeObjectList(b []byte) ([]cachedObject, error) {
	return decodeList(b, func(r *wireReader) cachedObject {
		return cachedObject{
			Index:    int(r.int()),
			Resource: r.resource(),
			Applier:  yamljson.Applier(r.uint()),
			Source:   report.Source{File: r.str(), Line: int(r.int())},
			Size:     int(r.int()),
			JSON:     r.uint() == 1,
			Err:      r.str(),
		}
	})
}

// encodeResources and decodeResources lay out a check record's list of
// the target's objects.
func encodeResources(rs []report.Resource) []byte {
	return encodeList(rs, (*wireWriter).resource)
}

func decodeResources(b []byte) ([]report.Resource, error) {
	return decodeList(b, (*wireReader).resource)
}

// appendSection and cutSection frame a section: its length, then it.
func appendSection(out, section []byte) []byte {
	return append(binary.AppendUvarint(out, uint64(len(section))), section...)
}

func cutSection(b []byte) (section, rest []byte, err error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, errWire
	}
	return b[w : w+int(n)], b[w+int(n):], nil
}
