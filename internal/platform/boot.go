package platform

import (
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Function is what every function's composition root starts from, read once
// at init: the JSON logger, the common configuration and the AWS
// configuration.
type Function struct {
	Log    *slog.Logger
	Config Config
	AWS    aws.Config
}

// Boot reads the configuration every function shares and, through own when
// it is not nil, the function's own environment variables from the same Env,
// so that every missing or malformed variable is reported at once; then the
// AWS configuration. A failure ends the init (FailInit).
func Boot(own func(env *Env)) *Function {
	return boot(os.LookupEnv, own, FailInit)
}

func boot(lookup func(string) (string, bool), own func(env *Env), fail func(*slog.Logger, string, error)) *Function {
	f := &Function{Log: NewLogger(os.Stdout, lookup)}
	env := NewEnv(lookup)
	f.Config = ReadConfig(env)
	if own != nil {
		own(env)
	}
	if err := env.Err(); err != nil {
		fail(f.Log, "read configuration", err)
		return f
	}
	cfg, err := awsConfigFrom(lookup)
	if err != nil {
		fail(f.Log, "load AWS configuration", err)
		return f
	}
	f.AWS = cfg
	return f
}

// Must ends the init when err is not nil; what names what was being built
// ("build the handler").
func (f *Function) Must(what string, err error) {
	if err != nil {
		FailInit(f.Log, what, err)
	}
}
