// Command costreport prints the AWS list-price cost of 1,000 orders through
// intake, numbering, relay, notifier and stock, from what `make bench`
// measured (.cache/bench/latest.txt) and the functions' memory sizes in
// template.yaml, and the biggest term of it. `make bench` runs it last.
//
// A function that joins an order's path adds its Stage to stages, with the
// benchmark that measures it.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/ordersmith/ordersmith/internal/costmodel"
	"github.com/ordersmith/ordersmith/internal/costmodel/costbench"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// Stage says where the figures of one step of an order's path come from.
type Stage struct {
	Name      string  // as printed
	Function  string  // the template's logical id, for its MemorySize
	Benchmark string  // the benchmark reporting the step, without its -N suffix
	PerOrder  float64 // invocations (and events) of the step per order
	// The benchmark's metric units, per invocation; empty ones count zero.
	Duration, Writes, Reads, SQS, Emails string
	// PollSQS is the SQS requests Lambda's poller makes per message of an
	// SQS-triggered function (a ReceiveMessage and a DeleteMessageBatch at
	// one order at a time; fewer per message when batches fill up), which
	// no handler benchmark sees.
	PollSQS float64
}

// consumer is a Stage measured by a costbench benchmark.
func consumer(name, function, benchmark string, pollSQS float64) Stage {
	return Stage{Name: name, Function: function, Benchmark: benchmark, PerOrder: 1, PollSQS: pollSQS,
		Duration: costbench.MetricHandlerMs, Writes: costbench.MetricWriteUnits, Reads: costbench.MetricReadUnits,
		SQS: costbench.MetricSQSRequests, Emails: costbench.MetricEmails}
}

// stages is an order's path: one storefront order, numbered, its creation
// event relayed to both queues, one e-mail and one stock move.
var stages = []Stage{
	{Name: "intake", Function: "IntakeFunction", Benchmark: "BenchmarkWebhookIntake", PerOrder: 1,
		Duration: "p50-ms", Writes: "WRU/order", Reads: "RRU/order"},
	{Name: "numbering", Function: "NumberingFunction", Benchmark: "BenchmarkWebhookIntake", PerOrder: 1,
		Duration: "numbering-p50-ms", Writes: "WRU/numbering", Reads: "RRU/numbering"},
	consumer("relay", "OutboxRelayFunction", "BenchmarkRelaySample", 0),
	consumer("notifier", "NotifierFunction", "BenchmarkNotifyShipped", 2),
	consumer("stock", "StockFunction", "BenchmarkStockPaid", 2),
}

func main() {
	benchPath := flag.String("bench", ".cache/bench/latest.txt", "go test -bench output")
	templatePath := flag.String("template", "template.yaml", "the SAM template")
	flag.Parse()
	if err := run(os.Stdout, *benchPath, *templatePath); err != nil {
		fmt.Fprintln(os.Stderr, "costreport:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, benchPath, templatePath string) error {
	f, err := os.Open(benchPath)
	if err != nil {
		return err
	}
	defer f.Close()
	results, err := parseBench(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", benchPath, err)
	}
	var missing []string
	for _, s := range stages {
		if _, ok := results[s.Benchmark]; !ok {
			missing = append(missing, s.Benchmark)
		}
	}
	if len(missing) > 0 {
		// A run of some benchmarks only (make bench BENCH=...).
		fmt.Fprintf(w, "cost per 1,000 orders: not computed, this run has no %s\n", strings.Join(missing, ", "))
		return nil
	}
	tpl, err := samtemplate.ParseFile(templatePath)
	if err != nil {
		return err
	}
	in, err := measured(stages, results, tpl)
	if err != nil {
		return err
	}
	b, err := costmodel.Cost(in)
	if err != nil {
		return err
	}
	printReport(w, b)
	return nil
}

func printReport(w io.Writer, b costmodel.Breakdown) {
	total := b.Per1000()
	fmt.Fprintf(w, "cost per 1,000 orders: $%.4f (%s list prices of %s)\n", total, costmodel.PricesRegion, costmodel.PricesDate)
	if big := b.Biggest(); total > 0 {
		fmt.Fprintf(w, "biggest term: %s %s, $%.4f (%.0f%%)\n", big.Stage, big.Resource, 1000*big.USD, 100*1000*big.USD/total)
	}
	for _, t := range b.Terms {
		fmt.Fprintf(w, "  %-10s %-16s $%.6f\n", t.Stage, t.Resource, 1000*t.USD)
	}
}

// measured turns the benchmarks' figures into the cost model's stages.
func measured(list []Stage, results map[string]map[string]float64, tpl *samtemplate.Template) ([]costmodel.Stage, error) {
	fns := tpl.Functions()
	out := make([]costmodel.Stage, 0, len(list))
	for _, s := range list {
		fn, ok := fns[s.Function]
		if !ok {
			return nil, fmt.Errorf("stage %s: template.yaml has no function %s", s.Name, s.Function)
		}
		mem, err := memorySize(fn.Properties["MemorySize"])
		if err != nil {
			return nil, fmt.Errorf("stage %s: %s: %w", s.Name, s.Function, err)
		}
		metrics := results[s.Benchmark]
		get := func(unit string) (float64, error) {
			if unit == "" {
				return 0, nil
			}
			v, ok := metrics[unit]
			if !ok {
				return 0, fmt.Errorf("stage %s: %s reports no %q", s.Name, s.Benchmark, unit)
			}
			return v, nil
		}
		var q [5]float64
		for i, unit := range []string{s.Duration, s.Writes, s.Reads, s.SQS, s.Emails} {
			if q[i], err = get(unit); err != nil {
				return nil, err
			}
		}
		out = append(out, costmodel.Stage{Name: s.Name, MemoryMB: mem, Invocations: s.PerOrder, DurationMs: q[0],
			WriteUnits: s.PerOrder * q[1], ReadUnits: s.PerOrder * q[2], SQSRequests: s.PerOrder * (q[3] + s.PollSQS), Emails: s.PerOrder * q[4]})
	}
	return out, nil
}

// memorySize reads a MemorySize (128 when unset, as Lambda's default).
func memorySize(v any) (int, error) {
	switch m := v.(type) {
	case nil:
		return 128, nil
	case int:
		return m, nil
	case float64:
		return int(m), nil
	case string:
		return strconv.Atoi(m)
	}
	return 0, fmt.Errorf("MemorySize %v is not a number", v)
}

// cpuSuffix is the -GOMAXPROCS suffix go test gives a benchmark name.
var cpuSuffix = regexp.MustCompile(`-\d+$`)

// parseBench reads `go test -bench` output into each benchmark's metrics
// by unit; a benchmark run several times (-count) gets the mean.
func parseBench(r io.Reader) (map[string]map[string]float64, error) {
	sums := map[string]map[string]float64{}
	runs := map[string]map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // a benchmark's log line, not its result
		}
		name := cpuSuffix.ReplaceAllString(f[0], "")
		if sums[name] == nil {
			sums[name], runs[name] = map[string]float64{}, map[string]int{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not a number", name, f[i])
			}
			sums[name][f[i+1]] += v
			runs[name][f[i+1]]++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(sums) == 0 {
		return nil, errors.New("no benchmark results")
	}
	for name, m := range sums {
		for unit := range m {
			m[unit] /= float64(runs[name][unit])
		}
	}
	return sums, nil
}
