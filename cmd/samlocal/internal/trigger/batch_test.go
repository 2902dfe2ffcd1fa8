package trigger

import (
	"sort"
	"strings"
	"testing"
)

func TestFailedItems(t *testing.T) {
	batch := map[string]bool{"a": true, "b": true, "c": true}
	tests := []struct {
		answer  string
		want    string // sorted ids, comma-joined
		wantErr bool
	}{
		{answer: ``, want: ""},
		{answer: `null`, want: ""},
		{answer: `{}`, want: ""},
		{answer: `{"batchItemFailures":null}`, want: ""},
		{answer: `{"batchItemFailures":[]}`, want: ""},
		{answer: `{"batchItemFailures":[{"itemIdentifier":"b"}]}`, want: "b"},
		{answer: `{"batchItemFailures":[{"itemIdentifier":"c"},{"itemIdentifier":"a"}]}`, want: "a,c"},
		{answer: `{"batchItemFailures":[{"itemIdentifier":""}]}`, wantErr: true},
		{answer: `{"batchItemFailures":[{"itemIdentifier":null}]}`, wantErr: true},
		{answer: `{"batchItemFailures":[{"id":"a"}]}`, wantErr: true},
		{answer: `{"batchItemFailures":[{"itemIdentifier":"zz"}]}`, wantErr: true},
		{answer: `"oops"`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.answer, func(t *testing.T) {
			got, err := failedItems([]byte(tt.answer), func(id string) bool { return batch[id] })
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			ids := make([]string, 0, len(got))
			for id := range got {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			if strings.Join(ids, ",") != tt.want {
				t.Errorf("failed = %v, want %s", ids, tt.want)
			}
		})
	}
}
