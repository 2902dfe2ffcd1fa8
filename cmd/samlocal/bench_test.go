package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/fixtures"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/lambdart"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// benchFunction is a built bootstrap with the environment it runs with.
type benchFunction struct {
	ID   string
	Fn   lambdart.Function
	Size int64
}

var (
	benchOnce  sync.Once
	benchFuncs []benchFunction
	benchErr   error
	benchDir   string
)

// offlineRefs gives the template's tables, queues and buckets the Ref and
// Fn::GetAtt values the local stack would, without the emulators: a cold
// start reads its configuration but does not call AWS, so the benchmarks run
// whether or not the stack is up.
func offlineRefs(t *samtemplate.Template, c *samtemplate.Context) {
	for _, id := range t.ResourceIDs("") {
		r := t.Resources[id]
		prop := map[string]string{localaws.TableType: "TableName", localaws.QueueType: "QueueName", localaws.BucketType: "BucketName"}[r.Type]
		if prop == "" {
			continue
		}
		name := c.StackName + "-" + id
		if v, ok := r.Properties[prop]; ok {
			if s, err := t.ResolveString(v, c); err == nil && s != "" {
				name = s
			}
		}
		switch r.Type {
		case localaws.TableType:
			arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", c.Region, c.AccountID, name)
			c.Refs[id], c.Attrs[id] = name, map[string]string{"Arn": arn, "StreamArn": arn + "/stream/local"}
		case localaws.QueueType:
			url := localaws.MotoEndpoint + "/" + c.AccountID + "/" + name
			c.Refs[id], c.Attrs[id] = url, map[string]string{"Arn": fmt.Sprintf("arn:aws:sqs:%s:%s:%s", c.Region, c.AccountID, name), "QueueUrl": url, "QueueName": name}
		case localaws.BucketType:
			c.Refs[id], c.Attrs[id] = name, map[string]string{"Arn": "arn:aws:s3:::" + name}
		}
	}
}

