package trigger

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// batchResponse is a partial batch response:
// {"batchItemFailures":[{"itemIdentifier":"..."}]}.
type batchResponse struct {
	BatchItemFailures []struct {
		ItemIdentifier *string `json:"itemIdentifier"`
	} `json:"batchItemFailures"`
}

// failedItems reads a partial batch response as Lambda does. A null or empty
// answer, or an empty or null list, means the whole batch succeeded; an answer
// that is not such a document, or that names an item that is not in the
// batch (or names none), is an error: the whole batch failed.
func failedItems(answer []byte, inBatch func(id string) bool) (map[string]bool, error) {
	trimmed := bytes.TrimSpace(answer)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil, nil
	}
	var resp batchResponse
	if err := json.Unmarshal(trimmed, &resp); err != nil {
		return nil, fmt.Errorf("partial batch response is not {\"batchItemFailures\":[...]}: %w", err)
	}
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == nil || *f.ItemIdentifier == "" {
			return nil, fmt.Errorf("partial batch response has an empty itemIdentifier")
		}
		if !inBatch(*f.ItemIdentifier) {
			return nil, fmt.Errorf("partial batch response names %q, which is not in the batch", *f.ItemIdentifier)
		}
		failed[*f.ItemIdentifier] = true
	}
	return failed, nil
}
