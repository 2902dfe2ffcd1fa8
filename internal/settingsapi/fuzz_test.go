package settingsapi_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/settingsapi"
)

// loadBody returns the body of a sample event in events/settings.
func loadBody(f *testing.F, name string) string {
	f.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "settings", name+".json"))
	if err != nil {
		f.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		f.Fatal(err)
	}
	return ev.Body
}

// FuzzWrites feeds both write routes arbitrary bodies: no answer is a 5xx,
// and settings that were accepted read back as saved.
func FuzzWrites(f *testing.F) {
	f.Add(loadBody(f, "put-settings"), loadBody(f, "put-exchange-rate"))
	f.Add(settingsJSON, `{"rate":0.5}`)
	f.Add(`{"numbering":{"next":-1}}`, `{"rate":"12345678901234567890"}`)
	f.Fuzz(func(t *testing.T, settings, rate string) {
		r := newRouter(t)
		put := call{route: settingsapi.RoutePutSettings, headers: map[string]string{"if-match": `"0"`}, body: settings}.event()
		out, err := r.Serve(context.Background(), put)
		if err != nil || out.StatusCode >= 500 {
			t.Fatalf("PUT /settings %q: %d %s", settings, out.StatusCode, out.Body)
		}
		if out.StatusCode == 200 {
			got, _ := r.Serve(context.Background(), call{route: settingsapi.RouteGetSettings}.event())
			if got.Body != out.Body {
				t.Fatalf("saved %s, read back %s", out.Body, got.Body)
			}
		}
		putRate := call{route: settingsapi.RoutePutRate, params: map[string]string{"currency": "USD", "date": "2025-03-14"}, body: rate}.event()
		if out, err := r.Serve(context.Background(), putRate); err != nil || out.StatusCode >= 500 {
			t.Fatalf("PUT rate %q: %d %s", rate, out.StatusCode, out.Body)
		}
	})
}
