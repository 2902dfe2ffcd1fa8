package apihttp_test

import (
	"net/http"
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

func TestETag(t *testing.T) {
	tests := []struct {
		version int64
		want    string
	}{
		{0, `"0"`}, {7, `"7"`}, {1234567890123, `"1234567890123"`},
	}
	for _, tt := range tests {
		if got := apihttp.ETag(tt.version); got != tt.want {
			t.Errorf("ETag(%d) = %s, want %s", tt.version, got, tt.want)
		}
	}
}

func requestWith(header, value string) *apihttp.Request {
	ev := newEvent("PATCH /orders/{id}", "r")
	if header != "" {
		ev.Headers[header] = value
	}
	return apihttp.NewRequest(ev, 0)
}

func TestIfMatch(t *testing.T) {
	tests := []struct {
		name      string
		header    string // "" for no header
		value     string
		wantSet   bool
		matches7  bool
		matches8  bool
		wantExp   int64
		wantExpOK bool
		malformed bool
	}{
		{name: "absent", wantSet: false, matches7: true, matches8: true},
		{name: "one version", header: "if-match", value: `"7"`, wantSet: true, matches7: true, wantExp: 7, wantExpOK: true},
		{name: "header name in any case", header: "If-Match", value: `"7"`, wantSet: true, matches7: true, wantExp: 7, wantExpOK: true},
		{name: "surrounding spaces", header: "if-match", value: `  "7"  `, wantSet: true, matches7: true, wantExp: 7, wantExpOK: true},
		{name: "star", header: "if-match", value: "*", wantSet: true, matches7: true, matches8: true},
		{name: "list", header: "if-match", value: `"6", "7"`, wantSet: true, matches7: true},
		{name: "list with empty elements", header: "if-match", value: `, "8" ,,`, wantSet: true, matches8: true, wantExp: 8, wantExpOK: true},
		{name: "weak never matches", header: "if-match", value: `W/"7"`, wantSet: true},
		{name: "weak and strong", header: "if-match", value: `W/"7", "8"`, wantSet: true, matches8: true, wantExp: 8, wantExpOK: true},
		{name: "leading zero is another tag", header: "if-match", value: `"07"`, wantSet: true},
		{name: "foreign tag", header: "if-match", value: `"abc-123"`, wantSet: true},
		{name: "negative", header: "if-match", value: `"-7"`, wantSet: true},
		{name: "empty tag", header: "if-match", value: `""`, wantSet: true},
		{name: "unquoted", header: "if-match", value: `7`, malformed: true},
		{name: "unterminated", header: "if-match", value: `"7`, malformed: true},
		{name: "junk after tag", header: "if-match", value: `"7" x`, malformed: true},
		{name: "missing comma", header: "if-match", value: `"6" "7"`, malformed: true},
		{name: "blank", header: "if-match", value: ``, malformed: true},
		{name: "only commas", header: "if-match", value: ` , `, malformed: true},
		{name: "weak unquoted", header: "if-match", value: `W/7`, malformed: true},
		{name: "space inside tag", header: "if-match", value: `"7 8"`, malformed: true},
		{name: "star in a list", header: "if-match", value: `*, "7"`, malformed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := apihttp.IfMatch(requestWith(tt.header, tt.value))
			if tt.malformed {
				if order.KindOf(err) != order.Invalid || codeOf(err) != "malformed_if_match" {
					t.Fatalf("IfMatch(%q) error = %v, want invalid malformed_if_match", tt.value, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("IfMatch(%q): %v", tt.value, err)
			}
			if p.IsSet() != tt.wantSet {
				t.Errorf("IsSet = %v, want %v", p.IsSet(), tt.wantSet)
			}
			if p.Matches(7) != tt.matches7 || p.Matches(8) != tt.matches8 {
				t.Errorf("Matches(7), Matches(8) = %v, %v; want %v, %v", p.Matches(7), p.Matches(8), tt.matches7, tt.matches8)
			}
			exp, ok := p.ExpectedVersion()
			if exp != tt.wantExp || ok != tt.wantExpOK {
				t.Errorf("ExpectedVersion = %d, %v; want %d, %v", exp, ok, tt.wantExp, tt.wantExpOK)
			}
			err7 := p.Check(7)
			if (err7 == nil) != tt.matches7 {
				t.Errorf("Check(7) = %v, want match %v", err7, tt.matches7)
			}
			if err7 != nil && (order.KindOf(err7) != order.PreconditionFailed || codeOf(err7) != "version_mismatch") {
				t.Errorf("Check(7) = %v, want precondition_failed version_mismatch", err7)
			}
		})
	}
}

func TestPreconditionFailedIs412(t *testing.T) {
	p, err := apihttp.IfMatch(requestWith("if-match", `"6"`))
	if err != nil {
		t.Fatal(err)
	}
	if got := apihttp.StatusOf(order.KindOf(p.Check(7))); got != http.StatusPreconditionFailed {
		t.Errorf("status = %d, want 412", got)
	}
	_, err = apihttp.IfMatch(requestWith("if-match", `6`))
	if got := apihttp.StatusOf(order.KindOf(err)); got != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", got)
	}
}

func TestIfNoneMatch(t *testing.T) {
	tests := []struct {
		name   string
		header string
		value  string
		want   bool // for current version 3
	}{
		{name: "absent"},
		{name: "same", header: "if-none-match", value: `"3"`, want: true},
		{name: "weak compares equal", header: "if-none-match", value: `W/"3"`, want: true},
		{name: "older", header: "if-none-match", value: `"2"`},
		{name: "list", header: "if-none-match", value: `"1", W/"3"`, want: true},
		{name: "star", header: "if-none-match", value: `*`, want: true},
		{name: "malformed is ignored", header: "if-none-match", value: `3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apihttp.IfNoneMatch(requestWith(tt.header, tt.value), 3); got != tt.want {
				t.Errorf("IfNoneMatch(%q, 3) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}
