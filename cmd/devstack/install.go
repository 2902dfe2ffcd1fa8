package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The pinned versions. Changing one changes the component's stamp, so the next
// install redoes that component.
const (
	dynamoDBLocalVersion      = "3.1.0"
	mavenDependencyPlugin     = "3.8.1"
	motoVersion               = "5.2.5"
	samCLIVersion             = "1.170.0"
	cfnLintVersion            = "1.58.0" // aws-sam-cli 1.170.0 requires cfn-lint >=1.52.0,<1.59
	cfnLintServerlessVersion  = "0.3.6"
	cfnLintServerlessOptional = true // lint rules are a bonus; sam validate --lint works without them
	checkovVersion            = "3.3.30"
)

// component is one thing devstack installs into .cache/.
type component struct {
	name    string
	dir     string // under .cache/
	spec    string // what the stamp records: the pins that define the install
	install func(ctx context.Context, dir string) error
}

func (s *stack) components() []component {
	return []component{
		{
			name:    "dynamodb-local",
			dir:     s.path("dynamodb-local"),
			spec:    "DynamoDBLocal " + dynamoDBLocalVersion + " maven-dependency-plugin " + mavenDependencyPlugin,
			install: s.installDynamoDBLocal,
		},
		{
			name:    "moto",
			dir:     s.path("venv-moto"),
			spec:    "moto[server]==" + motoVersion,
			install: s.installMoto,
		},
		{
			name:    "sam",
			dir:     s.path("venv-sam"),
			spec:    "aws-sam-cli==" + samCLIVersion + " cfn-lint==" + cfnLintVersion + " cfn-lint-serverless==" + cfnLintServerlessVersion,
			install: s.installSAM,
		},
		{
			// A virtualenv of its own: checkov pins many libraries (boto3,
			// cfn-lint's dependencies among them) that must not move SAM's.
			name:    "checkov",
			dir:     s.path("venv-checkov"),
			spec:    "checkov==" + checkovVersion,
			install: s.installCheckov,
		},
	}
}

const stampFile = ".devstack-stamp"

// install installs every component whose stamp does not match its pins, and
// prints how long each took.
func (s *stack) install(ctx context.Context) error {
	total := time.Now()
	for _, c := range s.components() {
		stamp := filepath.Join(c.dir, stampFile)
		if b, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(b)) == c.spec {
			fmt.Printf("install %-15s up to date (%s)\n", c.name, c.spec)
			continue
		}
		fmt.Printf("install %-15s %s ...\n", c.name, c.spec)
		start := time.Now()
		// A missing or stale stamp means a partial or older install: start clean.
		if err := os.RemoveAll(c.dir); err != nil {
			return fmt.Errorf("install %s: clean %s: %w", c.name, c.dir, err)
		}
		if err := os.MkdirAll(c.dir, 0o755); err != nil {
			return fmt.Errorf("install %s: %w", c.name, err)
		}
		if err := c.install(ctx, c.dir); err != nil {
			return fmt.Errorf("install %s: %w", c.name, err)
		}
		if err := os.WriteFile(stamp, []byte(c.spec+"\n"), 0o644); err != nil {
			return fmt.Errorf("install %s: write stamp: %w", c.name, err)
		}
		fmt.Printf("install %-15s done in %s\n", c.name, time.Since(start).Round(100*time.Millisecond))
	}
	fmt.Printf("install total %s\n", time.Since(total).Round(100*time.Millisecond))
	return nil
}

// installed reports whether every component's stamp matches its pins.
func (s *stack) installed() bool {
	for _, c := range s.components() {
		b, err := os.ReadFile(filepath.Join(c.dir, stampFile))
		if err != nil || strings.TrimSpace(string(b)) != c.spec {
			return false
		}
	}
	return true
}

// dynamoPOM is a throw-away project whose only purpose is to let Maven resolve
// DynamoDB Local and its native sqlite4java libraries from Maven Central.
const dynamoPOM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.devstack</groupId>
  <artifactId>dynamodb-local-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>software.amazon.dynamodb</groupId>
      <artifactId>DynamoDBLocal</artifactId>
      <version>%s</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>%s</version>
      </plugin>
    </plugins>
  </build>
</project>
`

func (s *stack) installDynamoDBLocal(ctx context.Context, dir string) error {
	pom := filepath.Join(dir, "pom.xml")
	if err := os.WriteFile(pom, fmt.Appendf(nil, dynamoPOM, dynamoDBLocalVersion, mavenDependencyPlugin), 0o644); err != nil {
		return fmt.Errorf("write pom: %w", err)
	}
	lib := filepath.Join(dir, "lib")
	// stripVersion gives the native libraries the plain names sqlite4java
	// looks for (libsqlite4java-linux-amd64.so), whatever their version.
	if err := runLogged(ctx, dir, "mvn", "-B", "-q", "-f", pom, "dependency:copy-dependencies",
		"-DoutputDirectory="+lib, "-DincludeScope=runtime", "-Dmdep.stripVersion=true"); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(lib, "DynamoDBLocal.jar")); err != nil {
		return fmt.Errorf("DynamoDBLocal.jar missing after mvn: %w", err)
	}
	return nil
}

func (s *stack) installMoto(ctx context.Context, dir string) error {
	if err := runLogged(ctx, s.root, "python3", "-m", "venv", dir); err != nil {
		return err
	}
	return runLogged(ctx, s.root, filepath.Join(dir, "bin", "pip"), "install", "-q", "--disable-pip-version-check",
		"moto[server]=="+motoVersion)
}

func (s *stack) installSAM(ctx context.Context, dir string) error {
	if err := runLogged(ctx, s.root, "python3", "-m", "venv", dir); err != nil {
		return err
	}
	pip := filepath.Join(dir, "bin", "pip")
	pins := []string{"aws-sam-cli==" + samCLIVersion, "cfn-lint==" + cfnLintVersion}
	if err := runLogged(ctx, s.root, pip, append([]string{"install", "-q", "--disable-pip-version-check"}, pins...)...); err != nil {
		return err
	}
	// Installed in a second step with the same pins, so that a conflict can
	// only cost us the optional rules, never move the CLI or cfn-lint.
	err := runLogged(ctx, s.root, pip, append([]string{"install", "-q", "--disable-pip-version-check",
		"cfn-lint-serverless==" + cfnLintServerlessVersion}, pins...)...)
	if err != nil && cfnLintServerlessOptional {
		fmt.Printf("install sam             warning: cfn-lint-serverless %s not installed: %v\n", cfnLintServerlessVersion, err)
		return nil
	}
	return err
}

func (s *stack) installCheckov(ctx context.Context, dir string) error {
	if err := runLogged(ctx, s.root, "python3", "-m", "venv", dir); err != nil {
		return err
	}
	return runLogged(ctx, s.root, filepath.Join(dir, "bin", "pip"), "install", "-q", "--disable-pip-version-check",
		"checkov=="+checkovVersion)
}

// runLogged runs a command and, when it fails, returns the tail of its output
// in the error: the install logs are otherwise lost.
func runLogged(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || out.Len() > 0 {
			return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(out.String(), 30))
		}
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
