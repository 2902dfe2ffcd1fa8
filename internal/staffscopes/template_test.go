package staffscopes_test

import (
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/ordersmith/ordersmith/internal/samtemplate"
	"github.com/ordersmith/ordersmith/internal/staffscopes"
)

// TestTemplateGroups keeps template.yaml and Grants in step: the user pool
// has exactly the groups Grants knows, and calls StaffScopesFunction as its
// V2_0 pre token generation trigger (the version that may set scopes).
func TestTemplateGroups(t *testing.T) {
	tpl, err := samtemplate.ParseFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, id := range tpl.ResourceIDs("AWS::Cognito::UserPoolGroup") {
		name, _ := tpl.Resources[id].Properties["GroupName"].(string)
		groups = append(groups, name)
	}
	slices.Sort(groups)
	if want := slices.Sorted(maps.Keys(staffscopes.Grants())); !slices.Equal(groups, want) {
		t.Errorf("template groups = %v, Grants knows %v", groups, want)
	}
	lc, _ := tpl.Resources["StaffUserPool"].Properties["LambdaConfig"].(map[string]any)
	pre, _ := lc["PreTokenGenerationConfig"].(map[string]any)
	wantArn := map[string]any{"Fn::GetAtt": []any{"StaffScopesFunction", "Arn"}}
	if !reflect.DeepEqual(pre["LambdaArn"], wantArn) || pre["LambdaVersion"] != "V2_0" {
		t.Errorf("StaffUserPool PreTokenGenerationConfig = %v, want StaffScopesFunction at V2_0", pre)
	}
	if _, ok := tpl.Functions()["StaffScopesFunction"]; !ok {
		t.Error("template.yaml has no StaffScopesFunction")
	}
}
