package devauth

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestLoadOrCreateKeepsOneKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "key.pem")
	first, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	again, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || !again.Private.Equal(first.Private) {
		t.Error("a second load generated another key")
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(path); err == nil {
		t.Error("a corrupt key file was accepted")
	}
}

func TestMint(t *testing.T) {
	k, err := LoadOrCreate(filepath.Join(t.TempDir(), "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	tok, err := k.Mint(TokenRequest{Subject: "alice@shop", Scopes: []string{"orders:read", "orders:write"}, TTL: 12 * time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(tk *jwt.Token) (any, error) { return k.PublicKey(tk.Header["kid"].(string)) },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(Issuer), jwt.WithAudience(Audience))
	if err != nil || !parsed.Valid {
		t.Fatalf("the minted token does not verify: %v", err)
	}
	want := map[string]any{"sub": "alice@shop", "scope": "orders:read orders:write", "iss": Issuer, "aud": Audience,
		"exp": float64(now.Add(12 * time.Hour).Unix()), "iat": float64(now.Unix())}
	for name, v := range want {
		if claims[name] != v {
			t.Errorf("claim %s = %v, want %v", name, claims[name], v)
		}
	}
	bad := []TokenRequest{{TTL: time.Hour}, {Subject: "x"}}
	for _, req := range bad {
		if _, err := k.Mint(req); err == nil {
			t.Errorf("Mint(%+v) succeeded", req)
		}
	}
	if _, err := k.PublicKey("other"); err == nil {
		t.Error("an unknown kid returned a key")
	}
}

func TestJWKS(t *testing.T) {
	k, err := LoadOrCreate(filepath.Join(t.TempDir(), "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(k.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("keys %v", set.Keys)
	}
	key := set.Keys[0]
	if key["kid"] != k.ID || key["kty"] != "RSA" || key["alg"] != "RS256" || key["e"] != "AQAB" || len(key["n"]) < 300 || strings.ContainsAny(key["n"], "+/=") {
		t.Errorf("jwk %v", key)
	}
}
