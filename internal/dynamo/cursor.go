package dynamo

import (
	"encoding/base64"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// cursor is what an opaque page cursor carries: the listing it belongs to
// (so a cursor of one listing cannot be replayed on another), the month
// bucket a time listing had reached, and DynamoDB's LastEvaluatedKey. All
// our key attributes are strings, so the key is a plain string map.
type cursor struct {
	Scope string            `json:"s"`
	Month string            `json:"m,omitempty"`
	Key   map[string]string `json:"k,omitempty"`
}

// encodeCursor returns the opaque base64url form of c.
func encodeCursor(c cursor) string {
	b, err := json.Marshal(c)
	if err != nil {
		// A struct of strings always marshals.
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a cursor for the listing scope. An empty string is
// the first page. A malformed cursor, or one of another listing, is an
// Invalid error: it came from the caller.
func decodeCursor(op, s, scope string) (cursor, error) {
	if s == "" {
		return cursor{Scope: scope}, nil
	}
	bad := order.E(op, order.Invalid, "invalid_cursor", "the page cursor is malformed or belongs to another listing")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Scope != scope {
		return cursor{}, bad
	}
	return c, nil
}

// startKey is the ExclusiveStartKey of the cursor, or nil.
func (c cursor) startKey() map[string]types.AttributeValue {
	if len(c.Key) == 0 {
		return nil
	}
	k := make(map[string]types.AttributeValue, len(c.Key))
	for name, v := range c.Key {
		k[name] = &types.AttributeValueMemberS{Value: v}
	}
	return k
}
