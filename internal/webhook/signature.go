package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Secrets provides the signing secrets a source currently accepts. During a
// rotation several are active: a delivery verifies if any of them matches.
// In AWS the intake backs it with SSM Parameter Store; StaticSecrets serves
// tests and local runs.
type Secrets interface {
	Active(ctx context.Context, source string) ([][]byte, error)
}

// StaticSecrets is an in-memory Secrets: source name → active secrets.
type StaticSecrets map[string][][]byte

var _ Secrets = StaticSecrets(nil)

// Active returns a copy of the source's secrets (none for an unknown source).
func (s StaticSecrets) Active(_ context.Context, source string) ([][]byte, error) {
	out := make([][]byte, 0, len(s[source]))
	for _, k := range s[source] {
		out = append(out, append([]byte(nil), k...))
	}
	return out, nil
}

// SecretsFromJSON reads secrets in the format of
// events/webhook-secrets.local.json: {"shopify": ["secret", ...], ...}. Each
// string's UTF-8 bytes are the HMAC key, as the storefronts use them.
func SecretsFromJSON(b []byte) (StaticSecrets, error) {
	var raw map[string][]string
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("decode webhook secrets: %w", err)
	}
	out := make(StaticSecrets, len(raw))
	for src, list := range raw {
		for _, s := range list {
			out[src] = append(out[src], []byte(s))
		}
	}
	return out, nil
}

// GenericTolerance is how far the generic format's signed timestamp may be
// from our clock, in either direction, before the delivery is refused as
// stale (a replay) or from the future (a wrong clock).
const GenericTolerance = 5 * time.Minute

// macEqual compares MACs in constant time. It is a variable only so that a
// test can prove every comparison goes through hmac.Equal.
var macEqual = hmac.Equal

// Verification records whether a delivery's signature verified, so that
// the edge can tell an authentic delivery that cannot be processed (kept in
// the quarantine) from one that proves nothing (refused). Parse reports
// every failure as an error; which side of the signature check it came
// from is only known here.
type Verification struct{ ok atomic.Bool }

type verificationKey struct{}

// WithVerification returns ctx carrying a new Verification, which Parse
// sets once the delivery's signature has verified.
func WithVerification(ctx context.Context) (context.Context, *Verification) {
	v := &Verification{}
	return context.WithValue(ctx, verificationKey{}, v), v
}

// Verified reports whether the signature verified.
func (v *Verification) Verified() bool { return v != nil && v.ok.Load() }

// markVerified records in ctx's Verification, if any, that the signature
// verified.
func markVerified(ctx context.Context) {
	if v, ok := ctx.Value(verificationKey{}).(*Verification); ok {
		v.ok.Store(true)
	}
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// activeSecrets fetches the source's secrets, dropping empty ones: an empty
// HMAC key is public knowledge and would let anyone sign.
func activeSecrets(ctx context.Context, op string, s Secrets, src order.Source) ([][]byte, error) {
	list, err := s.Active(ctx, string(src))
	if err != nil {
		var oe *order.Error
		if errors.As(err, &oe) {
			return nil, err
		}
		return nil, order.Wrap(op, order.Transient, "secrets_unavailable",
			fmt.Sprintf("the %s webhook secrets could not be read", src), fmt.Errorf("read %s webhook secrets: %w", src, err))
	}
	keys := make([][]byte, 0, len(list))
	for _, k := range list {
		if len(k) > 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, order.E(op, order.Unauthenticated, "invalid_signature",
			fmt.Sprintf("no %s webhook secret is configured, so no signature can verify", src))
	}
	return keys, nil
}

// anyMatch reports whether one of the secrets signs msg with one of the
// given MACs. It tries every pair rather than stopping at the first match,
// so the time taken does not reveal which secret is the current one.
func anyMatch(keys [][]byte, msg []byte, macs [][]byte) bool {
	ok := false
	for _, k := range keys {
		want := hmacSHA256(k, msg)
		for _, m := range macs {
			if macEqual(want, m) {
				ok = true
			}
		}
	}
	return ok
}

// verifyBase64MAC checks a base64 HMAC-SHA256 header (Shopify, WooCommerce,
// Ecwid) over msg against the source's active secrets.
func verifyBase64MAC(ctx context.Context, op string, deps Deps, src order.Source, headerName, sig string, msg []byte) error {
	if sig == "" {
		return order.E(op, order.Unauthenticated, "missing_signature", fmt.Sprintf("the %s header is missing", headerName))
	}
	mac, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(mac) != sha256.Size {
		return order.E(op, order.Unauthenticated, "invalid_signature", fmt.Sprintf("the %s header is not a base64 HMAC-SHA256", headerName))
	}
	keys, err := activeSecrets(ctx, op, deps.Secrets, src)
	if err != nil {
		return err
	}
	if !anyMatch(keys, msg, [][]byte{mac}) {
		return order.E(op, order.Unauthenticated, "invalid_signature", fmt.Sprintf("the %s header does not match the body", headerName))
	}
	markVerified(ctx)
	return nil
}

// Limits on the generic signature header, to bound the work per delivery.
const (
	maxSignatureHeader = 1024
	maxSignatureMACs   = 4
)

// genericSignature is a parsed X-Signature header: "t=<unix>,v1=<hex>".
// Several v1 entries may be present (a sender rotating its secret signs
// with both); unknown keys are ignored for forward compatibility.
type genericSignature struct {
	t   int64
	v1s [][]byte
}

// parseSignatureHeader parses the generic X-Signature header.
func parseSignatureHeader(h string) (genericSignature, error) {
	const op = "webhook.parseSignatureHeader"
	bad := func(why string) error {
		return order.E(op, order.Unauthenticated, "invalid_signature", "X-Signature "+why)
	}
	var sig genericSignature
	if len(h) > maxSignatureHeader {
		return sig, bad("is too long")
	}
	seenT := false
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return sig, bad(`must be "t=<unix seconds>,v1=<hex HMAC-SHA256>"`)
		}
		switch k {
		case "t":
			if seenT {
				return sig, bad("has two timestamps")
			}
			seenT = true
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 || len(v) > 12 || v[0] == '+' {
				return sig, bad("has a timestamp that is not unix seconds")
			}
			sig.t = n
		case "v1":
			mac, err := hex.DecodeString(v)
			if err != nil || len(mac) != sha256.Size {
				return sig, bad("has a v1 that is not a hex HMAC-SHA256")
			}
			if len(sig.v1s) == maxSignatureMACs {
				return sig, bad("has too many v1 entries")
			}
			sig.v1s = append(sig.v1s, mac)
		}
	}
	if !seenT {
		return sig, bad("has no timestamp t")
	}
	if len(sig.v1s) == 0 {
		return sig, bad("has no v1 signature")
	}
	return sig, nil
}

