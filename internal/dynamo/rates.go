package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Rates is the DynamoDB order.RateStore: one item per currency and day, the
// day as sort key, so "the rate on or before a date" is one descending query
// with a limit of one.
type Rates struct{ s *Store }

var _ order.RateStore = (*Rates)(nil)

// Rates returns the rate store over the same table.
func (s *Store) Rates() *Rates { return &Rates{s: s} }

// Put implements order.RateStore.
func (r *Rates) Put(ctx context.Context, rate order.ExchangeRate) error {
	const op = "dynamo.Rates.Put"
	if err := rate.Validate(); err != nil {
		return err
	}
	_, err := r.s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(r.s.table),
		Item: item{
			attrPK:     str(fxPK(rate.Currency.Code())),
			attrSK:     str(rate.Date.String()),
			attrType:   str(typeRate),
			"currency": str(rate.Currency.Code()),
			"rate":     numS(rate.Rate.String()),
		},
	})
	if err != nil {
		return mapErr(op, fmt.Errorf("save rate %s %s: %w", rate.Currency, rate.Date, err))
	}
	return nil
}

// RateOn implements order.RateStore.
func (r *Rates) RateOn(ctx context.Context, currency order.Currency, date order.Date) (order.ExchangeRate, error) {
	const op = "dynamo.Rates.RateOn"
	if currency.IsZero() || date.IsZero() {
		return order.ExchangeRate{}, order.E(op, order.Invalid, "invalid_exchange_rate", "a rate lookup needs a currency and a date")
	}
	items, _, err := r.s.queryPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk <= :date"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: item{":pk": str(fxPK(currency.Code())), ":date": str(date.String())},
		ScanIndexForward:          aws.Bool(false),
	}, 1)
	if err != nil {
		return order.ExchangeRate{}, mapErr(op, fmt.Errorf("rate of %s on %s: %w", currency, date, err))
	}
	if len(items) == 0 {
		return order.ExchangeRate{}, notFound(op, "exchange rate", currency.Code()+" on or before "+date.String())
	}
	d, err := order.ParseDate(getS(items[0], attrSK))
	if err != nil {
		return order.ExchangeRate{}, mapErr(op, err)
	}
	v, err := decimal.NewFromString(getNS(items[0], "rate"))
	if err != nil {
		return order.ExchangeRate{}, mapErr(op, fmt.Errorf("rate of %s on %s: %w", currency, d, err))
	}
	return order.ExchangeRate{Currency: currency, Date: d, Rate: v}, nil
}
