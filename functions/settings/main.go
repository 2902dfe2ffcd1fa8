// Command settings is SettingsFunction: the shop's settings (GET and PUT
// /settings) and the exchange-rate table (GET and PUT
// /exchange-rates/{currency}/{date}). It only wires.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/settingsapi"
)

// envShopName names the shop in the settings shown before the first save.
const envShopName = "SHOP_NAME"

func main() {
	log := platform.Logger()
	ctx := context.Background()
	env := platform.NewEnv(os.LookupEnv)
	cfg := platform.ReadConfig(env)
	mailFrom := env.RequiredAddress(platform.EnvMailFrom)
	shopName := env.Optional(envShopName, "Ma boutique")
	if err := env.Err(); err != nil {
		platform.FailInit(log, "read configuration", err)
	}
	awsCfg, err := platform.AWSConfig(ctx)
	if err != nil {
		platform.FailInit(log, "load AWS configuration", err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName)
	admin, err := order.NewSettingsAdmin(store.Settings(), store.Rates(), order.DefaultSettings(shopName, mailFrom))
	if err != nil {
		platform.FailInit(log, "build the settings service", err)
	}
	api, err := settingsapi.New(admin)
	if err != nil {
		platform.FailInit(log, "build the settings API", err)
	}
	lambda.Start(api.Router(apihttp.WithLogger(log)).Serve)
}
