package staffscopes

import (
	"context"
	"slices"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp"
)

// The staff groups of the user pool, as template.yaml names them.
const (
	GroupReaders        = "staff-readers"
	GroupWriters        = "staff-writers"
	GroupSettingsAdmins = "settings-admins"
	GroupFinance        = "finance"
)

// Grants returns the scopes each group gives, in apihttp's spelling. Every
// group can read orders: each of the other scopes is useless without it.
func Grants() map[string][]string {
	return map[string][]string{
		GroupReaders:        {apihttp.ScopeOrdersRead},
		GroupWriters:        {apihttp.ScopeOrdersRead, apihttp.ScopeOrdersWrite},
		GroupSettingsAdmins: {apihttp.ScopeOrdersRead, apihttp.ScopeSettingsWrite},
		GroupFinance:        {apihttp.ScopeOrdersRead, apihttp.ScopeFinanceRead},
	}
}

// ForGroups returns the scopes the groups give together, in the order of
// apihttp.StaffScopes. Groups that are not staff groups give nothing.
func ForGroups(groups []string) []string {
	grants := Grants()
	var out []string
	for _, s := range apihttp.StaffScopes() {
		for _, g := range groups {
			if slices.Contains(grants[g], s) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// cognitoSpelling is the form a Cognito resource server issues a scope in:
// orders:read becomes orders/read.
func cognitoSpelling(scope string) string {
	sp := apihttp.ScopeSpellings(scope)
	return sp[len(sp)-1]
}

// Handle is the pre token generation trigger: it adds to the access token
// the staff scopes of the user's groups and suppresses the other staff
// scopes. Groups, roles and the ID token are left as Cognito built them.
func Handle(_ context.Context, ev events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
	granted := ForGroups(ev.Request.GroupConfiguration.GroupsToOverride)
	access := events.AccessTokenGenerationV2_0{ScopesToAdd: []string{}, ScopesToSuppress: []string{}}
	for _, s := range apihttp.StaffScopes() {
		if slices.Contains(granted, s) {
			access.ScopesToAdd = append(access.ScopesToAdd, cognitoSpelling(s))
		} else {
			access.ScopesToSuppress = append(access.ScopesToSuppress, cognitoSpelling(s))
		}
	}
	ev.Response.ClaimsAndScopeOverrideDetails = events.ClaimsAndScopeOverrideDetailsV2_0{
		AccessTokenGeneration: access,
		GroupOverrideDetails:  ev.Request.GroupConfiguration,
	}
	return ev, nil
}
