package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Keys and attributes of the documents (see docs/DATA_MODEL.md):
//
//	COUNTER#doc#<series>#<year> / COUNTER      the series' head: last, chain
//	DOC#<series>#<year> / <seq, 12 digits>     the document, by number
//	ORDERDOC#<order id> / <kind>#<reason>      the order's document, its once-only key
const (
	prefixDocCounter = "COUNTER#doc#"
	prefixDoc        = "DOC#"
	prefixOrderDoc   = "ORDERDOC#"
	attrChain        = "chain"
	attrNumber       = "number"
	typeDocument     = "document"
	typeOrderDoc     = "orderDocument"
)

// Documents is the DynamoDB order.DocumentStore.
type Documents struct{ s *Store }

var _ order.DocumentStore = (*Documents)(nil)

// Documents returns the document store over the same table.
func (s *Store) Documents() *Documents { return &Documents{s: s} }

func docCounterKey(series string, year int) item {
	return key(fmt.Sprintf("%s%s#%d", prefixDocCounter, series, year), skCounter)
}

// SeriesHead implements order.DocumentStore with a consistent GetItem.
func (ds *Documents) SeriesHead(ctx context.Context, series string, year int) (order.SeriesHead, error) {
	out, err := ds.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(ds.s.table),
		Key: docCounterKey(series, year), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return order.SeriesHead{}, mapErr("dynamo.Documents.SeriesHead", fmt.Errorf("read series %s%d: %w", series, year, err))
	}
	last, _ := getN(out.Item, attrLast)
	return order.SeriesHead{Seq: last, ChainHash: getS(out.Item, attrChain)}, nil
}

// Record implements order.DocumentStore: one TransactWriteItems puts the
// counter (conditional on its value), the document (its number must be
// free) and the order's once-only item (it must not exist).
func (ds *Documents) Record(ctx context.Context, d order.Document, head order.SeriesHead) error {
	const op = "dynamo.Documents.Record"
	data, err := json.Marshal(d)
	if err != nil {
		return order.Wrap(op, order.Internal, "encode_document", "encode "+d.Number, err)
	}
	counter := docCounterKey(d.Series, d.Year)
	counter[attrType], counter[attrLast], counter[attrChain] = str(typeCounter), num(d.Seq), str(d.ChainHash)
	counterPut := &types.Put{TableName: aws.String(ds.s.table), Item: counter,
		ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if head.Seq > 0 {
		counterPut.ConditionExpression = aws.String("#last = :head")
		counterPut.ExpressionAttributeNames = map[string]string{"#last": attrLast}
		counterPut.ExpressionAttributeValues = map[string]types.AttributeValue{":head": num(head.Seq)}
	}
	doc := key(fmt.Sprintf("%s%s#%d", prefixDoc, d.Series, d.Year), fmt.Sprintf("%012d", d.Seq))
	doc[attrType], doc[attrData], doc[attrOrderID], doc[attrNumber] = str(typeDocument), str(string(data)), str(d.OrderID), str(d.Number)
	once := key(prefixOrderDoc+d.OrderID, string(d.Kind)+"#"+d.Reason)
	once[attrType], once[attrData], once[attrNumber] = str(typeOrderDoc), str(string(data)), str(d.Number)
	notThere := aws.String("attribute_not_exists(PK)")
	_, err = ds.s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: counterPut},
		{Put: &types.Put{TableName: aws.String(ds.s.table), Item: doc, ConditionExpression: notThere}},
		{Put: &types.Put{TableName: aws.String(ds.s.table), Item: once, ConditionExpression: notThere}},
	}})
	if reasons, ok := cancellation(err); ok {
		switch {
		case reasonCode(reasons, 2) == reasonConditionalCheck:
			return order.E(op, order.Conflict, order.CodeDocumentExists, fmt.Sprintf("order %s already has its %s", d.OrderID, d.Kind))
		case reasonCode(reasons, 0) == reasonConditionalCheck, reasonCode(reasons, 1) == reasonConditionalCheck, retryableCancellation(reasons):
			return order.E(op, order.Conflict, order.CodeSeriesMoved, fmt.Sprintf("series %s%d is no longer at %d", d.Series, d.Year, head.Seq))
		}
	}
	if err != nil {
		return mapErr(op, fmt.Errorf("record %s: %w", d.Number, err))
	}
	return nil
}

// OrderDocument implements order.DocumentStore.
func (ds *Documents) OrderDocument(ctx context.Context, orderID string, k order.DocumentKind, reason string) (order.Document, error) {
	const op = "dynamo.Documents.OrderDocument"
	out, err := ds.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(ds.s.table),
		Key: key(prefixOrderDoc+orderID, string(k)+"#"+reason), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return order.Document{}, mapErr(op, fmt.Errorf("read the %s of order %s: %w", k, orderID, err))
	}
	if out.Item == nil {
		return order.Document{}, order.E(op, order.NotFound, "document_not_found", fmt.Sprintf("order %s has no %s for %s", orderID, k, reason))
	}
	return decodeDocument(op, out.Item)
}

// OrderDocuments implements order.DocumentStore: a query of the order's
// once-only items, every page.
func (ds *Documents) OrderDocuments(ctx context.Context, orderID string) ([]order.Document, error) {
	const op = "dynamo.Documents.OrderDocuments"
	p := dynamodb.NewQueryPaginator(ds.s.db, &dynamodb.QueryInput{TableName: aws.String(ds.s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(prefixOrderDoc + orderID)}})
	var docs []order.Document
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(op, fmt.Errorf("list the documents of order %s: %w", orderID, err))
		}
		for _, it := range out.Items {
			d, err := decodeDocument(op, it)
			if err != nil {
				return nil, err
			}
			docs = append(docs, d)
		}
	}
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].IssuedAt.Before(docs[j].IssuedAt) })
	return docs, nil
}

func decodeDocument(op string, it item) (order.Document, error) {
	var d order.Document
	if err := json.Unmarshal([]byte(getS(it, attrData)), &d); err != nil {
		return order.Document{}, mapErr(op, fmt.Errorf("decode document %s: %w", getS(it, attrNumber), err))
	}
	return d, nil
}
