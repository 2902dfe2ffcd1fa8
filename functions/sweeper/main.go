// Command sweeper is SweeperFunction: on its schedule it numbers the
// accepted storefront orders the table's stream left pending
// (internal/sweeper over the DynamoDB store). It only wires.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/sweeper"
)

func main() {
	fn := platform.Boot(nil)
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	n, err := numbering.New(numbering.Deps{Orders: store, Records: dynamo.Stream{}, Carts: store.Carts(),
		Metrics: platform.StdoutMetrics(), Logger: fn.Log})
	fn.Must("build the numberer", err)
	s, err := sweeper.New(sweeper.Deps{Pending: store, Numberer: n, Logger: fn.Log})
	fn.Must("build the sweeper", err)
	lambda.Start(s.Handle)
}
