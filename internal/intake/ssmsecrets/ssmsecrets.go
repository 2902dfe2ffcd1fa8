// Package ssmsecrets reads the intake's secrets from SSM Parameter Store:
// the storefronts' webhook signing secrets (webhook.Secrets) and single
// parameters such as the Ecwid API token.
//
// A source's active secrets are every parameter under
// <prefix>/webhooks/<source>/ (one SecureString each, any name), so that a
// rotation is "add the new one, switch the storefront, delete the old one".
// Each warm Lambda caches what it read for MaxAge: a rotation takes effect
// within that time, without one SSM request per delivery.
package ssmsecrets

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// API sends SSM's JSON requests (platform.JSONClient). The store calls two
// operations, GetParameter and GetParametersByPath, through the light client
// rather than the SDK's: the SSM client builds its schemas at package
// initialisation, which was a third of the intake's cold start.
type API interface {
	Do(ctx context.Context, req platform.JSONRequest, out any) error
}

var _ API = (*platform.JSONClient)(nil)

// Service is SSM for platform.NewJSONClient.
var Service = platform.JSONService{SDKID: "SSM", SigningName: "ssm", HostPrefix: "ssm"}

// NewClient returns the SSM client New takes, built from cfg.
func NewClient(cfg aws.Config) *platform.JSONClient { return platform.NewJSONClient(cfg, Service) }

// ssmRequest is one SSM operation (awsJson1_1).
func ssmRequest(operation string, body any) platform.JSONRequest {
	return platform.JSONRequest{Path: "/", Target: "AmazonSSM." + operation, ContentType: "application/x-amz-json-1.1", Body: body}
}

// parameter is the part of SSM's Parameter the store reads.
type parameter struct {
	Value string `json:"Value"`
}

// DefaultMaxAge is how long a warm instance reuses what it read.
const DefaultMaxAge = time.Minute

// WebhooksPath is the folder of the webhook secrets under the prefix.
const WebhooksPath = "/webhooks/"

// Store reads secrets under one SSM path prefix (SECRETS_PREFIX, e.g.
// "/ordersmith") and caches them. It is safe for concurrent use.
type Store struct {
	api    API
	prefix string
	maxAge time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]entry // by full parameter path or webhook folder
}

type entry struct {
	values [][]byte
	at     time.Time
}

var _ webhook.Secrets = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithMaxAge sets how long values are reused; zero or less reads SSM every
// time.
func WithMaxAge(d time.Duration) Option { return func(s *Store) { s.maxAge = d } }

// WithClock sets the clock the cache ages by.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns a Store over the parameters under prefix.
func New(api API, prefix string, opts ...Option) *Store {
	s := &Store{api: api, prefix: strings.TrimRight(prefix, "/"), maxAge: DefaultMaxAge, now: time.Now, cache: map[string]entry{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// sourceName keeps a source usable as one path segment.
var sourceName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// WebhookPath returns the folder holding a source's secrets, e.g.
// "/ordersmith/webhooks/shopify".
func WebhookPath(prefix, source string) string {
	return strings.TrimRight(prefix, "/") + strings.TrimSuffix(WebhooksPath, "/") + "/" + source
}

// Active implements webhook.Secrets: the decrypted values of every
// parameter in the source's folder, paging through GetParametersByPath.
// None is not an error (webhook.Parse then refuses every signature).
func (s *Store) Active(ctx context.Context, source string) ([][]byte, error) {
	if !sourceName.MatchString(source) {
		return nil, fmt.Errorf("read webhook secrets: %q is not a source name", source)
	}
	path := WebhookPath(s.prefix, source)
	if v, ok := s.cached(path); ok {
		return v, nil
	}
	var values [][]byte
	type page struct {
		Parameters []parameter `json:"Parameters"`
		NextToken  string      `json:"NextToken"`
	}
	in := struct {
		Path           string `json:"Path"`
		WithDecryption bool   `json:"WithDecryption"`
		Recursive      bool   `json:"Recursive"`
		NextToken      string `json:"NextToken,omitempty"`
	}{Path: path, WithDecryption: true}
	for {
		var out page
		if err := s.api.Do(ctx, ssmRequest("GetParametersByPath", in), &out); err != nil {
			return nil, fmt.Errorf("read webhook secrets under %s: %w", path, err)
		}
		for _, prm := range out.Parameters {
			values = append(values, []byte(prm.Value))
		}
		if out.NextToken == "" || out.NextToken == in.NextToken {
			break
		}
		in.NextToken = out.NextToken
	}
	s.store(path, values)
	return copyValues(values), nil
}

// ErrNotFound is returned by Parameter for a parameter that does not exist.
var ErrNotFound = errors.New("parameter not found")

// Parameter returns the decrypted value of the parameter at
// <prefix>/<name>, cached like the webhook secrets. A missing parameter is
// ErrNotFound.
func (s *Store) Parameter(ctx context.Context, name string) (string, error) {
	path := s.prefix + "/" + strings.TrimLeft(name, "/")
	if v, ok := s.cached(path); ok {
		if len(v) == 0 {
			return "", fmt.Errorf("read %s: %w", path, ErrNotFound)
		}
		return string(v[0]), nil
	}
	var out struct {
		Parameter parameter `json:"Parameter"`
	}
	err := s.api.Do(ctx, ssmRequest("GetParameter", struct {
		Name           string `json:"Name"`
		WithDecryption bool   `json:"WithDecryption"`
	}{path, true}), &out)
	if platform.IsAPIError(err, "ParameterNotFound") {
		s.store(path, nil)
		return "", fmt.Errorf("read %s: %w", path, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	v := out.Parameter.Value
	s.store(path, [][]byte{[]byte(v)})
	return v, nil
}

func (s *Store) cached(key string) ([][]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.cache[key]
	if !ok || s.maxAge <= 0 || s.now().Sub(e.at) >= s.maxAge {
		return nil, false
	}
	return copyValues(e.values), true
}

func (s *Store) store(key string, values [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache[key] = entry{values: copyValues(values), at: s.now()}
}

// copyValues keeps callers from changing the cache through what they got.
func copyValues(in [][]byte) [][]byte {
	out := make([][]byte, 0, len(in))
	for _, v := range in {
		out = append(out, append([]byte(nil), v...))
	}
	return out
}
