package localaws

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// EnvVar is one environment variable of the local stack.
type EnvVar struct {
	Name, Value string
}

// Local stack conventions (docs/ARCHITECTURE.md).
const (
	// DynamoDBEndpoint is where DynamoDB Local listens.
	DynamoDBEndpoint = "http://127.0.0.1:8000"
	// MotoEndpoint is where moto serves SQS, S3, SES v2 and SSM.
	MotoEndpoint = "http://127.0.0.1:4566"
	// Region is the region of the local stack.
	Region = "eu-west-3"
	// AccountID is moto's fixed account id, which appears in its ARNs.
	AccountID = "123456789012"
	// Stage is the template's Stage parameter for the local stack.
	Stage = "dev"
	// StackName names the local stack, as samconfig.toml does for dev.
	StackName = "ordersmith-dev"
)

// DefaultEnv is the environment of the local stack, in the order `devstack
// env` prints it. Only standard SDK variables are used, so the same binaries
// run against AWS when they are unset.
var DefaultEnv = []EnvVar{
	{"AWS_REGION", Region},
	{"AWS_ACCESS_KEY_ID", "local"},
	{"AWS_SECRET_ACCESS_KEY", "local"},
	{"AWS_ENDPOINT_URL_DYNAMODB", DynamoDBEndpoint},
	{"AWS_ENDPOINT_URL_DYNAMODB_STREAMS", DynamoDBEndpoint},
	{"AWS_ENDPOINT_URL", MotoEndpoint},
}

// endpointVars are the variables whose presence means "someone already chose
// where AWS is": Config then leaves the environment alone.
var endpointVars = []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"}

// UseLocalEnv sets the process environment to DefaultEnv, leaving alone any
// variable that is already set, unless an endpoint variable is already set,
// in which case it changes nothing. It reports whether it changed anything.
func UseLocalEnv() bool {
	for _, name := range endpointVars {
		if _, ok := os.LookupEnv(name); ok {
			return false
		}
	}
	changed := false
	for _, v := range DefaultEnv {
		if _, ok := os.LookupEnv(v.Name); !ok {
			// Setenv only fails on an invalid name; ours are constants.
			_ = os.Setenv(v.Name, v.Value)
			changed = true
		}
	}
	return changed
}

// Config returns the aws.Config of the standard environment
// (config.LoadDefaultConfig, which honours AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_<SERVICE>). When no endpoint variable is set, it first sets
// the process environment to the local stack (UseLocalEnv), so that a plain
// `go test ./...` talks to the emulators and never to AWS.
//
// Checksums are only computed and validated when an operation requires them:
// DynamoDB Local's error responses carry no valid CRC32 and moto does not
// implement every flexible checksum.
func Config(ctx context.Context) (aws.Config, error) {
	UseLocalEnv()
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load local aws config: %w", err)
	}
	return cfg, nil
}
