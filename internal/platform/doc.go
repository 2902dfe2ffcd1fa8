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
// A function's main.go reads its settings once at init, so a missing variable
// stops the function with one message that names every missing variable:
//
//	env := platform.NewEnv(os.LookupEnv)
//	cfg := platform.ReadConfig(env)
//	queueURL := env.Required(platform.EnvNotificationsQueueURL)
//	if err := env.Err(); err != nil {
//		platform.FailInit(logger, "read settings", err)
//	}
package platform
