package platform_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/platform"
)

// TestMetricsWritesEMF compares the whole line with the structure the
// CloudWatch embedded metric format specification requires: a root object
// with _aws {Timestamp (ms), CloudWatchMetrics: [{Namespace, Dimensions
// (an array of dimension sets), Metrics: [{Name, Unit}]}]}, and every
// dimension and metric referenced as a top-level member.
func TestMetricsWritesEMF(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 30, 0, 123_000_000, time.UTC)
	var buf bytes.Buffer
	m := platform.NewMetrics(&buf, platform.MetricsNamespace, platform.FixedClock(at))
	if err := m.Count(platform.MetricDeliveriesQuarantined, map[string]string{platform.DimensionSource: "shopify"}); err != nil {
		t.Fatalf("count: %v", err)
	}
	want := `{"_aws":{"Timestamp":1741944600123,"CloudWatchMetrics":[{"Namespace":"ordersmith","Dimensions":[["Source"]],` +
		`"Metrics":[{"Name":"DeliveriesQuarantined","Unit":"Count"}]}]},"Source":"shopify","DeliveriesQuarantined":1}`
	line := buf.String()
	if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
		t.Fatalf("want exactly one line, got %q", line)
	}
	assertJSONEq(t, want, line)
}

func TestEMFDocumentDimensions(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_000)
	cases := []struct {
		name string
		dims map[string]string
		want string
		bad  bool
	}{
		{"no dimension", nil,
			`{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"ns","Dimensions":[[]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"M":2}`, false},
		{"two dimensions, sorted", map[string]string{"Source": "ecwid", "Function": "intake"},
			`{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"ns","Dimensions":[["Function","Source"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"Function":"intake","Source":"ecwid","M":2}`, false},
		{"dimension named like the metric", map[string]string{"M": "x"}, "", true},
		{"dimension named _aws", map[string]string{"_aws": "x"}, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := platform.EMFDocument("ns", at, "M", platform.UnitCount, 2, c.dims)
			if c.bad {
				if err == nil {
					t.Fatalf("want an error, got %s", b)
				}
				return
			}
			if err != nil {
				t.Fatalf("EMFDocument: %v", err)
			}
			assertJSONEq(t, c.want, string(b))
		})
	}
}

// TestMetricsConcurrentLines checks that concurrent writers never
// interleave inside a line: CloudWatch reads one document per line.
func TestMetricsConcurrentLines(t *testing.T) {
	var buf bytes.Buffer
	m := platform.NewMetrics(&buf, platform.MetricsNamespace, nil)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := m.Count(platform.MetricOrdersAccepted, map[string]string{platform.DimensionSource: "generic"}); err != nil {
				t.Errorf("count: %v", err)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 20 {
		t.Fatalf("got %d lines, want 20", len(lines))
	}
	for _, l := range lines {
		var doc map[string]any
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if doc["OrdersAccepted"] != float64(1) || doc["Source"] != "generic" {
			t.Fatalf("line %q", l)
		}
	}
}

func assertJSONEq(t *testing.T, want, got string) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	wb, _ := json.Marshal(w)
	gb, _ := json.Marshal(g)
	if !bytes.Equal(wb, gb) {
		t.Fatalf("got  %s\nwant %s", gb, wb)
	}
}

// TestMetricsAreDocumented: every metric name declared in metrics.go has
// its row in the metrics table of docs/ARCHITECTURE.md.
func TestMetricsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "metrics.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, id := range v.Names {
				if !strings.HasPrefix(id.Name, "Metric") || id.Name == "MetricsNamespace" {
					continue
				}
				name, err := strconv.Unquote(v.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatalf("%s: %v", id.Name, err)
				}
				names = append(names, name)
				if !strings.Contains(string(doc), "\n| `"+name+"` |") {
					t.Errorf("docs/ARCHITECTURE.md has no row for metric %s", name)
				}
			}
		}
	}
	if !slices.Contains(names, platform.MetricEmailsSent) || !slices.Contains(names, platform.MetricNumberingLagMs) {
		t.Fatalf("found the metrics %v in metrics.go, not the constants' declarations", names)
	}
}

// TestEmailAndLagMetrics: the notifier's and the numbering's metrics as
// the template's alarms and dashboards read them.
func TestEmailAndLagMetrics(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_000)
	var buf bytes.Buffer
	m := platform.NewMetrics(&buf, platform.MetricsNamespace, platform.FixedClock(at))
	if err := m.Count(platform.MetricEmailsSent, map[string]string{platform.DimensionKind: "order_shipped"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Put(platform.MetricNumberingLagMs, platform.UnitMilliseconds, 1250, nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2: %q", len(lines), buf.String())
	}
	assertJSONEq(t, `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"ordersmith","Dimensions":[["Kind"]],`+
		`"Metrics":[{"Name":"EmailsSent","Unit":"Count"}]}]},"Kind":"order_shipped","EmailsSent":1}`, lines[0])
	assertJSONEq(t, `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"ordersmith","Dimensions":[[]],`+
		`"Metrics":[{"Name":"NumberingLagMs","Unit":"Milliseconds"}]}]},"NumberingLagMs":1250}`, lines[1])
}
