package devauth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer and Audience are what the local stack passes as the template's
// JwtIssuer and JwtAudience parameters: a non-empty issuer makes the
// CreateUserPool condition false, as a deployment with an outside IdP.
const (
	Issuer   = "http://127.0.0.1:3000/_local/jwt"
	Audience = "ordersmith-local"
)

// Key is the local signing key and its key id.
type Key struct {
	Private *rsa.PrivateKey
	ID      string // kid: a thumbprint of the public key
}

// LoadOrCreate reads the PEM private key at path, or generates a 2048-bit
// RSA key and writes it there (0600) when the file does not exist yet.
func LoadOrCreate(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		return parse(b, path)
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("read signing key %s: %w", path, err)
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create key directory: %w", err)
	}
	// O_EXCL: when two processes race to create the key, one wins and the
	// other reads the winner's key instead of silently replacing it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreate(path)
	}
	if err != nil {
		return nil, fmt.Errorf("write signing key %s: %w", path, err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, fmt.Errorf("write signing key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write signing key %s: %w", path, err)
	}
	return newKey(priv), nil
}

func parse(b []byte, path string) (*Key, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("signing key %s: no PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: not an RSA key", path)
	}
	return newKey(priv), nil
}

func newKey(priv *rsa.PrivateKey) *Key {
	sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(&priv.PublicKey))
	return &Key{Private: priv, ID: base64.RawURLEncoding.EncodeToString(sum[:12])}
}

// TokenRequest describes a dev token.
type TokenRequest struct {
	Subject  string        // sub, e.g. "alice@shop"
	Scopes   []string      // the space-separated scope claim
	TTL      time.Duration // lifetime from Now
	Issuer   string        // Issuer when empty
	Audience string        // Audience when empty
	Now      time.Time     // time.Now() when zero
	Extra    map[string]any
}

// Mint signs a token with the key: RS256, kid header, iss, aud, sub, scope,
// iat, nbf, exp and a random jti.
func (k *Key) Mint(req TokenRequest) (string, error) {
	if req.Subject == "" {
		return "", errors.New("mint token: subject is empty")
	}
	if req.TTL <= 0 {
		return "", errors.New("mint token: ttl must be positive")
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	iss, aud := req.Issuer, req.Audience
	if iss == "" {
		iss = Issuer
	}
	if aud == "" {
		aud = Audience
	}
	jti := make([]byte, 12)
	_, _ = rand.Read(jti) // crypto/rand.Read never fails on Linux
	claims := jwt.MapClaims{}
	for name, v := range req.Extra {
		claims[name] = v
	}
	claims["iss"] = iss
	claims["aud"] = aud
	claims["sub"] = req.Subject
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = now.Add(req.TTL).Unix()
	claims["jti"] = base64.RawURLEncoding.EncodeToString(jti)
	if len(req.Scopes) > 0 {
		claims["scope"] = strings.Join(req.Scopes, " ")
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = k.ID
	s, err := tok.SignedString(k.Private)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// PublicKey returns the verification key for kid, or an error for any other
// key id.
func (k *Key) PublicKey(kid string) (*rsa.PublicKey, error) {
	if kid != k.ID {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	return &k.Private.PublicKey, nil
}

// JWKS returns the JSON Web Key Set that publishes the public key, as an
// identity provider serves it at /.well-known/jwks.json.
func (k *Key) JWKS() []byte {
	pub := k.Private.PublicKey
	set := map[string]any{"keys": []map[string]string{{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": k.ID,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
	b, _ := json.Marshal(set) // strings only: cannot fail
	return b
}
