// Command samlocal runs the functions of template.yaml locally as Lambda and
// API Gateway would, against the local emulators (docs/ARCHITECTURE.md).
//
//	samlocal up                          provision, build, serve 127.0.0.1:3000, poll
//	samlocal invoke IntakeFunction --event events/intake/webhook-shopify.json
//	samlocal token --sub alice@shop --scope "orders:read orders:write" --ttl 12h
//	samlocal build [FunctionLogicalId...]
//
// Functions are built by the deploy build's own Makefile rule (make
// build-<LogicalId>, as sam build runs it) for the host architecture, and run
// unchanged: each instance is a child process talking to a Lambda Runtime API
// served by samlocal (internal/lambdart). The HttpApi events are served with
// payload format 2.0 and the JWT authorizer (internal/httpapi), checked
// against a local signing key (internal/devauth); SQS, DynamoDB stream and
// schedule events are fed by pollers (internal/trigger). Port 3000 also
// serves the Lambda Invoke API (POST /2015-03-31/functions/{name}/invocations),
// POST /_local/schedules/{FunctionLogicalId}[.{Event}]/run to fire a schedule
// now, and the local issuer's keys under /_local/jwt/.
//
// Locally the template's JwtIssuer and JwtAudience parameters are the local
// issuer and audience, so the CreateUserPool condition is false and no
// Cognito pool is expected.
package main
