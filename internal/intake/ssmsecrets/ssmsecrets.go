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
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/ordersmith/ordersmith/internal/webhook"
)

// API is the part of the SSM client the store uses.
type API interface {
	ssm.GetParametersByPathAPIClient
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

var _ API = (*ssm.Client)(nil)

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
	p := ssm.NewGetParametersByPathPaginator(s.api, &ssm.GetParametersByPathInput{
		Path: aws.String(path), WithDecryption: aws.Bool(true), Recursive: aws.Bool(false),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read webhook secrets under %s: %w", path, err)
		}
		for _, prm := range out.Parameters {
			values = append(values, []byte(aws.ToString(prm.Value)))
		}
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
	out, err := s.api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(path), WithDecryption: aws.Bool(true)})
	var nf *types.ParameterNotFound
	if errors.As(err, &nf) {
		s.store(path, nil)
		return "", fmt.Errorf("read %s: %w", path, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	v := aws.ToString(out.Parameter.Value)
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
