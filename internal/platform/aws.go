package platform

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// AWSConfig loads the SDK configuration the standard way: region,
// credentials and endpoints come from the environment, including
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, which point the clients at
// the local emulators. Build each client once, at init, from the result.
//
// The local-only client options (S3Options, DynamoDBOptions) are also
// registered on the returned config, so a client built from it gets them
// without passing them; passing them again is harmless.
func AWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	cfg.ServiceOptions = append(cfg.ServiceOptions, localServiceOptions)
	return cfg, nil
}

// localServiceOptions applies the local-only options to the clients that
// need them; the SDK calls it with every client's *Options.
func localServiceOptions(_ string, options any) {
	switch o := options.(type) {
	case *s3.Options:
		S3Options(o)
	case *dynamodb.Options:
		DynamoDBOptions(o)
	}
}

// S3Options is an option for s3.NewFromConfig. When the client's endpoint is
// overridden (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3 or a config file), it
// switches to path-style addressing: an emulator on 127.0.0.1 has no DNS for
// "<bucket>.127.0.0.1". Against AWS itself it changes nothing.
func S3Options(o *s3.Options) {
	if o.BaseEndpoint != nil {
		o.UsePathStyle = true
	}
}

// DynamoDBOptions is an option for dynamodb.NewFromConfig. When the client's
// endpoint is overridden (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL or a
// config file), it turns off CRC32 response validation: DynamoDB Local sends
// "X-Amz-Crc32: 0" with its error responses, so every expected error (a
// failed condition, a missing table) would also log a checksum warning and
// drop the connection. Against AWS itself it changes nothing.
func DynamoDBOptions(o *dynamodb.Options) {
	if o.BaseEndpoint != nil {
		o.DisableValidateResponseChecksum = true
	}
}
