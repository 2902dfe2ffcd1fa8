package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// Customers is the DynamoDB order.CustomerStore: it reads the summaries
// that order creations keep up to date with ADD in their transaction.
type Customers struct{ s *Store }

var _ order.CustomerStore = (*Customers)(nil)

// Customers returns the customer store over the same table.
func (s *Store) Customers() *Customers { return &Customers{s: s} }

// Get implements order.CustomerStore.
func (c *Customers) Get(ctx context.Context, email string) (*order.CustomerSummary, error) {
	const op = "dynamo.Customers.Get"
	e := order.CustomerEmail(email)
	if e == "" {
		return nil, notFound(op, "customer", email)
	}
	out, err := c.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(c.s.table), Key: key(customerPK(e), skCustomer), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("get customer %s: %w", platform.RedactEmail(e), err))
	}
	if len(out.Item) == 0 {
		return nil, notFound(op, "customer", email)
	}
	sum, err := decodeCustomer(e, out.Item)
	return sum, mapErr(op, err)
}

// decodeCustomer reads a customer summary.
func decodeCustomer(email string, it item) (*order.CustomerSummary, error) {
	sum := &order.CustomerSummary{Email: email, TotalSpent: []order.Money{}}
	sum.OrdersCount, _ = getN(it, "ordersCount")
	var err error
	if sum.FirstOrderAt, err = parseTime(getS(it, "firstOrderAt")); err != nil {
		return nil, err
	}
	if sum.LastOrderAt, err = parseTime(getS(it, "lastOrderAt")); err != nil {
		return nil, err
	}
	for name, v := range it {
		code, ok := strings.CutPrefix(name, spentPrefix)
		n, isNum := v.(*types.AttributeValueMemberN)
		if !ok || !isNum {
			continue
		}
		cur, err := order.ParseCurrency(code)
		if err != nil {
			return nil, fmt.Errorf("customer %s: %w", platform.RedactEmail(email), err)
		}
		amt, err := decimal.NewFromString(n.Value)
		if err != nil {
			return nil, fmt.Errorf("customer %s: total in %s: %w", platform.RedactEmail(email), code, err)
		}
		sum.TotalSpent = append(sum.TotalSpent, order.NewMoney(amt, cur))
	}
	sort.Slice(sum.TotalSpent, func(i, j int) bool {
		return sum.TotalSpent[i].Currency.Code() < sum.TotalSpent[j].Currency.Code()
	})
	return sum, nil
}
