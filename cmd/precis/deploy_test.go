package main

// The on-premises install, checked against the code: every setting Precis reads is documented in
// .env.example and README.md and reaches the container; the Dockerfile and `make build` build the
// binary the same way; docker-compose.yml keeps Ollama unpublished; and, where a Docker engine
// answers, the image really starts and summarizes a contract.

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/goccy/go-yaml"
)

// composeOnly are the variables of .env.example that docker-compose.yml reads and Precis does not.
var composeOnly = map[string]bool{
	"PRECIS_PORT":    true, // the port (or address:port) on the host where Precis is published
	"PRECIS_VERSION": true, // the version written into the image and its tag
}

// fixedInContainer are the settings docker-compose.yml and the Dockerfile pin: .env cannot move
// them, or Precis would listen where nothing is published or write outside the data volume.
var fixedInContainer = map[string]string{
	"PRECIS_ADDR":     "0.0.0.0:8080",
	"PRECIS_DATA_DIR": "/data",
}

// repoFile is the path of a file at the repository root (tests run in cmd/precis).
func repoFile(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func readRepoFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(repoFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// envEntry is one variable of .env.example: `NAME=value`, or `# NAME=value` for one left at its
// default, with the comment lines right above it that say what it means.
type envEntry struct {
	name, value string
	doc         []string
	line        int
}

var (
	envAssign   = regexp.MustCompile(`^(?:#\s*)?([A-Z][A-Z0-9_]*)=(.*)$`)
	envRule     = regexp.MustCompile(`^#\s*-{3,}`)
	getenvCall  = regexp.MustCompile(`(?:Getenv|LookupEnv)\(\s*"(PRECIS_[A-Z0-9_]+)"`)
	precisToken = regexp.MustCompile(`\bPRECIS_[A-Z0-9_]+\b`)
)

// parseEnvExample reads .env.example. Every entry must have a description and appear once.
func parseEnvExample(t *testing.T) map[string]envEntry {
	t.Helper()
	entries := map[string]envEntry{}
	var doc []string
	sc := bufio.NewScanner(strings.NewReader(readRepoFile(t, ".env.example")))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		m := envAssign.FindStringSubmatch(line)
		switch {
		case m != nil:
			e := envEntry{name: m[1], value: m[2], doc: doc, line: n}
			if len(doc) == 0 {
				t.Errorf(".env.example:%d: %s has no description: put what it means in comment lines right above it", n, e.name)
			}
			if prev, ok := entries[e.name]; ok {
				t.Errorf(".env.example:%d: %s is listed twice (first on line %d)", n, e.name, prev.line)
			}
			entries[e.name] = e
			doc = nil
		case line == "" || envRule.MatchString(line):
			doc = nil
		case strings.HasPrefix(line, "#"):
			doc = append(doc, strings.TrimSpace(strings.TrimPrefix(line, "#")))
		default:
			t.Errorf(".env.example:%d: %q is neither a comment nor NAME=value", n, line)
		}
	}
	return entries
}

// settingsByName is the settings table keyed by variable.
func settingsByName() map[string]setting {
	m := map[string]setting{}
	for _, s := range settings {
		m[s.env] = s
	}
	return m
}

// variablesRead is every PRECIS_* variable the precis binary reads: the settings table, and every
// Getenv/LookupEnv("PRECIS_...") literal in the non-test files of this module's packages that the
// binary links. (Test harnesses such as ollamatest read variables of their own; the binary never
// does, so an administrator has nothing to set there.)
func variablesRead(t *testing.T) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for _, s := range settings {
		vars[s.env] = "cmd/precis/config.go settings"
	}
	out, err := exec.Command("go", "list", "-deps", "-f",
		`{{if and .Module .Module.Main}}{{.Dir}}{{"\t"}}{{join .GoFiles " "}} {{join .CgoFiles " "}}{{end}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	root := repoFile(t, "")
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dir, files, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		for _, f := range strings.Fields(files) {
			src, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range getenvCall.FindAllStringSubmatch(string(src), -1) {
				if _, ok := vars[m[1]]; !ok {
					rel, _ := filepath.Rel(root, filepath.Join(dir, f))
					vars[m[1]] = rel
				}
			}
		}
	}
	return vars
}

func TestDeployDocumentsEverySetting(t *testing.T) {
	entries := parseEnvExample(t)
	readme := readRepoFile(t, "README.md")
	vars := variablesRead(t)
	if len(vars) < len(settings) || len(settings) == 0 {
		t.Fatalf("found %d variables for %d settings", len(vars), len(settings))
	}
	for name, where := range vars {
		if _, ok := entries[name]; !ok {
			t.Errorf("%s (read in %s) is missing from .env.example: add it with its meaning and default", name, where)
		}
		if !strings.Contains(readme, "`"+name+"`") {
			t.Errorf("%s (read in %s) is not documented in README.md (as `%s`)", name, where, name)
		}
	}
	for name := range composeOnly {
		if !strings.Contains(readme, "`"+name+"`") {
			t.Errorf("compose variable %s is not documented in README.md (as `%s`)", name, name)
		}
	}
}

func TestEnvExampleHasNoStaleEntries(t *testing.T) {
	entries := parseEnvExample(t)
	vars := variablesRead(t)
	compose := readRepoFile(t, "docker-compose.yml")
	for name, e := range entries {
		switch {
		case composeOnly[name]:
			if !strings.Contains(compose, "${"+name) {
				t.Errorf(".env.example:%d: %s is documented as a compose variable but docker-compose.yml does not use it", e.line, name)
			}
		case vars[name] == "":
			t.Errorf(".env.example:%d: %s is neither a Precis setting nor a variable docker-compose.yml reads: remove it or rename it", e.line, name)
		}
	}
	// Words like PRECIS_FOO in descriptions must name real variables too.
	for name, e := range entries {
		for _, w := range precisToken.FindAllString(strings.Join(e.doc, " "), -1) {
			if vars[w] == "" && !composeOnly[w] {
				t.Errorf(".env.example:%d: the description of %s mentions %s, which does not exist", e.line, name, w)
			}
		}
	}
}

// TestOneBuildScript checks that the Dockerfile's build stage and `make build` both build with
// scripts/build.sh, and that the script builds a binary that reports the version it was given.
func TestOneBuildScript(t *testing.T) {
	stage := dockerfileStage(t, readRepoFile(t, "Dockerfile"), "build")
	if !regexp.MustCompile(`(?m)^RUN .*scripts/build\.sh /out/precis\b`).MatchString(stage) {
		t.Errorf("the Dockerfile's build stage does not RUN scripts/build.sh /out/precis:\n%s", stage)
	}
	if regexp.MustCompile(`(?m)^[^#]*\bgo build\b`).MatchString(readRepoFile(t, "Dockerfile")) {
		t.Error("the Dockerfile runs `go build` itself: build with scripts/build.sh only")
	}
	recipe := makeRecipe(t, readRepoFile(t, "Makefile"), "build")
	if !strings.Contains(recipe, "scripts/build.sh bin/precis") || strings.Contains(recipe, "go build") {
		t.Errorf("the Makefile's build target must call scripts/build.sh bin/precis and nothing else builds:\n%s", recipe)
	}

	script := repoFile(t, "scripts/build.sh")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage: scripts/build.sh OUT [VERSION]"},
		{[]string{"x", "v1", "extra"}, "usage: scripts/build.sh OUT [VERSION]"},
		{[]string{"x", "v1 -X other"}, `VERSION "v1 -X other" may hold only letters`},
	} {
		out, err := exec.Command("bash", append([]string{script}, tc.args...)...).CombinedOutput()
		if code := exitCode(err); code != 2 || !strings.Contains(string(out), tc.want) {
			t.Errorf("build.sh %q: exit %d, output %q; want exit 2 and %q", tc.args, code, out, tc.want)
		}
	}

	if testing.Short() {
		t.Skip("-short: not building with scripts/build.sh")
	}
	bin := filepath.Join(t.TempDir(), "precis")
	if out, err := exec.Command("bash", script, bin, "v9.8.7-deploytest").CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "v9.8.7-deploytest") {
		t.Errorf("the binary scripts/build.sh built says %q (%v); want the version v9.8.7-deploytest", out, err)
	}
}

