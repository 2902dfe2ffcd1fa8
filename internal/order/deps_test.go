package order

import (
	"strings"
	"testing"
)

func TestRequireDeps(t *testing.T) {
	var nilStore *Lifecycle
	var nilIface OrderStore
	tests := []struct {
		name    string
		deps    []Dep
		missing string // "" when all are given
	}{
		{"all given", []Dep{Need("Orders", &Lifecycle{}), Need("Now", func() {})}, ""},
		{"untyped nil", []Dep{Need("Orders", nilIface), Need("Now", func() {})}, "Orders required"},
		{"typed nil pointer", []Dep{Need("Orders", nilStore)}, "Orders required"},
		{"several", []Dep{Need("A", nil), Need("B", 1), Need("C", []int(nil))}, "A, C required"},
		{"empty name", []Dep{Need("Client", &Lifecycle{}), Need("Bucket", "")}, "Bucket required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := RequireDeps("order.Test", tt.deps...)
			if tt.missing == "" {
				if err != nil {
					t.Fatalf("RequireDeps: %v, want nil", err)
				}
				return
			}
			if err == nil || CodeOf(err) != "missing_dependency" || KindOf(err) != Internal || !strings.Contains(err.Error(), tt.missing) {
				t.Fatalf("RequireDeps: %v, want an Internal missing_dependency naming %q", err, tt.missing)
			}
		})
	}
}

func TestNewLifecycleRefusesMissingPorts(t *testing.T) {
	if _, err := NewLifecycle(LifecycleDeps{}); CodeOf(err) != "missing_dependency" || !strings.Contains(err.Error(), "Orders, Settings, Stock required") {
		t.Fatalf("NewLifecycle without ports: %v, want missing_dependency naming all three", err)
	}
}
