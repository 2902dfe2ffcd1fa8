// Command stock is the stock keeper Lambda: it consumes the StockQueue and
// moves per-SKU stock as orders are paid, cancelled, returned or marked
// unpaid (internal/stock).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/stock"
)

func main() {
	logger := platform.Logger()
	cfg, err := platform.LoadConfig()
	if err != nil {
		platform.FailInit(logger, "read settings", err)
	}
	awsCfg, err := platform.AWSConfig(context.Background())
	if err != nil {
		platform.FailInit(logger, "load AWS config", err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName)
	h, err := stock.NewHandler(stock.Deps{Stock: store.Stock(), Orders: store, Logger: logger})
	if err != nil {
		platform.FailInit(logger, "build the handler", err)
	}
	lambda.Start(h.Handle)
}