func TestDockerfileRuntime(t *testing.T) {
	df := readRepoFile(t, "Dockerfile")
	if !regexp.MustCompile(`(?m)^FROM golang:1\.26-bookworm AS build$`).MatchString(df) ||
		!regexp.MustCompile(`(?m)^FROM debian:bookworm-slim$`).MatchString(df) {
		t.Error("the Dockerfile must build on golang:1.26-bookworm and run on debian:bookworm-slim")
	}
	runtime := df[strings.LastIndex(df, "\nFROM "):]
	for _, pkg := range []string{"poppler-utils", "tesseract-ocr", "tesseract-ocr-eng", "tesseract-ocr-osd", "curl"} {
		if !regexp.MustCompile(`\s` + regexp.QuoteMeta(pkg) + `\s`).MatchString(runtime) {
			t.Errorf("the runtime image does not install the Debian package %s", pkg)
		}
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^USER precis`),
		regexp.MustCompile(`(?m)^VOLUME /data$`),
		regexp.MustCompile(`(?m)^HEALTHCHECK .*\n?.*http://127\.0\.0\.1:8080/healthz`),
		regexp.MustCompile(`PRECIS_ADDR=0\.0\.0\.0:8080`),
		regexp.MustCompile(`PRECIS_DATA_DIR=/data`),
		regexp.MustCompile(`(?m)^LABEL org\.opencontainers\.image\.`),
	} {
		if !want.MatchString(runtime) {
			t.Errorf("the runtime stage of the Dockerfile lacks %s", want)
		}
	}
}

