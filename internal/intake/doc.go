// Package intake is the HTTP edge of the intake Lambda (IntakeFunction):
// storefront webhooks on POST /webhooks/{source} and staff's phone and
// e-mail orders on POST /orders.
//
// Each handler decodes, makes one call to the intake service
// (order.Intake) and encodes its result. A webhook is verified and decoded
// by internal/webhook (signature, storefront JSON, body limits), then
// handed to order.Intake.Receive; a manual order is decoded strictly from
// our own JSON format and handed to order.Intake.CreateManual. Errors are
// *order.Error values that apihttp's router turns into
// {"error":{"code","message"}} with the status of their kind.
//
// The package also holds the intake's adapters of the webhook ports: Ecwid,
// an EcwidClient that reads its API token from SSM Parameter Store when
// first needed. The webhook secrets themselves are read by
// internal/intake/ssmsecrets. docs/INTAKE.md describes the whole flow.
package intake
