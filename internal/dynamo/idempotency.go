package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Idempotency is the DynamoDB implementation of order.IdempotencyStore, in
// the style of Powertools for AWS Lambda: a conditional put claims a key as
// INPROGRESS, the outcome is stored as COMPLETED, and expiry is checked in
// code because TTL deletion lags.
type Idempotency struct{ s *Store }

var _ order.IdempotencyStore = (*Idempotency)(nil)

// Idempotency returns the idempotency store over the same table and clock.
func (s *Store) Idempotency() *Idempotency { return &Idempotency{s: s} }

// checkIdemKey refuses a scope or key that cannot be part of an item key.
func checkIdemKey(op, scope, key string) error {
	if scope == "" || strings.Contains(scope, "#") || !utf8.ValidString(scope) || len(scope) > 64 {
		return order.E(op, order.Invalid, "invalid_idempotency_scope", "the idempotency scope must be 1 to 64 characters without '#'")
	}
	return order.CheckIdempotencyKey(op, key)
}

// idemItem is an idempotency record. Its ttl lets DynamoDB delete it some
// time after expiresAt; expiresAt is what the code trusts.
func idemItem(scope, key string, status order.IdempotencyStatus, fingerprint string, expires time.Time) item {
	it := item{
		attrPK:        str(idemPK(scope, key)),
		attrSK:        str(skIdem),
		attrType:      str(typeIdem),
		attrStatus:    str(string(status)),
		attrExpiresAt: str(fmtTime(expires)),
		attrTTL:       num(expires.Unix() + 1),
	}
	if fingerprint != "" {
		it["fingerprint"] = str(fingerprint)
	}
	return it
}

// idemCompletedItem is the COMPLETED record of a result.
func idemCompletedItem(r order.IdempotencyResult, now time.Time) (item, error) {
	const op = "dynamo.Idempotency"
	if err := checkIdemKey(op, r.Scope, r.Key); err != nil {
		return nil, err
	}
	if r.TTL <= 0 {
		return nil, order.E(op, order.Invalid, "invalid_ttl", "a completed idempotency record needs a positive TTL")
	}
	it := idemItem(r.Scope, r.Key, order.IdempotencyCompleted, r.Fingerprint, now.Add(r.TTL))
	if len(r.Response) > 0 {
		it["response"] = &types.AttributeValueMemberB{Value: r.Response}
	}
	if r.ResourceID != "" {
		it["resourceId"] = str(r.ResourceID)
	}
	return it, nil
}

// decodeIdem reads an idempotency record.
func decodeIdem(scope, key string, it item) (*order.IdempotencyRecord, error) {
	exp, err := parseTime(getS(it, attrExpiresAt))
	if err != nil {
		return nil, err
	}
	r := &order.IdempotencyRecord{
		Scope: scope, Key: key,
		Status:      order.IdempotencyStatus(getS(it, attrStatus)),
		Fingerprint: getS(it, "fingerprint"),
		ResourceID:  getS(it, "resourceId"),
		ExpiresAt:   exp,
	}
	if b, ok := it["response"].(*types.AttributeValueMemberB); ok {
		r.Response = b.Value
	}
	return r, nil
}

// Begin implements order.IdempotencyStore with one conditional put: the
// claim succeeds when no record exists or the existing one has expired; a
// failed condition returns the holder's record, read from the failure.
func (d *Idempotency) Begin(ctx context.Context, scope, key, fingerprint string, lock time.Duration) (*order.IdempotencyRecord, error) {
	const op = "dynamo.Idempotency.Begin"
	if err := checkIdemKey(op, scope, key); err != nil {
		return nil, err
	}
	if lock <= 0 {
		return nil, order.E(op, order.Invalid, "invalid_ttl", "the in-progress lock needs a positive duration")
	}
	now := d.s.now()
	_, err := d.s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(d.s.table),
		Item:                                idemItem(scope, key, order.IdempotencyInProgress, fingerprint, now.Add(lock)),
		ConditionExpression:                 aws.String("attribute_not_exists(PK) OR #exp < :now"),
		ExpressionAttributeNames:            map[string]string{"#exp": attrExpiresAt},
		ExpressionAttributeValues:           item{":now": str(fmtTime(now))},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, ok := isConditionFailed(err); ok {
		r, derr := decodeIdem(scope, key, old)
		if derr != nil {
			return nil, mapErr(op, derr)
		}
		return r, nil
	}
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("claim idempotency key %s/%s: %w", scope, key, err))
	}
	return nil, nil
}

// Complete implements order.IdempotencyStore.
func (d *Idempotency) Complete(ctx context.Context, r order.IdempotencyResult) error {
	const op = "dynamo.Idempotency.Complete"
	it, err := idemCompletedItem(r, d.s.now())
	if err != nil {
		return err
	}
	_, err = d.s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(d.s.table),
		Item:                      it,
		ConditionExpression:       aws.String("#status = :inprogress"),
		ExpressionAttributeNames:  map[string]string{"#status": attrStatus},
		ExpressionAttributeValues: item{":inprogress": str(string(order.IdempotencyInProgress))},
	})
	if _, ok := isConditionFailed(err); ok {
		return order.E(op, order.Conflict, "idempotency_not_in_progress",
			fmt.Sprintf("idempotency key %s/%s is not in progress", r.Scope, r.Key))
	}
	if err != nil {
		return mapErr(op, fmt.Errorf("complete idempotency key %s/%s: %w", r.Scope, r.Key, err))
	}
	return nil
}

// Release implements order.IdempotencyStore: it deletes the record only
// while it is in progress.
func (d *Idempotency) Release(ctx context.Context, scope, idemKey string) error {
	const op = "dynamo.Idempotency.Release"
	if err := checkIdemKey(op, scope, idemKey); err != nil {
		return err
	}
	_, err := d.s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(d.s.table),
		Key:                       key(idemPK(scope, idemKey), skIdem),
		ConditionExpression:       aws.String("#status = :inprogress"),
		ExpressionAttributeNames:  map[string]string{"#status": attrStatus},
		ExpressionAttributeValues: item{":inprogress": str(string(order.IdempotencyInProgress))},
	})
	if _, ok := isConditionFailed(err); ok {
		return nil // absent or completed: nothing to release
	}
	if err != nil {
		return mapErr(op, fmt.Errorf("release idempotency key %s/%s: %w", scope, idemKey, err))
	}
	return nil
}