// TestMigrationsAreAdditive holds README's upgrade promise: migrations add, never drop or rename.
func TestMigrationsAreAdditive(t *testing.T) {
	files, err := filepath.Glob(repoFile(t, "migrations/*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found (%v)", err)
	}
	destructive := regexp.MustCompile(`(?i)\b(DROP\s+(TABLE|COLUMN|VIEW)|RENAME\s+(TO|COLUMN))\b`)
	readme, err := os.ReadFile(repoFile(t, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// A table rebuild (SQLite's procedure: new table, copy, drop, rename) keeps every
		// row; the migration runner checks foreign keys before committing it. It must be
		// named in README.md's Upgrading section, which says what it does.
		name := strings.TrimSuffix(filepath.Base(f), ".sql")
		if strings.HasPrefix(string(b), "-- precis:foreign-keys-off\n") && strings.Contains(string(readme), "`"+name+"`") {
			continue
		}
		for n, line := range strings.Split(string(b), "\n") {
			code, _, _ := strings.Cut(line, "--")
			if m := destructive.FindString(code); m != "" {
				t.Errorf("%s:%d: %s: README.md (Upgrading) promises additive migrations; a destructive change needs a documented upgrade path first",
					filepath.Base(f), n+1, m)
			}
		}
	}
}

// dockerfileStage returns the lines of the stage named name, up to the next FROM.
func dockerfileStage(t *testing.T, df, name string) string {
	t.Helper()
	start := regexp.MustCompile(`(?mi)^FROM \S+ AS ` + regexp.QuoteMeta(name) + `\s*$`).FindStringIndex(df)
	if start == nil {
		t.Fatalf("the Dockerfile has no stage named %q", name)
	}
	rest := df[start[1]:]
	if next := regexp.MustCompile(`(?m)^FROM `).FindStringIndex(rest); next != nil {
		rest = rest[:next[0]]
	}
	return rest
}

// makeRecipe returns the recipe lines of a Makefile target.
func makeRecipe(t *testing.T, mk, target string) string {
	t.Helper()
	var b strings.Builder
	in := false
	for _, line := range strings.Split(mk, "\n") {
		switch {
		case strings.HasPrefix(line, target+":"):
			in = true
		case in && strings.HasPrefix(line, "\t"):
			b.WriteString(line + "\n")
		case in:
			in = false
		}
	}
	if b.Len() == 0 {
		t.Fatalf("the Makefile has no recipe for %q", target)
	}
	return b.String()
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// runQuiet runs a command with a time limit and returns its combined output.
func runQuiet(dir string, env []string, timeout time.Duration, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("%s %s: still running after %s", name, strings.Join(args, " "), timeout)
	}
}

// composeCommand is Docker Compose on this machine: docker-compose (1.29, which `make deps`
// installs) or else the docker compose plugin. Without either the test is skipped.
func composeCommand(t *testing.T) []string {
	t.Helper()
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return []string{p}
	}
	if err := exec.Command("docker", "compose", "version").Run(); err == nil {
		return []string{"docker", "compose"}
	}
	t.Skip("neither docker-compose nor the docker compose plugin is installed: compose checks skipped (`make deps` installs docker-compose)")
	return nil
}

