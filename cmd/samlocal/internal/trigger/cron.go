package trigger

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Expr is a parsed schedule expression: rate(), cron() or at().
type Expr interface {
	// Next returns the first firing time strictly after t, and false when
	// there is none (an at() in the past, a cron whose years are over).
	Next(t time.Time) (time.Time, bool)
}

// ParseExpression parses an EventBridge schedule expression. tz (an IANA
// name, ScheduleV2's ScheduleExpressionTimezone) applies to cron() and at();
// empty means UTC, as for EventBridge rules.
func ParseExpression(expr, tz string) (Expr, error) {
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("schedule timezone %q: %w", tz, err)
		}
		loc = l
	}
	expr = strings.TrimSpace(expr)
	open := strings.IndexByte(expr, '(')
	if open < 0 || !strings.HasSuffix(expr, ")") {
		return nil, fmt.Errorf("schedule expression %q: want rate(...), cron(...) or at(...)", expr)
	}
	kind, arg := expr[:open], strings.TrimSpace(expr[open+1:len(expr)-1])
	switch kind {
	case "rate":
		return parseRate(arg)
	case "cron":
		return parseCron(arg, loc)
	case "at":
		t, err := time.ParseInLocation("2006-01-02T15:04:05", arg, loc)
		if err != nil {
			return nil, fmt.Errorf("at(%s): %w", arg, err)
		}
		return atExpr(t), nil
	}
	return nil, fmt.Errorf("schedule expression %q: unknown kind %q", expr, kind)
}

// rateExpr fires every period. EventBridge starts counting when the rule is
// created; locally, when the poller starts.
type rateExpr time.Duration

// Next implements Expr.
func (r rateExpr) Next(t time.Time) (time.Time, bool) { return t.Add(time.Duration(r)), true }

func parseRate(arg string) (Expr, error) {
	f := strings.Fields(arg)
	if len(f) != 2 {
		return nil, fmt.Errorf("rate(%s): want rate(<value> <unit>)", arg)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("rate(%s): value must be a positive integer", arg)
	}
	unit := map[string]time.Duration{
		"minute": time.Minute, "minutes": time.Minute,
		"hour": time.Hour, "hours": time.Hour,
		"day": 24 * time.Hour, "days": 24 * time.Hour,
	}[f[1]]
	if unit == 0 {
		return nil, fmt.Errorf("rate(%s): unit must be minute(s), hour(s) or day(s)", arg)
	}
	if (n == 1) != !strings.HasSuffix(f[1], "s") {
		return nil, fmt.Errorf("rate(%s): use the singular unit for 1 and the plural otherwise", arg)
	}
	return rateExpr(time.Duration(n) * unit), nil
}

// atExpr fires once.
type atExpr time.Time

// Next implements Expr.
func (a atExpr) Next(t time.Time) (time.Time, bool) {
	at := time.Time(a)
	return at, at.After(t)
}

// cronExpr is cron(Minutes Hours Day-of-month Month Day-of-week Year).
type cronExpr struct {
	minutes, hours, months [64]bool
	years                  map[int]bool // nil: every year
	dom                    func(t time.Time) bool
	dow                    func(t time.Time) bool
	loc                    *time.Location
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

func parseCron(arg string, loc *time.Location) (Expr, error) {
	f := strings.Fields(arg)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron(%s): want 6 fields (minutes hours day-of-month month day-of-week year)", arg)
	}
	c := &cronExpr{loc: loc}
	var err error
	if err = fillSet(&c.minutes, f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("cron(%s) minutes: %w", arg, err)
	}
	if err = fillSet(&c.hours, f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("cron(%s) hours: %w", arg, err)
	}
	if err = fillSet(&c.months, f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("cron(%s) month: %w", arg, err)
	}
	if f[5] != "*" && f[5] != "?" {
		c.years = map[int]bool{}
		for _, part := range strings.Split(f[5], ",") {
			vals, err := rangeValues(part, 1970, 2199, nil)
			if err != nil {
				return nil, fmt.Errorf("cron(%s) year: %w", arg, err)
			}
			for _, v := range vals {
				c.years[v] = true
			}
		}
	}
	if (f[2] == "?") == (f[4] == "?") {
		return nil, fmt.Errorf("cron(%s): exactly one of day-of-month and day-of-week must be ?", arg)
	}
	if c.dom, err = parseDOM(f[2]); err != nil {
		return nil, fmt.Errorf("cron(%s) day-of-month: %w", arg, err)
	}
	if c.dow, err = parseDOW(f[4]); err != nil {
		return nil, fmt.Errorf("cron(%s) day-of-week: %w", arg, err)
	}
	return c, nil
}

