package cartreminders

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Purpose says what a token opens; a token of one purpose never opens the
// other.
type Purpose string

// The token purposes.
const (
	PurposeRecover     Purpose = "recover"
	PurposeUnsubscribe Purpose = "unsubscribe"
)

// How long the links of an e-mail work: the recovery link a little longer
// than a cart is reminded, the unsubscribe link long after.
const (
	RecoverTokenTTL     = 14 * 24 * time.Hour
	UnsubscribeTokenTTL = 180 * 24 * time.Hour
)

// TokenKeyParameter is the SSM parameter (a SecureString under
// SECRETS_PREFIX) holding the tokens' HMAC key.
const TokenKeyParameter = "carts/token-key"

// minKeyBytes: a shorter key is refused rather than used.
const minKeyBytes = 32

// Claims are what a token says.
type Claims struct {
	Purpose Purpose   `json:"p"`
	CartID  string    `json:"c"`
	Step    int       `json:"s"`
	Email   string    `json:"e,omitempty"` // the address an unsubscribe token suppresses
	Expires time.Time `json:"x"`
}

// KeySource returns the HMAC key (read from SSM, cached by the reader).
type KeySource func(ctx context.Context) ([]byte, error)

// Tokens signs and checks the links' tokens: base64url(claims JSON) "."
// base64url(HMAC-SHA256(key, claims JSON)).
type Tokens struct{ key KeySource }

// NewTokens returns the token signer over key.
func NewTokens(key KeySource) (*Tokens, error) {
	if err := order.RequireDeps("cartreminders.NewTokens", order.Need("Key", key)); err != nil {
		return nil, err
	}
	return &Tokens{key: key}, nil
}

func (t *Tokens) readKey(ctx context.Context) ([]byte, error) {
	k, err := t.key(ctx)
	if err != nil {
		return nil, order.Wrap("cartreminders.Tokens", order.Transient, "token_key_unavailable", "the link key cannot be read", err)
	}
	if len(k) < minKeyBytes {
		return nil, order.E("cartreminders.Tokens", order.Internal, "token_key_too_short", fmt.Sprintf("the link key must be at least %d bytes", minKeyBytes))
	}
	return k, nil
}

// Sign returns the token of c.
func (t *Tokens) Sign(ctx context.Context, c Claims) (string, error) {
	key, err := t.readKey(ctx)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode token claims: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(mac(key, payload)), nil
}

// The codes of a refused token.
const (
	CodeInvalidToken = "invalid_token"
	CodeExpiredToken = "expired_token"
)

// Verify returns the claims of token when it is authentic, of purpose and
// not expired at now: else an Invalid error (invalid_token or
// expired_token).
func (t *Tokens) Verify(ctx context.Context, token string, purpose Purpose, now time.Time) (Claims, error) {
	const op = "cartreminders.Tokens.Verify"
	invalid := order.E(op, order.Invalid, CodeInvalidToken, "this link is not valid")
	p64, s64, ok := strings.Cut(token, ".")
	if !ok || len(token) > 2048 {
		return Claims{}, invalid
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	sig, err2 := base64.RawURLEncoding.DecodeString(s64)
	if err1 != nil || err2 != nil {
		return Claims{}, invalid
	}
	key, err := t.readKey(ctx)
	if err != nil {
		return Claims{}, err
	}
	if !hmac.Equal(sig, mac(key, payload)) {
		return Claims{}, invalid
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || c.Purpose != purpose || c.CartID == "" {
		return Claims{}, invalid
	}
	if !now.Before(c.Expires) {
		return Claims{}, order.E(op, order.Invalid, CodeExpiredToken, "this link has expired")
	}
	return c, nil
}

func mac(key, payload []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(payload)
	return h.Sum(nil)
}