// genericSignedPayload is what the generic format signs: "<t>.<body>".
func genericSignedPayload(t int64, body []byte) []byte {
	msg := make([]byte, 0, 21+len(body))
	msg = strconv.AppendInt(msg, t, 10)
	msg = append(msg, '.')
	return append(msg, body...)
}

// verifyGeneric checks the generic X-Signature header: the MAC first, so that
// "stale" is only ever said of an authentic delivery, then the time window.
func verifyGeneric(ctx context.Context, op string, deps Deps, h string, body []byte) error {
	if h == "" {
		return order.E(op, order.Unauthenticated, "missing_signature", "the X-Signature header is missing")
	}
	sig, err := parseSignatureHeader(h)
	if err != nil {
		return err
	}
	keys, err := activeSecrets(ctx, op, deps.Secrets, order.SourceGeneric)
	if err != nil {
		return err
	}
	if !anyMatch(keys, genericSignedPayload(sig.t, body), sig.v1s) {
		return order.E(op, order.Unauthenticated, "invalid_signature", "X-Signature does not match the body")
	}
	now := deps.now()
	signed := time.Unix(sig.t, 0)
	if d := now.Sub(signed); d > GenericTolerance || d < -GenericTolerance {
		e := order.E(op, order.Unauthenticated, "stale_timestamp",
			fmt.Sprintf("the signature timestamp is %s away from now; at most %s is accepted", d.Round(time.Second).Abs(), GenericTolerance))
		e.Details = map[string]any{"signedAt": signed.UTC().Format(time.RFC3339), "now": now.UTC().Format(time.RFC3339)}
		return e
	}
	markVerified(ctx)
	return nil
}

// SignatureHeaders returns the signature header a storefront would send for
// body signed with secret: X-Shopify-Hmac-Sha256, X-WC-Webhook-Signature,
// X-Ecwid-Webhook-Signature (computed from the body's eventCreated and
// eventId) or the generic X-Signature stamped with at. Tests and local
// tools use it to build valid deliveries; header names are lower-cased.
func SignatureHeaders(src order.Source, secret, body []byte, at time.Time) (map[string]string, error) {
	b64 := func(msg []byte) string { return base64.StdEncoding.EncodeToString(hmacSHA256(secret, msg)) }
	switch src {
	case order.SourceShopify:
		return map[string]string{"x-shopify-hmac-sha256": b64(body)}, nil
	case order.SourceWooCommerce:
		return map[string]string{"x-wc-webhook-signature": b64(body)}, nil
	case order.SourceEcwid:
		var ev ecwidEvent
		if err := decodeJSON("webhook.SignatureHeaders", body, &ev); err != nil {
			return nil, err
		}
		return map[string]string{"x-ecwid-webhook-signature": b64(ecwidSignedPayload(ev))}, nil
	case order.SourceGeneric:
		t := at.Unix()
		mac := hex.EncodeToString(hmacSHA256(secret, genericSignedPayload(t, body)))
		return map[string]string{"x-signature": fmt.Sprintf("t=%d,v1=%s", t, mac)}, nil
	}
	return nil, order.E("webhook.SignatureHeaders", order.Invalid, "unknown_source", fmt.Sprintf("no webhook signature for source %q", src))
}
