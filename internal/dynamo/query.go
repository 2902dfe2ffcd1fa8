package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// keyAttrs are the attributes of a query's LastEvaluatedKey: the table's key,
// plus the index's key for an index query.
func keyAttrs(index string) []string {
	if index == "" {
		return []string{attrPK, attrSK}
	}
	return []string{attrPK, attrSK, index + "PK", index + "SK"}
}

// queryPage runs in (its ExclusiveStartKey is the resume point) through the
// SDK paginator and returns at most limit items, plus the key to resume
// after the last returned item, or nil when the query is exhausted.
//
// A page can hold fewer items than asked (the 1 MB cap), so pages are read
// until limit items are in hand. The resume key is rebuilt from the last
// item kept rather than taken from DynamoDB, because the last page read may
// have returned more than was kept.
func (s *Store) queryPage(ctx context.Context, in *dynamodb.QueryInput, limit int) ([]map[string]types.AttributeValue, map[string]string, error) {
	in.TableName = aws.String(s.table)
	in.Limit = aws.Int32(int32(limit))
	p := dynamodb.NewQueryPaginator(s.db, in)
	var items []map[string]types.AttributeValue
	more := false
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("query %s: %w", describeQuery(in), err)
		}
		items = append(items, out.Items...)
		if len(items) >= limit {
			more = len(items) > limit || p.HasMorePages()
			items = items[:limit]
			break
		}
	}
	if !more || len(items) == 0 {
		return items, nil, nil
	}
	last := items[len(items)-1]
	key := make(map[string]string, 4)
	for _, a := range keyAttrs(aws.ToString(in.IndexName)) {
		v, ok := last[a].(*types.AttributeValueMemberS)
		if !ok {
			return nil, nil, fmt.Errorf("query %s: item has no string key attribute %s", describeQuery(in), a)
		}
		key[a] = v.Value
	}
	return items, key, nil
}

// describeQuery names a query in error messages.
func describeQuery(in *dynamodb.QueryInput) string {
	if in.IndexName != nil {
		return *in.IndexName
	}
	return "table"
}
