package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/fixtures"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
	"github.com/ordersmith/ordersmith/internal/webhook"
	"github.com/ordersmith/ordersmith/internal/webhook/ecwidstub"
)

// sample is one file events/<function-folder>/<name>.json.
type sample struct {
	Folder, Name, Path string
	Expect             expectation
}

// expectation is the optional sibling <name>.expect.json.
type expectation struct {
	StatusCode *int  `json:"statusCode"` // the answer is an HTTP response with this status
	Error      *bool `json:"error"`      // the invoke fails (true) or not (false)
}

// discoverSamples lists events/<folder>/*.json, with their expectations.
// Files directly under events/ (shared local data) are not samples.
func discoverSamples(dir string) ([]sample, error) {
	folders, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []sample
	for _, f := range folders {
		if !f.IsDir() {
			continue
		}
		files, err := filepath.Glob(filepath.Join(dir, f.Name(), "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, p := range files {
			if strings.HasSuffix(p, ".expect.json") {
				continue
			}
			s := sample{Folder: f.Name(), Name: strings.TrimSuffix(filepath.Base(p), ".json"), Path: p}
			b, err := os.ReadFile(strings.TrimSuffix(p, ".json") + ".expect.json")
			switch {
			case err == nil:
				dec := json.NewDecoder(bytes.NewReader(b))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&s.Expect); err != nil {
					return nil, fmt.Errorf("%s.expect.json: %w", s.Name, err)
				}
			case !os.IsNotExist(err):
				return nil, err
			}
			out = append(out, s)
		}
	}
	// Within a folder, samples that write run before samples that only read
	// (GET routes), so that a read sample finds what a write sample stored.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Folder != out[j].Folder {
			return out[i].Folder < out[j].Folder
		}
		return !isRead(out[i].Path) && isRead(out[j].Path)
	})
	return out, nil
}

// isRead reports whether a sample is an HTTP API request to a GET route.
func isRead(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var ev struct {
		RouteKey string `json:"routeKey"`
	}
	_ = json.Unmarshal(b, &ev) // not an HTTP sample: not a read
	return strings.HasPrefix(ev.RouteKey, "GET ")
}

// isolate renames the template's tables, queues and buckets so that the
// samples run against resources of their own, not the shared dev stack's.
func isolate(suffix string) func(*samtemplate.Template) {
	return func(t *samtemplate.Template) {
		for id, r := range t.Resources {
			base := "ordersmith-t-" + suffix + "-" + strings.ToLower(id)
			switch r.Type {
			case localaws.TableType:
				r.Properties["TableName"] = base
			case localaws.QueueType:
				name := base
				if fifo, _ := r.Properties["FifoQueue"].(bool); fifo {
					name += ".fifo"
				}
				r.Properties["QueueName"] = name
			case localaws.BucketType:
				if len(base) > 63 {
					base = base[:63]
				}
				r.Properties["BucketName"] = strings.TrimRight(base, "-")
			}
		}
	}
}

// checkAnswer compares an invoke's outcome with a sample's expectation. By
// default a sample must not fail, and an HTTP answer must be a 2xx: a
// sample shows the function working; a sample of a refusal says so in its
// .expect.json.
func checkAnswer(answer []byte, failed bool, e expectation) error {
	wantError := false
	if e.Error != nil {
		wantError = *e.Error
	}
	if failed != wantError {
		return fmt.Errorf("function error = %v, want %v; answer %s", failed, wantError, answer)
	}
	if failed {
		return nil
	}
	var resp struct {
		StatusCode *int `json:"statusCode"`
	}
	_ = json.Unmarshal(answer, &resp) // a non-object answer has no status
	switch {
	case e.StatusCode != nil && (resp.StatusCode == nil || *resp.StatusCode != *e.StatusCode):
		return fmt.Errorf("statusCode = %v, want %d; answer %s", deref(resp.StatusCode), *e.StatusCode, answer)
	case e.StatusCode == nil && resp.StatusCode != nil && (*resp.StatusCode < 200 || *resp.StatusCode > 299):
		return fmt.Errorf("statusCode = %d; answer %s", *resp.StatusCode, answer)
	}
	return nil
}

func deref(p *int) any {
	if p == nil {
		return "none"
	}
	return *p
}

