// Command staffscopes is StaffScopesFunction: the staff user pool's pre
// token generation trigger, which sets the access token's scopes from the
// user's groups (internal/staffscopes). It only wires.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/ordersmith/ordersmith/internal/staffscopes"
)

func main() {
	lambda.Start(staffscopes.Handle)
}
