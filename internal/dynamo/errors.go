package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Cancellation reason codes of TransactWriteItems (the API's own strings;
// the SDK has no constants for them).
const (
	reasonNone                 = "None"
	reasonConditionalCheck     = "ConditionalCheckFailed"
	reasonTransactionConflict  = "TransactionConflict"
	reasonThrottling           = "ThrottlingError"
	reasonProvisionedThroughpt = "ProvisionedThroughputExceeded"
)

// isConditionFailed reports whether err is a failed condition of a single
// write, and returns the item's old image when the request asked for it.
func isConditionFailed(err error) (map[string]types.AttributeValue, bool) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ccf.Item, true
	}
	return nil, false
}

// cancellation returns the per-item reasons of a cancelled transaction.
func cancellation(err error) ([]types.CancellationReason, bool) {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return tce.CancellationReasons, true
	}
	return nil, false
}

// reasonCode is the code of reason i, or "" when DynamoDB sent fewer reasons.
func reasonCode(reasons []types.CancellationReason, i int) string {
	if i < 0 || i >= len(reasons) {
		return ""
	}
	return aws.ToString(reasons[i].Code)
}

// retryableCancellation reports whether a cancelled transaction failed only
// because of contention or throttling, so that the same write may succeed
// when sent again.
func retryableCancellation(reasons []types.CancellationReason) bool {
	retry := false
	for _, r := range reasons {
		switch aws.ToString(r.Code) {
		case reasonNone, "":
		case reasonTransactionConflict, reasonThrottling, reasonProvisionedThroughpt:
			retry = true
		default:
			return false
		}
	}
	return retry
}

// mapErr turns an SDK error into an *order.Error of the right kind, keeping
// the cause. Errors that are already *order.Error pass through.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var oe *order.Error
	if errors.As(err, &oe) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return order.Wrap(op, order.Transient, "cancelled", "the request was cancelled or timed out", err)
	}
	var (
		throttled  *types.ProvisionedThroughputExceededException
		limit      *types.RequestLimitExceeded
		conflict   *types.TransactionConflictException
		inProgress *types.TransactionInProgressException
		internal   *types.InternalServerError
		throttling *types.ThrottlingException
	)
	switch {
	case errors.As(err, &throttled), errors.As(err, &limit), errors.As(err, &throttling):
		return order.Wrap(op, order.Transient, "throttled", "the database is busy, retry later", err)
	case errors.As(err, &conflict), errors.As(err, &inProgress):
		return order.Wrap(op, order.Transient, "write_conflict", "a concurrent write got in the way, retry", err)
	case errors.As(err, &internal):
		return order.Wrap(op, order.Transient, "database_unavailable", "the database failed, retry later", err)
	}
	if reasons, ok := cancellation(err); ok && retryableCancellation(reasons) {
		return order.Wrap(op, order.Transient, "write_conflict", "a concurrent write got in the way, retry", err)
	}
	return order.Wrap(op, order.Internal, "database_error", "the database refused the request", err)
}

// notFound is the NotFound error of a missing item.
func notFound(op, what, id string) error {
	return order.E(op, order.NotFound, order.CodeNotFound, fmt.Sprintf("%s %q not found", what, id))
}
