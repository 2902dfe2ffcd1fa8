package apihttp_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp/apihttptest"
)

// TestTemplateScopes keeps template.yaml's Cognito resource servers, user
// pool client and route scopes in step with the Scope constants.
func TestTemplateScopes(t *testing.T) {
	apihttptest.CheckTemplateScopes(t, "../../template.yaml")
}
