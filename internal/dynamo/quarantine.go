package dynamo

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Quarantine is the DynamoDB order.QuarantineStore. One item per kept
// delivery, QUARANTINE#<id> / QUARANTINE, in GSI3 under the partition of
// its state (QUARANTINE#<state>, sorted by first arrival), so that staff
// list a state newest first with a query, never a scan. The body is kept
// gzip-compressed: a webhook body may be up to 1 MiB, an item 400 KB.
type Quarantine struct{ s *Store }

var _ order.QuarantineStore = (*Quarantine)(nil)

// Quarantine returns the quarantine store over the same table.
func (s *Store) Quarantine() *Quarantine { return &Quarantine{s: s} }

const (
	typeQuarantine = "quarantine"
	skQuarantine   = "QUARANTINE"

	// maxQuarantineBody bounds the compressed body, leaving room in the
	// 400 KB item for the rest.
	maxQuarantineBody = 350_000
)

func quarantinePK(id string) string                        { return "QUARANTINE#" + id }
func quarantineStatePK(state order.QuarantineState) string { return "QUARANTINE#" + string(state) }

// Hold implements order.QuarantineStore: one UpdateItem that creates the
// item or counts one more attempt, atomically.
func (q *Quarantine) Hold(ctx context.Context, h order.QuarantineHold) (*order.QuarantinedDelivery, error) {
	const op = "dynamo.Quarantine.Hold"
	if err := order.ValidID(op, "the quarantine id", h.ID); err != nil {
		return nil, err
	}
	body, err := gzipBody(h.Body)
	if err != nil {
		return nil, order.Wrap(op, order.Internal, "quarantine_encode", "the delivery could not be encoded", err)
	}
	if len(body) > maxQuarantineBody {
		return nil, order.E(op, order.TooLarge, "quarantine_body_too_large",
			fmt.Sprintf("the delivery's body is %d bytes compressed, over the %d the quarantine keeps", len(body), maxQuarantineBody))
	}
	headers, err := json.Marshal(h.Headers)
	if err != nil {
		return nil, order.Wrap(op, order.Internal, "quarantine_encode", "the delivery's headers could not be encoded", err)
	}
	at := fmtTime(h.At)
	out, err := q.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(q.s.table),
		Key:       key(quarantinePK(h.ID), skQuarantine),
		UpdateExpression: aws.String("SET #type = :type, #id = :id, #source = if_not_exists(#source, :source), " +
			"#delivery = if_not_exists(#delivery, :delivery), #headers = if_not_exists(#headers, :headers), " +
			"#body = if_not_exists(#body, :body), #received = if_not_exists(#received, :at), " +
			"#gsisk = if_not_exists(#gsisk, :gsisk), #state = :held, #gsipk = :gsipk, #code = :code, #msg = :msg, " +
			"#last = :at ADD #attempts :one, #version :one"),
		ExpressionAttributeNames: map[string]string{
			"#type": attrType, "#id": "id", "#source": "source", "#delivery": "deliveryId", "#headers": "headers",
			"#body": "body", "#received": "receivedAt", "#gsisk": attrGSI3SK, "#gsipk": attrGSI3PK, "#state": "state",
			"#code": "reasonCode", "#msg": "reasonMessage", "#last": "lastAttemptAt", "#attempts": "attempts", "#version": attrVersion,
		},
		ExpressionAttributeValues: item{
			":type": str(typeQuarantine), ":id": str(h.ID), ":source": str(string(h.Source)), ":delivery": str(h.DeliveryID),
			":headers": str(string(headers)), ":body": &types.AttributeValueMemberB{Value: body}, ":at": str(at),
			":gsisk": str(at + "#" + h.ID), ":held": str(string(order.QuarantineHeld)), ":gsipk": str(quarantineStatePK(order.QuarantineHeld)),
			":code": str(h.Reason.Code), ":msg": str(h.Reason.Message), ":one": num(1),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("hold delivery %s: %w", h.ID, err))
	}
	d, err := decodeQuarantine(out.Attributes)
	return d, mapErr(op, err)
}

// Get implements order.QuarantineStore.
func (q *Quarantine) Get(ctx context.Context, id string) (*order.QuarantinedDelivery, error) {
	const op = "dynamo.Quarantine.Get"
	out, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(q.s.table), Key: key(quarantinePK(id), skQuarantine), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("get quarantined delivery %s: %w", id, err))
	}
	if len(out.Item) == 0 {
		return nil, notFound(op, "quarantined delivery", id)
	}
	d, err := decodeQuarantine(out.Item)
	return d, mapErr(op, err)
}

