package platform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// JSONService names an AWS service with a JSON API for a JSONClient.
type JSONService struct {
	SDKID       string // the SDK's service id, for AWS_ENDPOINT_URL_<SDKID>: "SSM", "SESv2"
	SigningName string // SigV4's service name: "ssm", "ses"
	HostPrefix  string // the endpoint's first label: "ssm", "email"
}

// JSONRequest is one call: a POST of Body as JSON to Path, with Target as
// X-Amz-Target for the awsJson protocols ("AmazonSSM.GetParameter").
type JSONRequest struct {
	Path        string // "/" for awsJson, the operation's path for restJson
	Target      string // empty for restJson
	ContentType string // "application/x-amz-json-1.1", "application/json"
	Body        any
}

// JSONClient calls the JSON API of one AWS service, signed with SigV4 and
// retried like the SDK's standard retryer. It is for the functions that use
// one or two operations of a service whose SDK client costs more at cold
// start than it gives: each SDK client builds its generated schemas at
// package initialisation, 1.2 ms for SSM's and 0.4 ms for SES v2's, more
// than half of a hello-world Lambda's whole init.
type JSONClient struct {
	svc         JSONService
	endpoint    string
	region      string
	creds       aws.CredentialsProvider
	http        aws.HTTPClient
	signer      *v4.Signer
	maxAttempts int
	backoff     time.Duration // the first retry waits up to this long, doubling each time
}

// DefaultMaxAttempts is how many times a JSONClient tries a call, as the
// SDK's standard retryer does, unless AWS_MAX_ATTEMPTS says otherwise.
const DefaultMaxAttempts = 3

// maxBackoff caps the wait between two attempts, as the SDK does.
const maxBackoff = 20 * time.Second

