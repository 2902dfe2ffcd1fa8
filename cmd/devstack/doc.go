// Command devstack installs, starts, stops and provisions the local AWS stack
// that the integration tests and the local Lambda runtime use:
//
//	devstack install    DynamoDB Local 3.1.0 (Maven), moto[server] 5.2.5 and
//	                    aws-sam-cli 1.170.0 + cfn-lint (PyPI), pinned, into
//	                    .cache/ at the repository root; a stamp per component
//	                    skips what is already there
//	devstack up         install if needed, start DynamoDB Local on 127.0.0.1:8000
//	                    and moto on 127.0.0.1:4566 unless they already answer,
//	                    then provision template.yaml (Stage=dev)
//	devstack down       stop the emulators this checkout started, and only those
//	devstack status     whether each emulator answers, and who started it
//	devstack env        export lines for a shell: eval "$(go run ./cmd/devstack env)"
//	devstack provision  create the template's tables, queues, buckets and SES
//	                    identity (localaws.Provision)
//
// The emulators run detached, each in its own process group, with their pid
// and log in .cache/run/. DynamoDB Local runs in memory, so every `up`
// provisions again: after a restart the tables are gone. An emulator that
// already answers on its port (started by another checkout) is shared, not
// restarted. A lock file serialises concurrent `up` and `down` runs.
package main