// List implements order.QuarantineStore: a query of the state's GSI3
// partition, descending, without the body and headers.
func (q *Quarantine) List(ctx context.Context, state order.QuarantineState, page order.PageRequest) (order.Page[order.QuarantinedDelivery], error) {
	const op = "dynamo.Quarantine.List"
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page[order.QuarantinedDelivery]{}, err
	}
	scope := "quarantine:" + string(state)
	c, err := decodeCursor(op, page.Cursor, scope)
	if err != nil {
		return order.Page[order.QuarantinedDelivery]{}, err
	}
	items, next, err := q.s.queryPage(ctx, &dynamodb.QueryInput{
		IndexName:              aws.String(indexGSI3),
		KeyConditionExpression: aws.String("#pk = :pk"),
		ProjectionExpression: aws.String("#tpk, #tsk, #ipk, #isk, #id, #source, #delivery, #state, #code, #msg, " +
			"#received, #last, #attempts, #order, #cart, #replayed, #version"),
		ExpressionAttributeNames: map[string]string{
			"#pk": attrGSI3PK, "#tpk": attrPK, "#tsk": attrSK, "#ipk": attrGSI3PK, "#isk": attrGSI3SK, "#id": "id",
			"#source": "source", "#delivery": "deliveryId", "#state": "state", "#code": "reasonCode", "#msg": "reasonMessage",
			"#received": "receivedAt", "#last": "lastAttemptAt", "#attempts": "attempts", "#order": "orderId",
			"#cart": "cartId", "#replayed": "replayedAt", "#version": attrVersion,
		},
		ExpressionAttributeValues: item{":pk": str(quarantineStatePK(state))},
		ScanIndexForward:          aws.Bool(false),
		ExclusiveStartKey:         c.startKey(),
	}, limit)
	if err != nil {
		return order.Page[order.QuarantinedDelivery]{}, mapErr(op, fmt.Errorf("list %s deliveries: %w", state, err))
	}
	out := order.Page[order.QuarantinedDelivery]{Items: make([]order.QuarantinedDelivery, 0, len(items))}
	for _, it := range items {
		d, err := decodeQuarantine(it)
		if err != nil {
			return order.Page[order.QuarantinedDelivery]{}, mapErr(op, err)
		}
		out.Items = append(out.Items, *d)
	}
	if next != nil {
		out.Next = encodeCursor(cursor{Scope: scope, Key: next})
	}
	return out, nil
}

// Update implements order.QuarantineStore: one UpdateItem conditional on
// the version read; body, headers, source and first arrival are left alone.
func (q *Quarantine) Update(ctx context.Context, d *order.QuarantinedDelivery) (*order.QuarantinedDelivery, error) {
	const op = "dynamo.Quarantine.Update"
	set := "SET #state = :state, #gsipk = :gsipk, #delivery = :delivery, #code = :code, #msg = :msg, #last = :last, " +
		"#attempts = :attempts, #order = :order, #cart = :cart, #version = :next"
	values := item{
		":state": str(string(d.State)), ":gsipk": str(quarantineStatePK(d.State)), ":delivery": str(d.DeliveryID),
		":code": str(d.Reason.Code), ":msg": str(d.Reason.Message), ":last": str(fmtTime(d.LastAttemptAt)),
		":attempts": num(d.Attempts), ":order": str(d.OrderID), ":cart": str(d.CartID),
		":next": num(d.Version + 1), ":v": num(d.Version),
	}
	if d.ReplayedAt.IsZero() {
		set += " REMOVE #replayed"
	} else {
		set += ", #replayed = :replayed"
		values[":replayed"] = str(fmtTime(d.ReplayedAt))
	}
	out, err := q.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(q.s.table),
		Key:                 key(quarantinePK(d.ID), skQuarantine),
		UpdateExpression:    aws.String(set),
		ConditionExpression: aws.String("#version = :v"),
		ExpressionAttributeNames: map[string]string{
			"#state": "state", "#gsipk": attrGSI3PK, "#delivery": "deliveryId", "#code": "reasonCode", "#msg": "reasonMessage",
			"#last": "lastAttemptAt", "#attempts": "attempts", "#order": "orderId", "#cart": "cartId",
			"#version": attrVersion, "#replayed": "replayedAt",
		},
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := isConditionFailed(err); failed {
		if len(old) == 0 {
			return nil, notFound(op, "quarantined delivery", d.ID)
		}
		return nil, order.E(op, order.PreconditionFailed, order.CodeVersionConflict, "the quarantined delivery changed since it was read")
	}
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("update quarantined delivery %s: %w", d.ID, err))
	}
	got, err := decodeQuarantine(out.Attributes)
	return got, mapErr(op, err)
}

// decodeQuarantine reads a quarantine item (or its listing projection,
// without body and headers).
func decodeQuarantine(it item) (*order.QuarantinedDelivery, error) {
	d := &order.QuarantinedDelivery{
		ID: getS(it, "id"), Source: order.Source(getS(it, "source")), DeliveryID: getS(it, "deliveryId"),
		State: order.QuarantineState(getS(it, "state")), OrderID: getS(it, "orderId"), CartID: getS(it, "cartId"),
		Reason: order.QuarantineReason{Code: getS(it, "reasonCode"), Message: getS(it, "reasonMessage")},
	}
	d.Attempts, _ = getN(it, "attempts")
	d.Version, _ = getN(it, attrVersion)
	var err error
	if d.ReceivedAt, err = parseTime(getS(it, "receivedAt")); err != nil {
		return nil, err
	}
	if d.LastAttemptAt, err = parseTime(getS(it, "lastAttemptAt")); err != nil {
		return nil, err
	}
	if d.ReplayedAt, err = parseTime(getS(it, "replayedAt")); err != nil {
		return nil, err
	}
	if h := getS(it, "headers"); h != "" {
		if err := json.Unmarshal([]byte(h), &d.Headers); err != nil {
			return nil, fmt.Errorf("quarantined delivery %s: headers: %w", d.ID, err)
		}
	}
	if b, ok := it["body"].(*types.AttributeValueMemberB); ok {
		if d.Body, err = gunzipBody(b.Value); err != nil {
			return nil, fmt.Errorf("quarantined delivery %s: body: %w", d.ID, err)
		}
	}
	return d, nil
}

// gzipBody compresses a delivery's body.
func gzipBody(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gunzipBody reads back what gzipBody wrote.
func gunzipBody(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}
