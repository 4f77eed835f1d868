package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigPrecedence(t *testing.T) {
	c, fs, err := loadConfig("serve", []string{"FILE", "--workers", "5"}, env(map[string]string{
		"PRECIS_WORKERS": "3", "PRECIS_ADDR": "0.0.0.0:9000", "PRECIS_OLLAMA_URL": "off",
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Workers != 5 || c.Addr != "0.0.0.0:9000" || c.OllamaURL != "" || c.DataDir != "./data" || c.JobLease != 30*time.Second {
		t.Errorf("config = %+v: want flag over env over default", c)
	}
	if fs.NArg() != 1 || fs.Arg(0) != "FILE" {
		t.Errorf("positional args = %v, want [FILE] (flags may follow it)", fs.Args())
	}
}

func TestConfigRejectsBadValues(t *testing.T) {
	_, _, err := loadConfig("serve", []string{"--log-level", "loud"}, env(map[string]string{
		"PRECIS_WORKERS": "many", "PRECIS_OLLAMA_URL": "localhost:11434", "PRECIS_EXTRACT_TIMEOUT": "5",
	}), nil)
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{
		`PRECIS_WORKERS="many" (from PRECIS_WORKERS): must be a whole number from 1 to 64`,
		`PRECIS_OLLAMA_URL="localhost:11434"`,
		`PRECIS_EXTRACT_TIMEOUT="5" (from PRECIS_EXTRACT_TIMEOUT): must be a duration`,
		`PRECIS_LOG_LEVEL="loud" (from --log-level): must be one of debug, info, warn, error`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

// TestReadmeSettings keeps README.md true: its table is exactly what `precis config` prints.
func TestReadmeSettings(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	runConfig(&out)
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !strings.Contains(string(readme), line) {
			t.Errorf("README.md lacks the settings row:\n%s", line)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"frobnicate"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `unknown command "frobnicate"`) {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	if code := run([]string{"serve", "--workers", "0"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "PRECIS_WORKERS") {
		t.Errorf("bad flag: exit %d, stderr %q", code, stderr.String())
	}
}
