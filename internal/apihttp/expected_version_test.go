package apihttp_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp"
)

func TestExpectedVersion(t *testing.T) {
	errRead := errors.New("table unavailable")
	tests := []struct {
		name     string
		ifMatch  string // "" leaves the header out
		first    int64
		current  int64 // what a read finds; -1: the read fails
		want     int64
		wantOK   bool
		wantRead bool
		wantCode string
	}{
		{name: "no header", first: 1, current: 4},
		{name: "any version", ifMatch: "*", first: 1, current: 4},
		{name: "one version, no read", ifMatch: `"3"`, first: 1, current: 4, want: 3, wantOK: true},
		{name: "the first version", ifMatch: `"0"`, first: 0, current: 4, want: 0, wantOK: true},
		{name: "below the first version", ifMatch: `"0"`, first: 1, current: 4, wantCode: "version_mismatch"},
		{name: "weak tag never matches", ifMatch: `W/"4"`, first: 1, current: 4, wantCode: "version_mismatch"},
		{name: "foreign tag", ifMatch: `"v4"`, first: 1, current: 4, wantCode: "version_mismatch"},
		{name: "a list naming the current version", ifMatch: `"3", "4"`, first: 1, current: 4, want: 4, wantOK: true, wantRead: true},
		{name: "a list without it", ifMatch: `"2", "3"`, first: 1, current: 4, wantRead: true, wantCode: "version_mismatch"},
		{name: "a list when the read fails", ifMatch: `"2", "3"`, first: 1, current: -1, wantRead: true},
		{name: "malformed", ifMatch: `4`, first: 1, current: 4, wantCode: "malformed_if_match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read := false
			current := func(context.Context) (int64, error) {
				read = true
				if tt.current < 0 {
					return 0, errRead
				}
				return tt.current, nil
			}
			req := requestWith("", "")
			if tt.ifMatch != "" {
				req = requestWith("If-Match", tt.ifMatch)
			}
			got, ok, err := apihttp.ExpectedVersion(context.Background(), req, tt.first, current)
			if read != tt.wantRead {
				t.Errorf("read the current version: %v, want %v", read, tt.wantRead)
			}
			switch {
			case tt.current < 0:
				if !errors.Is(err, errRead) {
					t.Fatalf("err = %v, want the read's error", err)
				}
			case tt.wantCode != "":
				if codeOf(err) != tt.wantCode {
					t.Fatalf("err = %v, want code %s", err, tt.wantCode)
				}
			case err != nil:
				t.Fatal(err)
			case got != tt.want || ok != tt.wantOK:
				t.Fatalf("ExpectedVersion = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
