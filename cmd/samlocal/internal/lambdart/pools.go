package lambdart

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Pools holds the pools of several functions under the names their callers
// use (logical ids, function names), and invokes them by name: it is the
// Invoker the API, the pollers and the schedules share.
type Pools struct {
	mu    sync.RWMutex
	names map[string]*Pool
}

// NewPools returns an empty set.
func NewPools() *Pools { return &Pools{names: map[string]*Pool{}} }

// Add registers p under each of names.
func (ps *Pools) Add(p *Pool, names ...string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, n := range names {
		ps.names[n] = p
	}
}

// Get returns the pool registered under name.
func (ps *Pools) Get(name string) (*Pool, bool) {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	p, ok := ps.names[name]
	return p, ok
}

// Names returns every registered name, sorted.
func (ps *Pools) Names() []string {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	out := make([]string, 0, len(ps.names))
	for n := range ps.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ErrUnknownFunction is returned when no pool has the name.
var ErrUnknownFunction = errors.New("lambdart: unknown function")

// Invoke runs event through the named function and reports its answer and
// whether it failed.
func (ps *Pools) Invoke(ctx context.Context, function string, event []byte) ([]byte, bool, error) {
	res, err := ps.InvokeRequest(ctx, function, Request{Payload: event})
	if err != nil {
		return nil, false, err
	}
	return res.Payload, res.Failed(), nil
}

// InvokeRequest is Invoke with the whole Request and Result.
func (ps *Pools) InvokeRequest(ctx context.Context, function string, req Request) (*Result, error) {
	p, ok := ps.Get(function)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownFunction, function)
	}
	return p.Invoke(ctx, req)
}

// Close closes every pool.
func (ps *Pools) Close() error {
	ps.mu.Lock()
	seen := map[*Pool]bool{}
	for _, p := range ps.names {
		seen[p] = true
	}
	ps.mu.Unlock()
	var errs []error
	for p := range seen {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}
