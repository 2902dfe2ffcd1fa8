// Package platform is what every Lambda's composition root needs before it can
// wire the domain: typed settings read from the environment, the AWS SDK
// configuration (with the two client options the local emulators need), the
// JSON slog logger and a clock that tests can fix.
//
// A function's cold start is held to twice a hello-world Lambda's (see
// BenchmarkColdStart in cmd/samlocal): AWSConfig reads the Lambda
// environment without the SDK's config package, and JSONClient calls the one
// or two operations a function needs of a service whose SDK client would
// build all its schemas at start-up (SSM, SES v2). Prefer the SDK's client
// where a function uses it much (DynamoDB, SQS).
//
// A function's main.go starts with Boot, which reads the shared settings, the
// function's own and the AWS configuration once at init, so that a missing
// variable stops the function with one message naming every missing one:
//
//	var queueURL string
//	fn := platform.Boot(func(env *platform.Env) { queueURL = env.Required(platform.EnvNotificationsQueueURL) })
//	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
//	h, err := thing.NewHandler(thing.Deps{Store: store, Logger: fn.Log})
//	fn.Must("build the handler", err)
//	lambda.Start(h.Handle)
package platform
