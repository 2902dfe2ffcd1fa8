// Command settings is SettingsFunction: the shop's settings (GET and PUT
// /settings) and the exchange-rate table (GET and PUT
// /exchange-rates/{currency}/{date}). It only wires.
package main

import (
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
	var mailFrom, shopName string
	fn := platform.Boot(func(env *platform.Env) {
		mailFrom = env.RequiredAddress(platform.EnvMailFrom)
		shopName = env.Optional(envShopName, "Ma boutique")
	})
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	admin, err := order.NewSettingsAdmin(store.Settings(), store.Rates(), order.DefaultSettings(shopName, mailFrom))
	fn.Must("build the settings service", err)
	api, err := settingsapi.New(admin)
	fn.Must("build the settings API", err)
	lambda.Start(api.Router(apihttp.WithLogger(fn.Log)).Serve)
}