// composeEnv is this process's environment less PRECIS_* and COMPOSE_* variables, so a
// developer's shell changes nothing that is checked, plus extra.
func composeEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PRECIS_") && !strings.HasPrefix(kv, "COMPOSE_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// composeFile is the part of `docker compose config` these tests read. The fields whose shape
// differs between docker-compose 1.29 and Compose v2 are left as any and read by helpers.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string         `yaml:"image"`
	Build       any            `yaml:"build"`
	Entrypoint  any            `yaml:"entrypoint"`
	Command     any            `yaml:"command"`
	Environment map[string]any `yaml:"environment"`
	Ports       []any          `yaml:"ports"`
	Volumes     []any          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Restart         string `yaml:"restart"`
	StopGracePeriod string `yaml:"stop_grace_period"`
	Deploy          any    `yaml:"deploy"`
}

// composeConfig runs `config` on composeYAML in a fresh project directory, with dotenv as its
// .env file (none when dotenv is ""), and returns the output and its parse.
func composeConfig(t *testing.T, cmd []string, composeYAML, dotenv string) (string, composeFile) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(composeYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if dotenv != "" {
		if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(dotenv), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := runQuiet(dir, composeEnv(), time.Minute, cmd[0], append(cmd[1:], "config")...)
	if err != nil {
		t.Fatalf("%s config: %v\n%s", strings.Join(cmd, " "), err, out)
	}
	out = strings.ReplaceAll(out, dir, "PROJECT_DIR") // the build context: same in every run
	var cf composeFile
	if err := yaml.Unmarshal([]byte(out), &cf); err != nil {
		t.Fatalf("parse the output of %s config: %v\n%s", strings.Join(cmd, " "), err, out)
	}
	return out, cf
}

func (s composeService) env() map[string]string {
	m := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			m[k] = fmt.Sprint(v)
		} else {
			m[k] = ""
		}
	}
	return m
}

// published lists the service's published ports as "[hostip:]port->target".
func (s composeService) published() []string {
	var out []string
	for _, p := range s.Ports {
		switch p := p.(type) {
		case string: // 1.29 short form: [hostip:]published:target[/proto]
			p = strings.TrimSuffix(p, "/tcp")
			i := strings.LastIndex(p, ":")
			if i < 0 {
				out = append(out, "->"+p) // container port only: published on a random port
				continue
			}
			out = append(out, p[:i]+"->"+p[i+1:])
		case map[string]any:
			host := fmt.Sprint(p["published"])
			if ip, _ := p["host_ip"].(string); ip != "" {
				host = ip + ":" + host
			}
			out = append(out, host+"->"+fmt.Sprint(p["target"]))
		default:
			out = append(out, fmt.Sprint(p))
		}
	}
	return out
}

