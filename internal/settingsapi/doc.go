// Package settingsapi is the HTTP edge of the settings Lambda
// (SettingsFunction): the shop's settings (GET and PUT /settings: order
// numbering, zero-total payment status, company currency, e-mails...) and
// the exchange-rate table the intake converts order totals with (GET and
// PUT /exchange-rates/{currency}/{date}).
//
// Each handler decodes, makes one call to order.SettingsAdmin and encodes.
// Reads need the orders:read scope, writes settings:write (either spelling:
// Cognito issues orders/read and settings/write): changing how orders are
// numbered or converted is not every order clerk's job.
package settingsapi
