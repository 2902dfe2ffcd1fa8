package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"
)

// AWSConfig builds the SDK configuration from the environment Lambda gives a
// function: the region (AWS_REGION), the execution role's credentials
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and the
// endpoint variables AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, which
// point the clients at the local emulators (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
// turns them off); AWS_MAX_ATTEMPTS and AWS_RETRY_MODE are honoured too.
// Build each client once, at init, from the result.
//
// It reads no shared config file and links none of the SDK's other credential
// sources (SSO, STS, IMDS): config.LoadDefaultConfig would, and their package
// initialisation was a third of every function's cold start. Programs that
// run outside Lambda with a profile use config.LoadDefaultConfig instead.
// Credentials missing from the environment fail the first request, as with
// the SDK's own chain.
//
// The local-only client options (S3Options, DynamoDBOptions) are also
// registered on the returned config, so a client built from it gets them
// without passing them; passing them again is harmless.
func AWSConfig(ctx context.Context) (aws.Config, error) {
	return awsConfigFrom(os.LookupEnv)
}

// awsConfigFrom is AWSConfig reading the environment through lookup.
func awsConfigFrom(lookup func(string) (string, bool)) (aws.Config, error) {
	get := func(names ...string) string {
		for _, n := range names {
			if v, ok := lookup(n); ok && v != "" {
				return v
			}
		}
		return ""
	}
	src := envEndpoints{lookup: lookup}
	cfg := aws.Config{
		Region:                     get("AWS_REGION", "AWS_DEFAULT_REGION"),
		Credentials:                envCredentials(get),
		Logger:                     logging.NewStandardLogger(os.Stderr),
		ConfigSources:              []any{src},
		AppID:                      get("AWS_SDK_UA_APP_ID"),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
		RuntimeEnvironment:         aws.RuntimeEnvironment{EnvironmentIdentifier: aws.ExecutionEnvironmentID(get("AWS_EXECUTION_ENV"))},
		ServiceOptions:             []func(string, any){localServiceOptions},
	}
	if ignore, _, _ := src.GetIgnoreConfiguredEndpoints(context.Background()); !ignore {
		if v := get("AWS_ENDPOINT_URL"); v != "" {
			cfg.BaseEndpoint = aws.String(v)
		}
	}
	if v := get("AWS_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS config: AWS_MAX_ATTEMPTS=%q: want an integer", v)
		}
		cfg.RetryMaxAttempts = n
	}
	if v := get("AWS_RETRY_MODE"); v != "" {
		mode, err := aws.ParseRetryMode(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
		}
		cfg.RetryMode = mode
	}
	return cfg, nil
}

// envCredentials returns the environment's static credentials: Lambda sets
// them once per execution environment.
func envCredentials(get func(...string) string) aws.CredentialsProvider {
	creds := aws.Credentials{
		AccessKeyID:     get("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"),
		SecretAccessKey: get("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"),
		SessionToken:    get("AWS_SESSION_TOKEN"),
		AccountID:       get("AWS_ACCOUNT_ID"),
		Source:          "EnvConfigCredentials",
	}
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
			return aws.Credentials{}, errors.New("no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
		}
		return creds, nil
	})
}

// envEndpoints is the configuration source the service clients ask for
// their AWS_ENDPOINT_URL_<SERVICE> (the SDK's configured endpoints).
type envEndpoints struct {
	lookup func(string) (string, bool)
}

// GetIgnoreConfiguredEndpoints reports AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
func (e envEndpoints) GetIgnoreConfiguredEndpoints(context.Context) (value, found bool, err error) {
	v, ok := e.lookup("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
	if !ok || v == "" {
		return false, false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, false, fmt.Errorf("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=%q: want a boolean", v)
	}
	return b, true, nil
}

// GetServiceBaseEndpoint returns AWS_ENDPOINT_URL_<SDK ID>, the SDK ID
// upper-cased with spaces as underscores ("DynamoDB" -> DYNAMODB).
func (e envEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	name := "AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_")
	if v, ok := e.lookup(name); ok && v != "" {
		return v, true, nil
	}
	return "", false, nil
}

// localServiceOptions applies the local-only options to the clients that
// need them; the SDK calls it with every client's service id and *Options.
func localServiceOptions(serviceID string, options any) {
	switch o := options.(type) {
	case *dynamodb.Options:
		DynamoDBOptions(o)
	default:
		if serviceID == "S3" {
			pathStyleWhenOverridden(options)
		}
	}
}

// S3Options is an option for s3.NewFromConfig (O is s3.Options). When the
// client's endpoint is overridden (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3), it
// switches to path-style addressing: an emulator on 127.0.0.1 has no DNS for
// "<bucket>.127.0.0.1". Against AWS itself it changes nothing.
//
// It is generic, and sets the two fields by name, so that this package does
// not import the S3 client: importing it would link the client's package
// initialisation into every function, S3 user or not.
func S3Options[O any](o *O) { pathStyleWhenOverridden(o) }

// pathStyleWhenOverridden sets UsePathStyle on *s3.Options when its
// BaseEndpoint is set; options of any other shape are left alone.
func pathStyleWhenOverridden(options any) {
	v := reflect.ValueOf(options)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return
	}
	base, pathStyle := v.Elem().FieldByName("BaseEndpoint"), v.Elem().FieldByName("UsePathStyle")
	if !base.IsValid() || base.Kind() != reflect.Pointer || base.IsNil() ||
		!pathStyle.IsValid() || pathStyle.Kind() != reflect.Bool || !pathStyle.CanSet() {
		return
	}
	pathStyle.SetBool(true)
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