// mounts lists the service's volumes as "source:target".
func (s composeService) mounts() []string {
	var out []string
	for _, v := range s.Volumes {
		switch v := v.(type) {
		case string:
			parts := strings.SplitN(v, ":", 3)
			if len(parts) >= 2 {
				out = append(out, parts[0]+":"+parts[1])
			}
		case map[string]any:
			out = append(out, fmt.Sprint(v["source"])+":"+fmt.Sprint(v["target"]))
		}
	}
	return out
}

func words(v any) string {
	if l, ok := v.([]any); ok {
		var s []string
		for _, w := range l {
			s = append(s, fmt.Sprint(w))
		}
		return strings.Join(s, " ")
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func TestComposeConfig(t *testing.T) {
	cmd := composeCommand(t)
	compose := readRepoFile(t, "docker-compose.yml")
	entries := parseEnvExample(t)
	byName := settingsByName()

	_, def := composeConfig(t, cmd, compose, "")
	ollama, pull, precis := def.Services["ollama"], def.Services["ollama-pull"], def.Services["precis"]
	if len(def.Services) != 3 || ollama.Image == "" || pull.Image == "" || precis.Build == nil {
		t.Fatalf("want the services ollama, ollama-pull and precis (built from this repository); got %v", def.Services)
	}

	t.Run("ollama is not published", func(t *testing.T) {
		if !strings.HasPrefix(ollama.Image, "ollama/ollama") || pull.Image != ollama.Image {
			t.Errorf("ollama and ollama-pull must run the same official image; got %q and %q", ollama.Image, pull.Image)
		}
		if p := ollama.published(); len(p) > 0 {
			t.Errorf("ollama publishes %v: Ollama has no authentication, keep it on the compose network", p)
		}
		if p := pull.published(); len(p) > 0 {
			t.Errorf("ollama-pull publishes %v", p)
		}
		if got := precis.published(); len(got) != 1 || got[0] != "8080->8080" {
			t.Errorf("precis publishes %v; want 8080->8080 by default", got)
		}
	})

	t.Run("start order, restarts and health", func(t *testing.T) {
		if c := pull.DependsOn["ollama"].Condition; c != "service_healthy" {
			t.Errorf("ollama-pull depends on ollama with condition %q; want service_healthy", c)
		}
		if c := precis.DependsOn["ollama-pull"].Condition; c != "service_completed_successfully" {
			t.Errorf("precis depends on ollama-pull with condition %q; want service_completed_successfully", c)
		}
		cmdline := words(pull.Entrypoint) + " " + words(pull.Command)
		if !strings.Contains(cmdline, "ollama pull") || !strings.Contains(cmdline, "PRECIS_OLLAMA_MODEL") {
			t.Errorf("ollama-pull runs %q; want it to `ollama pull` PRECIS_OLLAMA_MODEL", cmdline)
		}
		if got := pull.env()["OLLAMA_HOST"]; got != "http://ollama:11434" {
			t.Errorf("ollama-pull has OLLAMA_HOST=%q; want http://ollama:11434", got)
		}
		for name, want := range map[string]string{"ollama": "unless-stopped", "ollama-pull": "no", "precis": "unless-stopped"} {
			if got := def.Services[name].Restart; got != want {
				t.Errorf("%s restarts %q; want %q", name, got, want)
			}
		}
		if hc := ollama.Healthcheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), "ollama") {
			t.Errorf("ollama's healthcheck is %+v; want one that asks ollama", hc)
		}
		if hc := precis.Healthcheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), "http://127.0.0.1:8080/healthz") {
			t.Errorf("precis's healthcheck is %+v; want GET /healthz", hc)
		}
		if s, ok := byName["PRECIS_SHUTDOWN_TIMEOUT"]; ok {
			grace, err1 := time.ParseDuration(precis.StopGracePeriod)
			shutdown, err2 := time.ParseDuration(s.def)
			if err1 != nil || err2 != nil || grace <= shutdown {
				t.Errorf("precis's stop_grace_period %q must exceed PRECIS_SHUTDOWN_TIMEOUT's default %s, or docker kills running jobs", precis.StopGracePeriod, s.def)
			}
		}
	})

	t.Run("named volumes", func(t *testing.T) {
		for svc, want := range map[string]string{"ollama": "models:/root/.ollama", "precis": "data:/data"} {
			got := def.Services[svc].mounts()
			if len(got) != 1 || got[0] != want {
				t.Errorf("%s mounts %v; want %s", svc, got, want)
			}
			if name, _, _ := strings.Cut(want, ":"); !hasKey(def.Volumes, name) {
				t.Errorf("the volume %s is not a named volume (top-level volumes: %v)", name, def.Volumes)
			}
		}
	})

	env := precis.env()
	t.Run("every setting reaches the container", func(t *testing.T) {
		for _, s := range settings {
			v, ok := env[s.env]
			if !ok {
				t.Errorf("%s is not in precis's environment in docker-compose.yml: a value in .env would never reach Precis", s.env)
			} else if fixed, isFixed := fixedInContainer[s.env]; isFixed && v != fixed {
				t.Errorf("precis has %s=%q; want it fixed at %q", s.env, v, fixed)
			}
		}
		c, _, err := loadConfig("serve", nil, func(k string) string { return env[k] }, nil)
		if err != nil {
			t.Fatalf("the container's default environment is not a valid configuration: %v", err)
		}
		if c.Addr != "0.0.0.0:8080" || c.DataDir != "/data" || c.OllamaURL != "http://ollama:11434" || c.LogFormat != "json" {
			t.Errorf("in the container Precis would listen on %s, keep data in %s, ask Ollama at %q and log %s",
				c.Addr, c.DataDir, c.OllamaURL, c.LogFormat)
		}
	})

	t.Run(".env.example shows the defaults", func(t *testing.T) {
		for name, e := range entries {
			want, ok := env[name]
			switch {
			case name == "PRECIS_PORT":
				want = strings.TrimSuffix(precis.published()[0], "->8080")
			case name == "PRECIS_VERSION":
				build, _ := precis.Build.(map[string]any)
				args, _ := build["args"].(map[string]any)
				want = fmt.Sprint(args["VERSION"])
			case !ok:
				continue // reported by the tests above
			case want == "":
				want = byName[name].def
			}
			if e.value != want {
				t.Errorf(".env.example:%d: %s=%s, but without .env the container gets %q", e.line, name, e.value, want)
			}
		}
		_, withExample := composeConfig(t, cmd, compose, readRepoFile(t, ".env.example"))
		if !reflect.DeepEqual(withExample, def) {
			t.Errorf("copying .env.example to .env changes the configuration:\nwithout: %+v\nwith:    %+v", def, withExample)
		}
	})

	t.Run("every .env variable is substituted", func(t *testing.T) {
		var dotenv strings.Builder
		for _, s := range settings {
			fmt.Fprintf(&dotenv, "%s=probe-%s\n", s.env, strings.ToLower(s.env))
		}
		dotenv.WriteString("PRECIS_PORT=127.0.0.1:18080\nPRECIS_VERSION=probe\n")
		_, cf := composeConfig(t, cmd, compose, dotenv.String())
		got := cf.Services["precis"].env()
		for _, s := range settings {
			want := "probe-" + strings.ToLower(s.env)
			if fixed, ok := fixedInContainer[s.env]; ok {
				want = fixed
			}
			if got[s.env] != want {
				t.Errorf("with %s=probe-%s in .env precis gets %q; want %q", s.env, strings.ToLower(s.env), got[s.env], want)
			}
		}
		if p := cf.Services["precis"].published(); len(p) != 1 || p[0] != "127.0.0.1:18080->8080" {
			t.Errorf("with PRECIS_PORT=127.0.0.1:18080 precis publishes %v", p)
		}
		if m := cf.Services["ollama-pull"].env()["PRECIS_OLLAMA_MODEL"]; m != "probe-precis_ollama_model" {
			t.Errorf("ollama-pull would pull %q, not the model Precis uses", m)
		}
		if n := cf.Services["ollama"].env()["OLLAMA_NUM_PARALLEL"]; n != "probe-precis_ollama_slots" {
			t.Errorf("ollama's OLLAMA_NUM_PARALLEL is %q; want PRECIS_OLLAMA_SLOTS", n)
		}
	})

	t.Run("the NVIDIA GPU section, uncommented", func(t *testing.T) {
		gpu, n := uncommentGPU(t, compose)
		if n != 7 {
			t.Errorf("the GPU section has %d lines; README.md says to uncomment seven", n)
		}
		out, cf := composeConfig(t, cmd, gpu, "")
		for _, want := range []string{"driver: nvidia", "count: all", "gpu"} {
			if !strings.Contains(words(cf.Services["ollama"].Deploy)+out, want) {
				t.Errorf("with the GPU section uncommented ollama's deploy lacks %q:\n%s", want, out)
			}
		}
		if cf.Services["ollama"].Deploy == nil || cf.Services["precis"].Deploy != nil {
			t.Errorf("the GPU section must reserve the GPU for ollama only")
		}
	})
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

