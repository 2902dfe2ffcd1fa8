package ecwidstub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Server answers like the Ecwid API: 403 without the expected Bearer token,
// 404 for an unknown store or order, 200 with the order's JSON otherwise.
type Server struct {
	token string

	mu     sync.RWMutex
	orders map[string][]byte // "storeId/orderId" → JSON
}

// New returns a Server accepting token and holding no orders.
func New(token string) *Server {
	return &Server{token: token, orders: map[string][]byte{}}
}

// Add serves body as order orderID of store storeID.
func (s *Server) Add(storeID, orderID string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[storeID+"/"+orderID] = append([]byte(nil), body...)
}

// LoadDir adds every file named "<storeId>-<orderId>.json" in dir.
func (s *Server) LoadDir(dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return fmt.Errorf("list Ecwid orders in %s: %w", dir, err)
	}
	for _, p := range paths {
		store, id, ok := strings.Cut(strings.TrimSuffix(filepath.Base(p), ".json"), "-")
		if !ok {
			return fmt.Errorf("ecwid order file %s: want <storeId>-<orderId>.json", p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read Ecwid order %s: %w", p, err)
		}
		s.Add(store, id, b)
	}
	return nil
}

// ServeHTTP implements http.Handler. The path is /{storeId}/orders/{orderId}
// under any prefix, so the stand-in can sit behind a base URL like /api/v3.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "only GET is served")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		writeError(w, http.StatusForbidden, "Incorrect access token")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 3 || parts[len(parts)-2] != "orders" {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	store, id := parts[len(parts)-3], parts[len(parts)-1]
	s.mu.RLock()
	body, ok := s.orders[store+"/"+id]
	s.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Order #"+id+" not found")
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, _ = w.Write(body)
}

// writeError answers in Ecwid's error shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errorMessage": msg, "errorCode": http.StatusText(status)})
}