// fillSet parses a list of values, ranges and steps ("*", "5", "1-5",
// "0/15", "*/10", "MON-FRI") into set.
func fillSet(set *[64]bool, field string, lo, hi int, names map[string]int) error {
	for _, part := range strings.Split(field, ",") {
		vals, err := rangeValues(part, lo, hi, names)
		if err != nil {
			return err
		}
		for _, v := range vals {
			set[v] = true
		}
	}
	return nil
}

func rangeValues(part string, lo, hi int, names map[string]int) ([]int, error) {
	step := 1
	if base, s, ok := strings.Cut(part, "/"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad step in %q", part)
		}
		step, part = n, base
	}
	from, to := lo, hi
	switch {
	case part == "*" || part == "?":
	case strings.Contains(part, "-"):
		a, b, _ := strings.Cut(part, "-")
		var err error
		if from, err = value(a, lo, hi, names); err != nil {
			return nil, err
		}
		if to, err = value(b, lo, hi, names); err != nil {
			return nil, err
		}
		if to < from {
			return nil, fmt.Errorf("range %q runs backwards", part)
		}
	default:
		v, err := value(part, lo, hi, names)
		if err != nil {
			return nil, err
		}
		from = v
		if step == 1 {
			to = v
		}
	}
	var out []int
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out, nil
}

func value(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q is not in %d-%d", s, lo, hi)
	}
	return v, nil
}

func lastDay(t time.Time) int {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
}

// parseDOM handles day-of-month: lists and ranges, "L" (the last day) and
// "nW" (the weekday nearest day n, within the month).
func parseDOM(field string) (func(time.Time) bool, error) {
	switch {
	case field == "?":
		return nil, nil
	case field == "L":
		return func(t time.Time) bool { return t.Day() == lastDay(t) }, nil
	case strings.HasSuffix(field, "W"):
		n, err := value(strings.TrimSuffix(field, "W"), 1, 31, nil)
		if err != nil {
			return nil, err
		}
		return func(t time.Time) bool { return t.Day() == nearestWeekday(t, n) }, nil
	}
	var set [64]bool
	if err := fillSet(&set, field, 1, 31, nil); err != nil {
		return nil, err
	}
	return func(t time.Time) bool { return set[t.Day()] }, nil
}

func nearestWeekday(t time.Time, n int) int {
	last := lastDay(t)
	if n > last {
		n = last
	}
	d := time.Date(t.Year(), t.Month(), n, 0, 0, 0, 0, t.Location())
	switch d.Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3 // Monday the 3rd: the rule never leaves the month
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2
		}
		return n + 1
	}
	return n
}

// parseDOW handles day-of-week (1-7 = SUN-SAT): lists and ranges, "nL" (the
// last such day of the month) and "n#k" (the k-th such day).
func parseDOW(field string) (func(time.Time) bool, error) {
	if field == "?" {
		return nil, nil
	}
	if d, k, ok := strings.Cut(field, "#"); ok {
		day, err := value(d, 1, 7, dayNames)
		if err != nil {
			return nil, err
		}
		nth, err := strconv.Atoi(k)
		if err != nil || nth < 1 || nth > 5 {
			return nil, fmt.Errorf("bad occurrence in %q", field)
		}
		return func(t time.Time) bool {
			return int(t.Weekday())+1 == day && (t.Day()-1)/7+1 == nth
		}, nil
	}
	if d, ok := strings.CutSuffix(field, "L"); ok && d != "" {
		day, err := value(d, 1, 7, dayNames)
		if err != nil {
			return nil, err
		}
		return func(t time.Time) bool {
			return int(t.Weekday())+1 == day && t.Day()+7 > lastDay(t)
		}, nil
	}
	var set [64]bool
	if err := fillSet(&set, field, 1, 7, dayNames); err != nil {
		return nil, err
	}
	return func(t time.Time) bool { return set[int(t.Weekday())+1] }, nil
}

func (c *cronExpr) dayMatches(t time.Time) bool {
	if c.dom != nil {
		return c.dom(t)
	}
	return c.dow(t)
}

// Next walks forward field by field (year, month, day, hour, minute),
// jumping over whole units that cannot match.
func (c *cronExpr) Next(after time.Time) (time.Time, bool) {
	t := after.In(c.loc).Truncate(time.Minute).Add(time.Minute)
	for t.Year() <= 2199 {
		if c.years != nil && !c.years[t.Year()] {
			t = time.Date(t.Year()+1, 1, 1, 0, 0, 0, 0, c.loc)
			continue
		}
		if !c.months[int(t.Month())] {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, c.loc)
			continue
		}
		if !c.dayMatches(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, c.loc)
			continue
		}
		if !c.hours[t.Hour()] {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, c.loc)
			continue
		}
		if !c.minutes[t.Minute()] {
			t = t.Add(time.Minute)
			continue
		}
		return t, true
	}
	return time.Time{}, false
}