// uncommentGPU returns the compose file with the commented `deploy:` block under the
// "NVIDIA GPU" comment uncommented, and how many lines that took.
func uncommentGPU(t *testing.T, compose string) (string, int) {
	t.Helper()
	lines := strings.Split(compose, "\n")
	start := -1
	for i, l := range lines {
		if strings.Contains(l, "NVIDIA GPU") {
			for j := i + 1; j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), "#"); j++ {
				if strings.TrimSpace(lines[j]) == "# deploy:" {
					start = j
					break
				}
			}
			break
		}
	}
	if start < 0 {
		t.Fatal(`docker-compose.yml has no commented "# deploy:" block under a "NVIDIA GPU" comment`)
	}
	n := 0
	for i := start; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "#"); i++ {
		indent := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
		lines[i] = lines[i][:indent] + strings.TrimPrefix(lines[i][indent:], "# ")
		n++
	}
	return strings.Join(lines, "\n"), n
}

// TestContainerSmoke builds the image and runs the compose file as an administrator would, with
// the built-in summarizer (PRECIS_PROVIDER=builtin) so no model is needed: ollama-pull only lists
// the models instead of pulling one. It uploads a contract and waits for its summary.
func TestContainerSmoke(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no Docker engine: container smoke test skipped (no docker command)")
	}
	if out, err := runQuiet("", os.Environ(), 30*time.Second, "docker", "info"); err != nil {
		t.Skipf("no Docker engine: container smoke test skipped (docker info: %v: %s)", err, lastLine(out))
	}
	if testing.Short() {
		t.Skip("-short: container smoke test skipped")
	}
	cmd := composeCommand(t)
	dir := t.TempDir()
	override := filepath.Join(dir, "smoke.yml")
	if err := os.WriteFile(override, []byte("services:\n  ollama-pull:\n    entrypoint: [\"/bin/ollama\"]\n    command: [\"list\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	emptyEnv := filepath.Join(dir, "empty.env") // a developer's .env must not change the test
	if err := os.WriteFile(emptyEnv, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	env := composeEnv(fmt.Sprintf("PRECIS_PORT=127.0.0.1:%d", port), "PRECIS_PROVIDER=builtin", "PRECIS_VERSION=smoke-test")
	args := append(cmd[1:], "--env-file", emptyEnv, "-f", repoFile(t, "docker-compose.yml"), "-f", override,
		"-p", fmt.Sprintf("precis-smoke-%d", os.Getpid()))
	compose := func(timeout time.Duration, sub ...string) (string, error) {
		return runQuiet(repoFile(t, ""), env, timeout, cmd[0], append(append([]string{}, args...), sub...)...)
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := compose(time.Minute, "logs", "--no-color", "--tail", "80")
			t.Logf("compose logs:\n%s", out)
		}
		if out, err := compose(5*time.Minute, "down", "-v", "--remove-orphans"); err != nil {
			t.Errorf("compose down -v: %v\n%s", err, out)
		}
	})
	if out, err := compose(30*time.Minute, "build", "precis"); err != nil {
		t.Fatalf("compose build: %v\n%s", err, out)
	}
	if out, err := compose(15*time.Minute, "up", "-d"); err != nil {
		t.Fatalf("compose up -d: %v\n%s", err, out)
	}
	if images, err := compose(time.Minute, "images", "-q", "precis"); err == nil && strings.TrimSpace(images) != "" {
		id := strings.Fields(images)[0]
		if size, err := runQuiet("", os.Environ(), time.Minute, "docker", "image", "inspect", "-f", "{{.Size}}", id); err == nil {
			t.Logf("image size: %s bytes (issue 6 asks for this number)", strings.TrimSpace(size))
		}
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor(t, 3*time.Minute, "GET /healthz to answer 200", func() (bool, string) {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	if out, err := compose(time.Minute, "exec", "-T", "precis", "id", "-u"); err != nil || strings.TrimSpace(out) != "10001" {
		t.Errorf("precis runs as uid %q (%v); want the non-root user 10001", strings.TrimSpace(out), err)
	}
	if out, err := compose(time.Minute, "exec", "-T", "precis", "precis", "version"); err != nil || !strings.Contains(out, "smoke-test") {
		t.Errorf("precis version in the image says %q (%v); want PRECIS_VERSION smoke-test", strings.TrimSpace(out), err)
	}

	summarizeOverHTTP(t, base)

	ps, err := compose(time.Minute, "ps", "-q", "precis")
	if err != nil {
		t.Fatalf("compose ps: %v\n%s", err, ps)
	}
	waitFor(t, 2*time.Minute, "docker to report precis healthy (the image's curl healthcheck)", func() (bool, string) {
		out, _ := runQuiet("", os.Environ(), 30*time.Second, "docker", "inspect", "-f", "{{.State.Health.Status}}", strings.TrimSpace(ps))
		return strings.TrimSpace(out) == "healthy", strings.TrimSpace(out)
	})
}

// summarizeOverHTTP uploads a short contract to the server at base as a browser does, waits for
// its summary and checks that the built-in summarizer wrote it.
func summarizeOverHTTP(t *testing.T, base string) {
	t.Helper()
	pdf := corpus(t, "contracts", "Example-One-Way-Non-Disclosure-Agreement.pdf")
	(&server{URL: base}).upload(t, pdf)
	id := documentID(t, base, filepath.Base(pdf))
	var page *goquery.Document
	waitFor(t, 5*time.Minute, "the summary", func() (bool, string) {
		page = getPage(t, base+"/documents/"+id)
		status, _ := page.Find(`[data-testid="progress"]`).Attr("data-status")
		switch status {
		case "failed", "refused", "cancelled":
			t.Fatalf("the document ended %s: %s", status, page.Find(`[data-testid="progress-notice"]`).Text())
		}
		return status == "done", status
	})
	if n := page.Find(`[data-testid="summary-point"]`).Length(); n == 0 {
		t.Error("the summary has no points")
	}
	if page.Find(`[data-testid="extractive-notice"]`).Length() == 0 {
		t.Error("the summary does not say it is extractive, though PRECIS_PROVIDER=builtin")
	}
}

// waitFor polls check every second until it holds, or fails the test after timeout with the
// last state check reported.
func waitFor(t *testing.T, timeout time.Duration, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; last: %s", timeout, what, state)
		}
		time.Sleep(time.Second)
	}
}

func getPage(t *testing.T, url string) *goquery.Document {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// documentID finds the uploaded file in the documents list and returns its id.
func documentID(t *testing.T, base, filename string) string {
	t.Helper()
	var id string
	getPage(t, base+"/").Find(`[data-testid="document-link"]`).Each(func(_ int, a *goquery.Selection) {
		if strings.TrimSpace(a.Text()) == filename {
			href, _ := a.Attr("href")
			id = strings.TrimPrefix(href, "/documents/")
		}
	})
	if id == "" {
		t.Fatalf("%s is not in the documents list after the upload", filename)
	}
	return id
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.TrimSpace(s[strings.LastIndex(s, "\n")+1:])
}
