package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/costmodel"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// TestMeasuredFromKnownRun reads testdata/latest.txt, a `make bench` run
// worked by hand, with the project's template (every function at the
// Globals' 256 MB).
func TestMeasuredFromKnownRun(t *testing.T) {
	f, err := os.Open("testdata/latest.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	results, err := parseBench(f)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.ParseFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := measured(stages, results, tpl)
	if err != nil {
		t.Fatal(err)
	}
	want := []costmodel.Stage{
		{Name: "intake", MemoryMB: 256, Invocations: 1, DurationMs: 2.096, WriteUnits: 15, ReadUnits: 0},
		{Name: "numbering", MemoryMB: 256, Invocations: 1, DurationMs: 10.02, WriteUnits: 36, ReadUnits: 1},
		{Name: "relay", MemoryMB: 256, Invocations: 1, DurationMs: 4.887, SQSRequests: 1},
		// Two runs of the notifier: their mean.
		{Name: "notifier", MemoryMB: 256, Invocations: 1, DurationMs: 7.04, WriteUnits: 2, ReadUnits: 0.5, SQSRequests: 2, Emails: 1},
		{Name: "stock", MemoryMB: 256, Invocations: 1, DurationMs: 13.57, WriteUnits: 4, ReadUnits: 2.02, SQSRequests: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("stages = %+v", got)
	}
	for i := range want {
		if g := got[i]; !reflect.DeepEqual(round(g), round(want[i])) {
			t.Errorf("stage %d = %+v, want %+v", i, g, want[i])
		}
	}
}

func round(s costmodel.Stage) costmodel.Stage {
	r := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
	s.DurationMs, s.WriteUnits, s.ReadUnits, s.SQSRequests, s.Emails = r(s.DurationMs), r(s.WriteUnits), r(s.ReadUnits), r(s.SQSRequests), r(s.Emails)
	return s
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	full, err := os.ReadFile("testdata/latest.txt")
	if err != nil {
		t.Fatal(err)
	}
	var withoutStock, withoutMetric []string
	for _, l := range strings.Split(string(full), "\n") {
		if !strings.HasPrefix(l, "BenchmarkStockPaid") {
			withoutStock = append(withoutStock, l)
		}
		withoutMetric = append(withoutMetric, strings.Replace(l, "WRU/numbering", "other-unit", 1))
	}
	tests := []struct {
		name    string
		bench   string
		want    []string
		wantErr string
	}{
		{name: "every stage", bench: string(full), want: []string{"cost per 1,000 orders: $0.1", "biggest term: notifier SES e-mails, $0.1000"}},
		{name: "a run of some benchmarks", bench: strings.Join(withoutStock, "\n"), want: []string{"not computed, this run has no BenchmarkStockPaid"}},
		{name: "a metric renamed", bench: strings.Join(withoutMetric, "\n"), wantErr: `BenchmarkWebhookIntake reports no "WRU/numbering"`},
		{name: "no benchmark", bench: "PASS\n", wantErr: "no benchmark results"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.WriteFile(path, []byte(tt.bench), 0o600); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err := run(&out, path, "../../template.yaml")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("run = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