// loadBenchFunctions builds, once per process, the hello-world fixture and
// every function of template.yaml whose folder exists, all with the deploy
// build's flags for this machine's architecture.
func loadBenchFunctions(b *testing.B) []benchFunction {
	b.Helper()
	benchOnce.Do(func() { benchFuncs, benchErr = buildBenchFunctions(b) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFuncs
}

func buildBenchFunctions(b *testing.B) ([]benchFunction, error) {
	root, err := fixtures.ModuleRoot()
	if err != nil {
		return nil, err
	}
	hello := fixtures.Build(b, "hello")
	st, err := os.Stat(hello)
	if err != nil {
		return nil, err
	}
	out := []benchFunction{{ID: "hello", Size: st.Size(), Fn: lambdart.Function{Name: "hello", Bootstrap: hello, MemoryMB: 128,
		Timeout: 10 * time.Second, Region: localaws.Region, AccountID: localaws.AccountID, Env: functionEnv()}}}

	tpl, err := samtemplate.ParseFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	c := &samtemplate.Context{Params: localParams(), Region: localaws.Region, AccountID: localaws.AccountID,
		StackName: localaws.StackName, Refs: map[string]string{}, Attrs: map[string]map[string]string{}}
	offlineRefs(tpl, c)
	m, err := buildModel(tpl, c, nil)
	if err != nil {
		return nil, err
	}
	if benchDir, err = os.MkdirTemp("", "samlocal-bench-"); err != nil {
		return nil, err
	}
	mb := &makeBuilder{root: root, out: benchDir}
	for _, id := range m.FunctionIDs() {
		spec := m.Functions[id]
		if _, err := os.Stat(filepath.Join(root, "functions", spec.Folder)); err != nil {
			continue // not written yet
		}
		path, err := mb.Build(context.Background(), spec)
		if err != nil {
			return nil, err
		}
		st, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		fn := spec.Fn
		fn.Bootstrap = path
		fn.Env = maps.Clone(fn.Env)
		maps.Copy(fn.Env, functionEnv())
		out = append(out, benchFunction{ID: id, Fn: fn, Size: st.Size()})
	}
	return out, nil
}

// coldStart starts a new instance, invokes it once with {} and returns the
// init duration (process start to the first /next).
func coldStart(b testing.TB, fn lambdart.Function) time.Duration {
	p, err := lambdart.NewPool(fn, lambdart.Options{Logs: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	res, err := p.Invoke(context.Background(), lambdart.Request{Payload: []byte("{}")})
	if err != nil {
		b.Fatal(err)
	}
	if res.ErrorType == "Runtime.ExitError" || res.ErrorType == "Runtime.InitTimeout" {
		b.Fatalf("%s failed its init: %s", fn.Name, res.Payload)
	}
	return res.Report.InitDuration
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// MaxColdStartRatio is how much heavier than hello-world a function's cold
// start may be, in init duration and in bootstrap size.
const MaxColdStartRatio = 2.0

// minColdStarts is the fewest cold starts a ratio is the median of, however
// short the benchmark time.
const minColdStarts = 11

// BenchmarkColdStart reports, for the hello-world Lambda and for every
// function of template.yaml built in the same run with the same flags, the
// bootstrap size and the median init duration through the local runtime,
// and both as ratios to hello-world's (init-x-hello, size-x-hello). It fails
// when a ratio exceeds MaxColdStartRatio.
//
// Each of a function's cold starts is paired with one of hello-world's,
// started right after it: the machine's load changes during a run, and the
// ratio of the two medians compares starts made under the same load. Only
// the function's starts are timed (ns/op).
func BenchmarkColdStart(b *testing.B) {
	fns := loadBenchFunctions(b)
	hello := fns[0]
	for _, f := range fns {
		b.Run(f.ID, func(b *testing.B) {
			var inits, hellos []time.Duration
			pair := func() {
				inits = append(inits, coldStart(b, f.Fn))
				b.StopTimer()
				hellos = append(hellos, coldStart(b, hello.Fn))
				b.StartTimer()
			}
			for b.Loop() {
				pair()
			}
			for len(inits) < minColdStarts {
				pair()
			}
			init, helloInit := median(inits), median(hellos)
			initRatio := float64(init) / float64(helloInit)
			sizeRatio := float64(f.Size) / float64(hello.Size)
			b.ReportMetric(ms(init), "init-ms")
			b.ReportMetric(float64(f.Size)/(1<<20), "MiB")
			b.ReportMetric(sizeRatio, "size-x-hello")
			b.ReportMetric(initRatio, "init-x-hello")
			if initRatio > MaxColdStartRatio {
				b.Errorf("%s: init %.2f ms is %.2f times hello-world's %.2f ms (at most %.1f)", f.ID, ms(init), initRatio, ms(helloInit), MaxColdStartRatio)
			}
			if sizeRatio > MaxColdStartRatio {
				b.Errorf("%s: bootstrap %.2f MiB is %.2f times hello-world's %.2f MiB (at most %.1f)", f.ID,
					float64(f.Size)/(1<<20), sizeRatio, float64(hello.Size)/(1<<20), MaxColdStartRatio)
			}
		})
	}
}

// BenchmarkWarmInvoke measures one invoke of a warm echo instance through
// the Runtime API: the local runtime's own overhead per event.
func BenchmarkWarmInvoke(b *testing.B) {
	p, err := lambdart.NewPool(lambdart.Function{Name: "echo", Bootstrap: fixtures.Build(b, "echo"), MemoryMB: 128,
		Timeout: 10 * time.Second, Region: localaws.Region, AccountID: localaws.AccountID}, lambdart.Options{Logs: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	req := lambdart.Request{Payload: []byte(`{"response":{"ok":true}}`)}
	if _, err := p.Invoke(context.Background(), req); err != nil { // the cold start is not measured
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := p.Invoke(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
