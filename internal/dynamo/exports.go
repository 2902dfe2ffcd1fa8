package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Exports is the DynamoDB order.ExportStore. One item per export,
// EXPORT#<id> / EXPORT, the export whole as JSON in data with its status and
// attempt beside it; in GSI4 under the partition EXPORTS sorted by creation
// time, so that finance lists them newest first with a query. Every change
// is a read, the state change of package order (ClaimExport,
// CheckExportClaim), and a put conditional on the status and attempt read.
type Exports struct{ s *Store }

var _ order.ExportStore = (*Exports)(nil)

// Exports returns the export store over the same table.
func (s *Store) Exports() *Exports { return &Exports{s: s} }

const (
	typeExport = "export"
	skExport   = "EXPORT"
	pkExports  = "EXPORTS"
	// exportSwapAttempts bounds the re-reads after a lost race: a race is
	// lost only to another claim, which the next read reports.
	exportSwapAttempts = 3
)

func exportPK(id string) string { return "EXPORT#" + id }

func exportItem(e *order.Export) (item, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode export %s: %w", e.ID, err)
	}
	return item{
		attrPK: str(exportPK(e.ID)), attrSK: str(skExport), attrGSI4PK: str(pkExports), attrGSI4SK: str(fmtTime(e.CreatedAt) + "#" + e.ID),
		attrType: str(typeExport), "id": str(e.ID), "status": str(string(e.Status)), "attempt": num(e.Attempt), attrData: str(string(data)),
	}, nil
}

func decodeExport(it item) (*order.Export, error) {
	var e order.Export
	if err := json.Unmarshal([]byte(getS(it, attrData)), &e); err != nil {
		return nil, fmt.Errorf("decode export %s: %w", getS(it, "id"), err)
	}
	return &e, nil
}

// Create implements order.ExportStore: a put if absent.
func (x *Exports) Create(ctx context.Context, e *order.Export) error {
	const op = "dynamo.Exports.Create"
	if err := order.ValidID(op, "the export id", e.ID); err != nil {
		return err
	}
	it, err := exportItem(e)
	if err != nil {
		return mapErr(op, err)
	}
	_, err = x.s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(x.s.table), Item: it, ConditionExpression: aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
	})
	if _, failed := isConditionFailed(err); failed {
		return order.E(op, order.Conflict, order.CodeAlreadyExists, "the export "+e.ID+" already exists")
	}
	return mapErr(op, err)
}

// Get implements order.ExportStore: a consistent read.
func (x *Exports) Get(ctx context.Context, id string) (*order.Export, error) {
	const op = "dynamo.Exports.Get"
	out, err := x.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(x.s.table), Key: key(exportPK(id), skExport), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("get export %s: %w", id, err))
	}
	if len(out.Item) == 0 {
		return nil, notFound(op, "export", id)
	}
	e, err := decodeExport(out.Item)
	return e, mapErr(op, err)
}

// List implements order.ExportStore: a query of GSI4's EXPORTS partition,
// descending.
func (x *Exports) List(ctx context.Context, page order.PageRequest) (order.Page[order.Export], error) {
	const op = "dynamo.Exports.List"
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page[order.Export]{}, err
	}
	const scope = "exports"
	c, err := decodeCursor(op, page.Cursor, scope)
	if err != nil {
		return order.Page[order.Export]{}, err
	}
	items, next, err := x.s.queryPage(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(indexGSI4),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI4PK},
		ExpressionAttributeValues: item{":pk": str(pkExports)},
		ScanIndexForward:          aws.Bool(false),
		ExclusiveStartKey:         c.startKey(),
	}, limit)
	if err != nil {
		return order.Page[order.Export]{}, mapErr(op, fmt.Errorf("list exports: %w", err))
	}
	out := order.Page[order.Export]{Items: make([]order.Export, 0, len(items))}
	for _, it := range items {
		e, err := decodeExport(it)
		if err != nil {
			return order.Page[order.Export]{}, mapErr(op, err)
		}
		out.Items = append(out.Items, *e)
	}
	if next != nil {
		out.Next = encodeCursor(cursor{Scope: scope, Key: next})
	}
	return out, nil
}

// swap reads the export, applies change and writes the result if the status
// and attempt are still those read; a lost race reads again.
func (x *Exports) swap(ctx context.Context, op, id string, change func(e *order.Export) error) (*order.Export, error) {
	for range exportSwapAttempts {
		e, err := x.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		status, attempt := e.Status, e.Attempt
		if err := change(e); err != nil {
			return nil, err
		}
		it, err := exportItem(e)
		if err != nil {
			return nil, mapErr(op, err)
		}
		_, err = x.s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(x.s.table), Item: it,
			ConditionExpression:       aws.String("#status = :status AND #attempt = :attempt"),
			ExpressionAttributeNames:  map[string]string{"#status": "status", "#attempt": "attempt"},
			ExpressionAttributeValues: item{":status": str(string(status)), ":attempt": num(attempt)},
		})
		if _, failed := isConditionFailed(err); failed {
			continue
		}
		if err != nil {
			return nil, mapErr(op, fmt.Errorf("write export %s: %w", id, err))
		}
		return e, nil
	}
	return nil, order.E(op, order.Transient, order.CodeVersionConflict, "the export kept changing; try again")
}

// Claim implements order.ExportStore.
func (x *Exports) Claim(ctx context.Context, id string, now time.Time, lease time.Duration) (*order.Export, error) {
	return x.swap(ctx, "dynamo.Exports.Claim", id, func(e *order.Export) error { return order.ClaimExport(e, now.UTC(), lease) })
}

// report is swap for a report of the claim attempt.
func (x *Exports) report(ctx context.Context, op, id string, attempt int64, change func(e *order.Export)) error {
	_, err := x.swap(ctx, op, id, func(e *order.Export) error {
		if err := order.CheckExportClaim(e, attempt); err != nil {
			return err
		}
		change(e)
		return nil
	})
	return err
}

// Progress implements order.ExportStore.
func (x *Exports) Progress(ctx context.Context, id string, attempt, rows int64) error {
	return x.report(ctx, "dynamo.Exports.Progress", id, attempt, func(e *order.Export) { e.Rows = rows })
}

// Finish implements order.ExportStore.
func (x *Exports) Finish(ctx context.Context, id string, attempt int64, r order.ExportResult, now time.Time) error {
	return x.report(ctx, "dynamo.Exports.Finish", id, attempt, func(e *order.Export) { order.FinishExport(e, r, now) })
}

// Fail implements order.ExportStore.
func (x *Exports) Fail(ctx context.Context, id string, attempt int64, reason string, now time.Time) error {
	return x.report(ctx, "dynamo.Exports.Fail", id, attempt, func(e *order.Export) { order.FailExport(e, reason, now) })
}
