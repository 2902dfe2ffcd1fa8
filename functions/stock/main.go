// Command stock is the stock keeper Lambda: it consumes the StockQueue and
// moves per-SKU stock as orders are paid, cancelled, returned or marked
// unpaid (internal/stock).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/stock"
)

func main() {
	fn := platform.Boot(nil)
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	h, err := stock.NewHandler(stock.Deps{Stock: store.Stock(), Orders: store, Logger: fn.Log})
	fn.Must("build the handler", err)
	lambda.Start(h.Handle)
}
