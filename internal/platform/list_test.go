package platform

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"https://q/a", []string{"https://q/a"}},
		{" https://q/a , https://q/b,,https://q/a ", []string{"https://q/a", "https://q/b"}},
	}
	for _, tt := range tests {
		if got := SplitList(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SplitList(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestEnvList(t *testing.T) {
	env := NewEnv(mapEnv(map[string]string{"QUEUES": "https://q/a, https://q/b", "NONE": " , "}))
	if got := env.List("QUEUES"); !slices.Equal(got, []string{"https://q/a", "https://q/b"}) || env.Err() != nil {
		t.Fatalf("List(QUEUES) = %v, %v", got, env.Err())
	}
	env.List("NONE")
	env.List("UNSET")
	if err := env.Err(); err == nil || !strings.Contains(err.Error(), "NONE") || !strings.Contains(err.Error(), "UNSET") {
		t.Fatalf("a list of nothing and an unset list: %v, want both named missing", err)
	}
}
