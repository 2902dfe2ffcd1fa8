package dynamo

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Client is the part of *dynamodb.Client the store uses. Tests and the
// benchmarks pass a real client; the interface only keeps the dependency
// honest.
type Client interface {
	dynamodb.QueryAPIClient
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	TransactGetItems(ctx context.Context, in *dynamodb.TransactGetItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error)
}

var _ Client = (*dynamodb.Client)(nil)

// Store is the DynamoDB implementation of the order storage ports over one
// table. Build one per process (per warm Lambda) and share it: it caches the
// last order number it saw, which makes a warm order creation a single
// request. It is safe for concurrent use.
type Store struct {
	db    Client
	table string
	now   func() time.Time

	createAttempts int           // bound on numbering and contention retries of Create
	updateAttempts int           // bound on version-race retries of Update
	backoffBase    time.Duration // first jittered backoff
	backoffCap     time.Duration // longest jittered backoff

	// numMu serialises this instance's order creations: they share the
	// cached counter, and racing each other would only burn requests on
	// conditions that cannot all succeed. Other instances (other Lambdas)
	// are kept honest by the counter's condition.
	numMu     sync.Mutex
	last      int64         // last order number this instance saw committed
	lastSet   bool          // whether last is known (false on a cold store)
	contended time.Time     // when this instance last lost a numbering race
	txLatency time.Duration // how long its last creation transaction took
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock used for idempotency expiry, TTLs and default
// timestamps (tests move time forward with it).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithRetries bounds the internal retries: createAttempts for numbering and
// contention races of Create, updateAttempts for version races of Update.
// Values below 1 keep the defaults.
func WithRetries(createAttempts, updateAttempts int) Option {
	return func(s *Store) {
		if createAttempts > 0 {
			s.createAttempts = createAttempts
		}
		if updateAttempts > 0 {
			s.updateAttempts = updateAttempts
		}
	}
}

// New returns a Store over the named table.
func New(db Client, table string, opts ...Option) *Store {
	s := &Store{
		db:             db,
		table:          table,
		now:            time.Now,
		createAttempts: 64,
		updateAttempts: 32,
		backoffBase:    2 * time.Millisecond,
		backoffCap:     100 * time.Millisecond,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// jitter waits a random time under a millisecond. Racers that lost to a
// commit retry at once with the winner's state, so only a little spread is
// needed to keep them from colliding in lockstep.
func (s *Store) jitter(ctx context.Context) error { return s.pause(ctx, rand.N(time.Millisecond)) }

// pause waits d, or returns ctx's error if ctx ends first.
func (s *Store) pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// sleep waits a full-jitter exponential backoff for attempt (0-based), or
// returns ctx's error if ctx ends first.
func (s *Store) sleep(ctx context.Context, attempt int) error {
	d := s.backoffBase << min(attempt, 16)
	if d > s.backoffCap || d <= 0 {
		d = s.backoffCap
	}
	t := time.NewTimer(rand.N(d) + time.Millisecond/4)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
