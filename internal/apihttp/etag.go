package apihttp

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/ordersmith/ordersmith/internal/order"
)

// ETag returns the strong entity tag of a stored version: `"<version>"`.
// The version rises by one on every stored change, so it names the state.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// Precondition is a parsed If-Match header: which versions the client says
// it has seen.
type Precondition struct {
	set      bool
	any      bool    // "*": any current version will do
	versions []int64 // our own strong tags; weak and foreign tags never match
}

// IfMatch parses the request's If-Match header: "*" or a comma-separated
// list of entity tags, each quoted, optionally W/-prefixed. A missing header
// gives a Precondition that is not set; a malformed one is an Invalid error
// (code malformed_if_match).
func IfMatch(req *Request) (Precondition, error) {
	raw, present := req.headers["if-match"]
	if !present {
		return Precondition{}, nil
	}
	p := Precondition{set: true}
	if strings.TrimSpace(raw) == "*" {
		p.any = true
		return p, nil
	}
	tags, ok := parseETags(raw)
	if !ok {
		e := order.E("apihttp.IfMatch", order.Invalid, "malformed_if_match", `If-Match must be "*" or a list of quoted entity tags such as "7"`)
		e.Details = map[string]any{"if_match": raw}
		return Precondition{}, e
	}
	for _, t := range tags {
		// If-Match compares strongly (RFC 9110 13.1.1): a weak tag never
		// matches. Only our canonical spelling of a version counts, so that
		// "07" cannot pass for "7".
		if t.weak {
			continue
		}
		if v, err := strconv.ParseInt(t.opaque, 10, 64); err == nil && v >= 0 && strconv.FormatInt(v, 10) == t.opaque {
			p.versions = append(p.versions, v)
		}
	}
	return p, nil
}

// IsSet reports whether the request had an If-Match header.
func (p Precondition) IsSet() bool { return p.set }

// Matches reports whether a resource at version current satisfies the
// precondition. An unset precondition matches everything.
func (p Precondition) Matches(current int64) bool {
	if !p.set || p.any {
		return true
	}
	for _, v := range p.versions {
		if v == current {
			return true
		}
	}
	return false
}

// Check returns nil when current matches, and a PreconditionFailed error
// (code version_mismatch) otherwise. Checking after a read is only half the
// job: the write that follows must still be conditional on current.
func (p Precondition) Check(current int64) error {
	if p.Matches(current) {
		return nil
	}
	return versionMismatch()
}

// versionMismatch is the error of an If-Match the resource does not match.
func versionMismatch() error {
	return order.E("apihttp.IfMatch", order.PreconditionFailed, "version_mismatch",
		"the order changed since you read it; reload it and try again")
}

// ExpectedVersion returns the single version the client named, for a
// conditional write without a prior read. It is false for no header, "*",
// or a list that does not name exactly one of our versions.
func (p Precondition) ExpectedVersion() (int64, bool) {
	if !p.set || p.any || len(p.versions) != 1 {
		return 0, false
	}
	return p.versions[0], true
}

// ExpectedVersion is how every write route reads If-Match: it returns the
// version the write must be conditional on, and false when the client set
// no precondition (no header, or "*": any current version will do).
//
// One version of ours is returned as is, without a read: the service's
// conditional write refuses it if the resource moved on. It must be at
// least first, the version a resource has once it exists (1 for an order,
// 0 for a stock item or the settings, which a first write creates), else it
// can never match: 412 version_mismatch, as for a header naming none of our
// versions (weak or foreign tags). Only a list naming several versions
// needs the current one: current reads it, and the write is then
// conditional on it if the list names it (412 otherwise). A malformed
// header is 400 malformed_if_match.
func ExpectedVersion(ctx context.Context, req *Request, first int64, current func(context.Context) (int64, error)) (int64, bool, error) {
	p, err := IfMatch(req)
	if err != nil {
		return 0, false, err
	}
	switch {
	case !p.set || p.any:
		return 0, false, nil
	case len(p.versions) == 0:
		return 0, false, versionMismatch()
	case len(p.versions) == 1:
		if v := p.versions[0]; v >= first {
			return v, true, nil
		}
		return 0, false, versionMismatch()
	}
	cur, err := current(ctx)
	if err != nil {
		return 0, false, err
	}
	if err := p.Check(cur); err != nil {
		return 0, false, err
	}
	return cur, true, nil
}

// IfNoneMatch reports whether the request's If-None-Match header matches the
// resource at version current, in which case a GET answers NotModified.
// It compares weakly, as RFC 9110 requires; a malformed header is ignored,
// which just means a full response.
func IfNoneMatch(req *Request, current int64) bool {
	raw, present := req.headers["if-none-match"]
	if !present {
		return false
	}
	if strings.TrimSpace(raw) == "*" {
		return true
	}
	tags, ok := parseETags(raw)
	if !ok {
		return false
	}
	want := strconv.FormatInt(current, 10)
	for _, t := range tags {
		if t.opaque == want {
			return true
		}
	}
	return false
}

// NotModified returns a 304 response carrying the current ETag.
func NotModified(current int64) *Response {
	return (&Response{Status: http.StatusNotModified}).WithHeader("ETag", ETag(current))
}

type entityTag struct {
	weak   bool
	opaque string // between the quotes
}

// parseETags parses a comma-separated list of entity tags (RFC 9110 8.8.3),
// allowing the empty list elements and optional whitespace the list syntax
// allows. It refuses an empty list and anything unquoted.
func parseETags(s string) ([]entityTag, bool) {
	var tags []entityTag
	for i := 0; ; {
		// Skip whitespace and empty elements.
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i == len(s) {
			break
		}
		var t entityTag
		if strings.HasPrefix(s[i:], "W/") {
			t.weak = true
			i += 2
		}
		if i == len(s) || s[i] != '"' {
			return nil, false
		}
		i++
		end := strings.IndexByte(s[i:], '"')
		if end < 0 {
			return nil, false
		}
		t.opaque = s[i : i+end]
		for j := 0; j < len(t.opaque); j++ {
			// etagc = %x21 / %x23-7E / obs-text: no spaces, no controls.
			if c := t.opaque[j]; c <= 0x20 || c == 0x7f {
				return nil, false
			}
		}
		tags = append(tags, t)
		i += end + 1
		// After a tag: whitespace, then a comma or the end.
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i < len(s) && s[i] != ',' {
			return nil, false
		}
	}
	return tags, len(tags) > 0
}