func TestCheckAnswer(t *testing.T) {
	i := func(n int) *int { return &n }
	b := func(v bool) *bool { return &v }
	tests := []struct {
		name   string
		answer string
		failed bool
		expect expectation
		ok     bool
	}{
		{"default success", `{"statusCode":200,"body":"{}"}`, false, expectation{}, true},
		{"default 5xx fails", `{"statusCode":503}`, false, expectation{}, false},
		{"default 4xx fails", `{"statusCode":401}`, false, expectation{}, false},
		{"expected refusal", `{"statusCode":401}`, false, expectation{StatusCode: i(401)}, true},
		{"default function error fails", `{"errorMessage":"x"}`, true, expectation{}, false},
		{"status matches", `{"statusCode":201}`, false, expectation{StatusCode: i(201)}, true},
		{"status differs", `{"statusCode":200}`, false, expectation{StatusCode: i(201)}, false},
		{"status missing", `null`, false, expectation{StatusCode: i(201)}, false},
		{"expected error", `{"errorMessage":"x"}`, true, expectation{Error: b(true)}, true},
		{"expected error missing", `{}`, false, expectation{Error: b(true)}, false},
		{"non-HTTP answer", `{"batchItemFailures":[]}`, false, expectation{Error: b(false)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkAnswer([]byte(tt.answer), tt.failed, tt.expect); (err == nil) != tt.ok {
				t.Errorf("checkAnswer = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// TestEventSamples invokes every function with every sample of events/
// through the local runtime, against resources of its own in the local
// emulators.
func TestEventSamples(t *testing.T) {
	root, err := fixtures.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	samples, err := discoverSamples(filepath.Join(root, "events"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.ParseFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	byFolder := map[string]string{}
	for id := range tpl.Functions() {
		byFolder[functionFolder(id)] = id
	}
	withSamples := map[string]bool{}
	for _, s := range samples {
		id, ok := byFolder[s.Folder]
		if !ok {
			t.Errorf("events/%s/%s.json: no function of template.yaml has the folder functions/%s", s.Folder, s.Name, s.Folder)
			continue
		}
		withSamples[id] = true
	}
	for folder, id := range byFolder {
		if _, err := os.Stat(filepath.Join(root, "functions", folder)); err == nil && !withSamples[id] {
			t.Errorf("%s (functions/%s) has no sample under events/%s/", id, folder, folder)
		}
	}
	if len(withSamples) == 0 {
		t.Logf("no samples under events/ yet: nothing to invoke")
		return
	}
	localawstest.Config(t) // fails the test when the emulators do not answer
	only := make([]string, 0, len(withSamples))
	for id := range withSamples {
		only = append(only, id)
	}
	sort.Strings(only)
	// Ecwid webhooks only name an order: the intake fetches it from Ecwid's
	// REST API, here a local stand-in serving the sample orders.
	ecwid := ecwidstub.New(localaws.LocalEcwidToken)
	if err := ecwid.LoadDir(filepath.Join(root, "internal", "webhook", "testdata", "ecwid", "orders")); err != nil {
		t.Fatal(err)
	}
	ecwidAPI := httptest.NewServer(ecwid)
	t.Cleanup(ecwidAPI.Close)
	secrets, err := localaws.ReadWebhookSecretsFile(filepath.Join(root, localaws.LocalWebhookSecretsFile))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	a, err := newApp(t.Context(), config{
		Params:   map[string]string{"EcwidApiBaseUrl": ecwidAPI.URL},
		Root:     root,
		CacheDir: t.TempDir(),
		Only:     only,
		Mutate:   isolate(localawstest.UniqueName(t, 20)),
		Logs:     logs,
		Log:      slog.New(slog.NewTextHandler(testLogWriter{t}, nil)),
	})
	if err != nil {
		t.Fatalf("start the local stack: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	deleteStackResources(t, a.aws, a)
	for _, id := range only {
		if err := a.buildErrs[id]; err != nil {
			t.Errorf("%s does not build: %v", id, err)
		}
	}
	for _, s := range samples {
		id := byFolder[s.Folder]
		t.Run(s.Folder+"/"+s.Name, func(t *testing.T) {
			if _, ok := a.pools.Get(id); !ok {
				t.Fatalf("%s is not running", id)
			}
			payload, err := os.ReadFile(s.Path)
			if err != nil {
				t.Fatal(err)
			}
			if payload, err = restampGeneric(payload, secrets); err != nil {
				t.Fatal(err)
			}
			answer, failed, err := a.pools.Invoke(t.Context(), id, payload)
			if err != nil {
				t.Fatalf("invoke %s: %v", id, err)
			}
			if err := checkAnswer(answer, failed, s.Expect); err != nil {
				t.Errorf("%s with %s: %v\nfunction output:\n%s", id, s.Path, err, logs)
			}
		})
	}
}

// restampGeneric signs a generic-webhook sample again at the current time
// with the local secret. The generic format refuses signatures older than
// five minutes, so a sample stamped when it was generated would only ever
// show that refusal. An Ecwid sample gets a fresh eventCreated, signed the
// same way: the intake refuses events older than webhook.MaxEcwidEventAge.
// Other samples are returned unchanged.
func restampGeneric(payload []byte, secrets map[string][]string) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(payload, &ev); err != nil {
		return payload, nil // not an object: not an HTTP sample
	}
	params, _ := ev["pathParameters"].(map[string]any)
	headers, _ := ev["headers"].(map[string]any)
	body, _ := ev["body"].(string)
	src, _ := params["source"].(string)
	if (src != string(order.SourceGeneric) && src != string(order.SourceEcwid)) || headers == nil || ev["isBase64Encoded"] == true {
		return payload, nil
	}
	if len(secrets[src]) == 0 {
		return nil, fmt.Errorf("no local %s webhook secret in %s", src, localaws.LocalWebhookSecretsFile)
	}
	if src == string(order.SourceEcwid) {
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber() // ids stay as written
		var event map[string]any
		if err := dec.Decode(&event); err != nil {
			return nil, err
		}
		event["eventCreated"] = time.Now().Unix()
		b, err := json.Marshal(event)
		if err != nil {
			return nil, err
		}
		body = string(b)
		ev["body"] = body
	}
	signed, err := webhook.SignatureHeaders(order.Source(src), []byte(secrets[src][0]), []byte(body), time.Now())
	if err != nil {
		return nil, err
	}
	for k, v := range signed {
		headers[k] = v
	}
	return json.Marshal(ev)
}
