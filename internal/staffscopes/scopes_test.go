package staffscopes_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/staffscopes"
)

func TestForGroups(t *testing.T) {
	tests := []struct {
		name   string
		groups []string
		want   []string
	}{
		{"no group", nil, nil},
		{"not a staff group", []string{"customers"}, nil},
		{"reader", []string{staffscopes.GroupReaders}, []string{apihttp.ScopeOrdersRead}},
		{"writer", []string{staffscopes.GroupWriters}, []string{apihttp.ScopeOrdersRead, apihttp.ScopeOrdersWrite}},
		{"settings admin", []string{staffscopes.GroupSettingsAdmins}, []string{apihttp.ScopeOrdersRead, apihttp.ScopeSettingsWrite}},
		{"finance", []string{staffscopes.GroupFinance}, []string{apihttp.ScopeOrdersRead, apihttp.ScopeFinanceRead}},
		{"groups add up, each scope once", []string{staffscopes.GroupFinance, "customers", staffscopes.GroupWriters, staffscopes.GroupReaders},
			[]string{apihttp.ScopeOrdersRead, apihttp.ScopeOrdersWrite, apihttp.ScopeFinanceRead}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := staffscopes.ForGroups(tt.groups); !slices.Equal(got, tt.want) {
				t.Errorf("ForGroups(%v) = %v, want %v", tt.groups, got, tt.want)
			}
		})
	}
}

// TestGrantsAreStaffScopes: a group can only give a scope the routes know.
func TestGrantsAreStaffScopes(t *testing.T) {
	for g, scopes := range staffscopes.Grants() {
		for _, s := range scopes {
			if !slices.Contains(apihttp.StaffScopes(), s) {
				t.Errorf("group %s gives %q, which is not one of apihttp.StaffScopes %v", g, s, apihttp.StaffScopes())
			}
		}
	}
}

// TestHandleSample answers the sample event of events/staffscopes (a
// staff-writers user whose client asked for every scope) as Cognito's
// documentation shows a V2_0 response.
func TestHandleSample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "staffscopes", "cognito-pre-token-generation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.CognitoEventUserPoolsPreTokenGenV2_0
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	got, err := staffscopes.Handle(t.Context(), ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(got.Response)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"claimsAndScopeOverrideDetails":{
		"idTokenGeneration":{"claimsToAddOrOverride":null,"claimsToSuppress":null},
		"accessTokenGeneration":{"claimsToAddOrOverride":null,"claimsToSuppress":null,
			"scopesToAdd":["orders/read","orders/write"],
			"scopesToSuppress":["settings/write","finance/read"]},
		"groupOverrideDetails":{"groupsToOverride":["staff-writers"],"iamRolesToOverride":[],"preferredRole":null}}}`
	assertJSONEq(t, out, want)
	if got.UserName != "camille" || got.Request.Scopes == nil {
		t.Errorf("the request part is not returned as received: %+v", got.CognitoEventUserPoolsHeader)
	}
}

// TestHandleNoGroup: a user in no staff group gets no staff scope, even
// when the client asked for them.
func TestHandleNoGroup(t *testing.T) {
	var ev events.CognitoEventUserPoolsPreTokenGenV2_0
	ev.Request.Scopes = []string{"openid", "orders/read", "orders/write"}
	got, err := staffscopes.Handle(t.Context(), ev)
	if err != nil {
		t.Fatal(err)
	}
	access := got.Response.ClaimsAndScopeOverrideDetails.AccessTokenGeneration
	if len(access.ScopesToAdd) != 0 || !slices.Equal(access.ScopesToSuppress, []string{"orders/read", "orders/write", "settings/write", "finance/read"}) {
		t.Errorf("add %v, suppress %v: want nothing added and every staff scope suppressed", access.ScopesToAdd, access.ScopesToSuppress)
	}
}

func assertJSONEq(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("got  %s\nwant %s", gb, wb)
	}
}
