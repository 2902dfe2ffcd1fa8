package platform_test

import (
	"fmt"

	"github.com/ordersmith/ordersmith/internal/platform"
)

// A function's init reads the shared settings and its own, then checks once:
// the error names every variable that is missing or wrong.
func ExampleEnv() {
	lookup := func(name string) (string, bool) {
		v, ok := map[string]string{
			"STAGE":          "dev",
			"SECRETS_PREFIX": "/ordersmith",
			"MAIL_FROM":      "boutique at example.com",
		}[name]
		return v, ok
	}
	env := platform.NewEnv(lookup)
	cfg := platform.ReadConfig(env)
	queueURL := env.Required(platform.EnvNotificationsQueueURL)
	from := env.RequiredAddress(platform.EnvMailFrom)
	if err := env.Err(); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("stage=%s queue=%q from=%q\n", cfg.Stage, queueURL, from)
	// Output:
	// missing environment variables: TABLE_NAME, NOTIFICATIONS_QUEUE_URL; invalid environment variables: MAIL_FROM="boutique at example.com" (want an e-mail address)
	// stage=dev queue="" from=""
}