// NewJSONClient returns a client of svc built from cfg: its region,
// credentials, HTTP client, retry attempts and endpoint
// (AWS_ENDPOINT_URL_<SDKID>, then AWS_ENDPOINT_URL, then AWS's own).
func NewJSONClient(cfg aws.Config, svc JSONService) *JSONClient {
	c := &JSONClient{svc: svc, region: cfg.Region, creds: cfg.Credentials, http: cfg.HTTPClient,
		signer: v4.NewSigner(), maxAttempts: cfg.RetryMaxAttempts, backoff: 2 * time.Second}
	if c.http == nil {
		c.http = awshttp.NewBuildableClient()
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	c.endpoint = serviceEndpoint(cfg, svc)
	return c
}

// Endpoint returns the base URL the client sends to.
func (c *JSONClient) Endpoint() string { return c.endpoint }

// serviceEndpoint resolves the base URL as the SDK's clients do for the
// settings AWSConfig reads.
func serviceEndpoint(cfg aws.Config, svc JSONService) string {
	type serviceEndpoints interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	type ignoreEndpoints interface {
		GetIgnoreConfiguredEndpoints(ctx context.Context) (bool, bool, error)
	}
	ignore := false
	for _, src := range cfg.ConfigSources {
		if s, ok := src.(ignoreEndpoints); ok {
			if v, found, _ := s.GetIgnoreConfiguredEndpoints(context.Background()); found {
				ignore = v
				break
			}
		}
	}
	if !ignore {
		for _, src := range cfg.ConfigSources {
			if s, ok := src.(serviceEndpoints); ok {
				if v, found, err := s.GetServiceBaseEndpoint(context.Background(), svc.SDKID); found && err == nil {
					return strings.TrimRight(v, "/")
				}
			}
		}
		if cfg.BaseEndpoint != nil {
			return strings.TrimRight(*cfg.BaseEndpoint, "/")
		}
	}
	domain := "amazonaws.com"
	if strings.HasPrefix(cfg.Region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return "https://" + svc.HostPrefix + "." + cfg.Region + "." + domain
}

// APIError is an error answer of an AWS service: its code (the exception's
// name, e.g. "ParameterNotFound") and message. It is a smithy.APIError, as
// the SDK's typed exceptions are.
type APIError struct {
	Status  int
	Code    string
	Message string
}

var _ smithy.APIError = (*APIError)(nil)

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("api error %s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}

// ErrorCode implements smithy.APIError.
func (e *APIError) ErrorCode() string { return e.Code }

// ErrorMessage implements smithy.APIError.
func (e *APIError) ErrorMessage() string { return e.Message }

// ErrorFault implements smithy.APIError: 5xx answers are the server's fault.
func (e *APIError) ErrorFault() smithy.ErrorFault {
	if e.Status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// IsAPIError reports whether err is an AWS error answer with one of codes.
func IsAPIError(err error, codes ...string) bool {
	var api *APIError
	if !errors.As(err, &api) {
		return false
	}
	for _, c := range codes {
		if api.Code == c {
			return true
		}
	}
	return false
}

// throttlingCodes are the error codes the SDK's standard retryer retries.
var throttlingCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true, "RequestThrottledException": true,
	"TooManyRequestsException": true, "ProvisionedThroughputExceededException": true, "TransactionInProgressException": true,
	"RequestLimitExceeded": true, "BandwidthLimitExceeded": true, "LimitExceededException": true, "RequestThrottled": true,
	"SlowDown": true, "PriorRequestNotComplete": true, "EC2ThrottledException": true,
	"RequestTimeout": true, "RequestTimeoutException": true,
}

// Do sends req and decodes the answer's JSON into out (nil ignores it). An
// error answer is an *APIError; throttling, 5xx answers and failed
// connections are retried.
func (c *JSONClient) Do(ctx context.Context, req JSONRequest, out any) error {
	body, err := json.Marshal(req.Body)
	if err != nil {
		return fmt.Errorf("%s %s: encode request: %w", c.svc.SDKID, c.operation(req), err)
	}
	for attempt := 1; ; attempt++ {
		err := c.once(ctx, req, body, out)
		if err == nil || attempt >= c.maxAttempts || !retryable(ctx, err) {
			if err != nil {
				return fmt.Errorf("%s %s: %w", c.svc.SDKID, c.operation(req), err)
			}
			return nil
		}
		// Full jitter, as the SDK's exponential backoff.
		wait := min(time.Duration(rand.Float64()*float64(c.backoff<<(attempt-1))), maxBackoff)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s %s: %w (after %v)", c.svc.SDKID, c.operation(req), ctx.Err(), err)
		case <-time.After(wait):
		}
	}
}

func (c *JSONClient) operation(req JSONRequest) string {
	if req.Target != "" {
		return req.Target
	}
	return req.Path
}

func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Status >= 500 || api.Status == http.StatusTooManyRequests || throttlingCodes[api.Code]
	}
	var t *transportError
	return errors.As(err, &t)
}

// transportError is a failed connection or an answer cut short: worth
// another attempt, unlike an answer that cannot be decoded.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

func (c *JSONClient) once(ctx context.Context, req JSONRequest, body []byte, out any) error {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+req.Path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", req.ContentType)
	if req.Target != "" {
		r.Header.Set("X-Amz-Target", req.Target)
	}
	if c.creds == nil {
		return errors.New("no AWS credentials configured")
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), c.svc.SigningName, c.region, time.Now().UTC()); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	resp, err := c.http.Do(r)
	if err != nil {
		return &transportError{err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return &transportError{fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode >= 300 {
		return apiError(resp, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// apiError reads an error answer of either JSON protocol: the code is in
// X-Amzn-ErrorType or the body's "__type" or "code", possibly as
// "namespace#Code" or "Code:http://...".
func apiError(resp *http.Response, data []byte) *APIError {
	var b struct {
		Type       string `json:"__type"`
		Code       string `json:"code"`
		Message    string `json:"message"`
		MessageCap string `json:"Message"`
	}
	_ = json.Unmarshal(data, &b) // a body that is not JSON leaves the status to speak
	code := resp.Header.Get("X-Amzn-ErrorType")
	for _, c := range []string{b.Code, b.Type} {
		if code == "" {
			code = c
		}
	}
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = http.StatusText(resp.StatusCode)
	}
	msg := b.Message
	if msg == "" {
		msg = b.MessageCap
	}
	return &APIError{Status: resp.StatusCode, Code: code, Message: msg}
}
