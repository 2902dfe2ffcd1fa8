package order

import (
	"context"
	"time"
)

// Outbox is what a store says of the publication of its outbox events.
// The table's stream relays each event as it is written; a store also
// keeps every event it has not been told is published, so that the
// sweeper can relay those the stream did not (a record skipped, a shard
// held back, the mapping disabled).
type Outbox interface {
	// UnpublishedBefore returns one page of the events written before t
	// and not marked published, the oldest write first.
	UnpublishedBefore(ctx context.Context, t time.Time, page PageRequest) (Page[Event], error)
	// MarkPublished records that events went to every queue: they leave
	// UnpublishedBefore. An event the store no longer holds (its retention
	// passed) is not an error; marking twice is marking once.
	MarkPublished(ctx context.Context, events []Event) error
}
