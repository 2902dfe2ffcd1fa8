package platform

import "time"

// Clock tells the time. Services take one instead of calling time.Now, so
// that tests decide what "now" is.
type Clock func() time.Time

// SystemClock is the real clock, in UTC so that stored timestamps compare as
// strings.
func SystemClock() time.Time { return time.Now().UTC() }

// FixedClock returns a Clock that always tells t.
func FixedClock(t time.Time) Clock {
	return func() time.Time { return t }
}
