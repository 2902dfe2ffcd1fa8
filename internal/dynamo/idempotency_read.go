package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Get reads the record of (scope, key) as stored, expired or not, with a
// consistent read; a key without a record is a NotFound error. The request
// path never needs it (Begin returns the holder's record): it shows how a
// request or a delivery ended, e.g. that the notifier sent an event's
// e-mail (COMPLETED), to the tests that wait for it.
func (d *Idempotency) Get(ctx context.Context, scope, idemKey string) (*order.IdempotencyRecord, error) {
	const op = "dynamo.Idempotency.Get"
	out, err := d.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(d.s.table), Key: key(idemPK(scope, idemKey), skIdem), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("get idempotency record %s/%s: %w", scope, idemKey, err))
	}
	if len(out.Item) == 0 {
		return nil, notFound(op, "idempotency record", scope+"/"+idemKey)
	}
	r, err := decodeIdem(scope, idemKey, out.Item)
	return r, mapErr(op, err)
}
