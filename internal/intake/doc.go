// Package intake is the HTTP edge of the intake Lambda (IntakeFunction):
// storefront webhooks on POST /webhooks/{source}, staff's phone and e-mail
// orders on POST /orders, and the quarantine of deliveries that could not
// be processed (GET /quarantine, GET /quarantine/{id}, POST
// /quarantine/{id}/replay, POST /quarantine/replay).
//
// Each handler decodes, makes one call to a service and encodes its
// result. A webhook goes to order.Quarantine.Deliver, through Processor:
// verified and decoded by internal/webhook (signature, storefront JSON,
// body limits), then handed to order.Intake.Receive; an authentic delivery
// refused for its content is kept and answered 202, every signature
// failure is one 401; a manual order is decoded strictly from
// our own JSON format and handed to order.Intake.CreateManual. Errors are
// *order.Error values that apihttp's router turns into
// {"error":{"code","message"}} with the status of their kind.
//
// The package also holds the intake's adapters of the webhook ports: Ecwid,
// an EcwidClient that reads its API token from SSM Parameter Store when
// first needed. The webhook secrets themselves are read by
// internal/intake/ssmsecrets. docs/INTAKE.md describes the whole flow.
package intake
