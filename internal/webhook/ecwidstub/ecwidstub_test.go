package ecwidstub

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestServer(t *testing.T) {
	s := New("tok")
	s.Add("7301234", "BTQ-1", []byte(`{"id":"BTQ-1"}`))
	srv := httptest.NewServer(s)
	defer srv.Close()
	tests := []struct {
		name, method, path, token string
		status                    int
		body                      string
	}{
		{"order", "GET", "/api/v3/7301234/orders/BTQ-1", "tok", 200, `{"id":"BTQ-1"}`},
		{"no prefix", "GET", "/7301234/orders/BTQ-1", "tok", 200, `{"id":"BTQ-1"}`},
		{"wrong token", "GET", "/api/v3/7301234/orders/BTQ-1", "other", 403, ""},
		{"no token", "GET", "/api/v3/7301234/orders/BTQ-1", "", 403, ""},
		{"other store", "GET", "/api/v3/1/orders/BTQ-1", "tok", 404, ""},
		{"unknown order", "GET", "/api/v3/7301234/orders/BTQ-2", "tok", 404, ""},
		{"not an order path", "GET", "/api/v3/7301234/products/1", "tok", 404, ""},
		{"write", "POST", "/api/v3/7301234/orders/BTQ-1", "tok", 405, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || (tc.body != "" && string(b) != tc.body) {
				t.Errorf("got %d %s", resp.StatusCode, b)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "42-MY-SHOP-7.json"), []byte(`{"id":"MY-SHOP-7"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := New("tok")
	if err := s.LoadDir(dir); err != nil {
		t.Fatalf("load: %v", err)
	}
	// The store id ends at the first dash; order ids may contain dashes.
	if got := string(s.orders["42/MY-SHOP-7"]); got != `{"id":"MY-SHOP-7"}` {
		t.Errorf("loaded %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "nodash.json"), []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := New("tok").LoadDir(dir); err == nil {
		t.Error("a file without <storeId>-<orderId> was accepted")
	}
}
