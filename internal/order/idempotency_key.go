package order

import (
	"fmt"
	"unicode/utf8"
)

// MaxIdempotencyKeyBytes bounds an idempotency key: a manual order's
// Idempotency-Key header, a webhook's delivery id. It is counted in bytes,
// not characters, because the key becomes part of a DynamoDB item key,
// whose limits are in bytes (2,048 for a partition key): 255 characters
// could be 1,020 bytes. 255 is also what Stripe allows.
const MaxIdempotencyKeyBytes = 255

// CodeInvalidIdempotencyKey is the Invalid error of a key CheckIdempotencyKey refuses.
const CodeInvalidIdempotencyKey = "invalid_idempotency_key"

// CheckIdempotencyKey returns nil when key is 1 to MaxIdempotencyKeyBytes
// bytes of valid UTF-8, and an Invalid error (code invalid_idempotency_key)
// otherwise. Every store and every edge checks keys with it.
func CheckIdempotencyKey(op, key string) error {
	if key == "" || len(key) > MaxIdempotencyKeyBytes || !utf8.ValidString(key) {
		return E(op, Invalid, CodeInvalidIdempotencyKey,
			fmt.Sprintf("the idempotency key must be 1 to %d bytes of valid UTF-8", MaxIdempotencyKeyBytes))
	}
	return nil
}
