package main

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything Precis reads from its environment and flags.
type Config struct {
	Addr             string
	DataDir          string
	OllamaURL        string // one Ollama URL, or several comma-separated (a pool); "" when off
	OllamaModel      string
	OllamaSlots      int
	OllamaMaxContext int
	OllamaTimeout    time.Duration
	Provider         string
	Workers          int
	JobLease         time.Duration
	MaxUploadMB      int
	ExtractTimeout   time.Duration
	ExtractMemoryMB  int
	ExtractMaxPages  int
	ExtractOCRPages  int
	LogFormat        string
	LogLevel         string
	ShutdownTimeout  time.Duration
	MetricsAddr      string // "" when /metrics is not served on an address of its own
	MetricsToken     string
	ConfigFile       string
	SecretKey        []byte
	AnchorFile       string
	AnchorEvery      time.Duration
	Auth             AuthConfig
}

// setting is one configuration value: its variable, flag, default and how to read it.
type setting struct {
	env, flag, def, usage string
	set                   func(c *Config, v string) error
}

// settings is the single list behind the flags, the environment, validation and `precis config`.
var settings = []setting{
	{"PRECIS_ADDR", "addr", "127.0.0.1:8080", "address the web server listens on", func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return errors.New("must be host:port, for example 127.0.0.1:8080")
		}
		c.Addr = v
		return nil
	}},
	{"PRECIS_DATA_DIR", "data-dir", "./data", "directory for the SQLite file and the uploaded PDFs (created if missing)", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must not be empty")
		}
		c.DataDir = v
		return nil
	}},
	{"PRECIS_OLLAMA_URL", "ollama-url", "http://127.0.0.1:11434", `Ollama server, or several as a comma-separated list served as one pool (PRECIS_OLLAMA_SLOTS each); "off" to use only the built-in summarizer`, func(c *Config, v string) error {
		if strings.TrimSpace(v) == "off" {
			c.OllamaURL = ""
			return nil
		}
		var urls []string
		seen := map[string]bool{}
		for i, item := range strings.Split(v, ",") {
			item = strings.TrimRight(strings.TrimSpace(item), "/")
			u, err := url.Parse(item)
			switch {
			case item == "":
				return fmt.Errorf(`entry %d of the list is empty: separate URLs with single commas, or use "off"`, i+1)
			case item == "off":
				return errors.New(`"off" cannot be part of a list of URLs`)
			case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
				return fmt.Errorf(`%q must be a URL like http://127.0.0.1:11434 (several separated by commas), or "off"`, item)
			case seen[item]:
				return fmt.Errorf("%s is listed twice", item)
			}
			seen[item] = true
			urls = append(urls, item)
		}
		c.OllamaURL = strings.Join(urls, ",")
		return nil
	}},
	{"PRECIS_OLLAMA_MODEL", "ollama-model", "qwen2.5:7b-instruct", "Ollama model that writes summaries", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must name a model, for example qwen2.5:7b-instruct")
		}
		c.OllamaModel = v
		return nil
	}},
	{"PRECIS_OLLAMA_SLOTS", "ollama-slots", "2", "model calls sent to Ollama at once (match OLLAMA_NUM_PARALLEL)", intIn(1, 64, func(c *Config, n int) { c.OllamaSlots = n })},
	{"PRECIS_OLLAMA_MAX_CONTEXT", "ollama-max-context", "8192", "largest context window (num_ctx) to use; the model's own limit applies below it", intIn(1024, 1<<20, func(c *Config, n int) { c.OllamaMaxContext = n })},
	{"PRECIS_OLLAMA_TIMEOUT", "ollama-timeout", "10m", "time limit for one model call", durationIn(time.Second, 24*time.Hour, func(c *Config, d time.Duration) { c.OllamaTimeout = d })},
	{"PRECIS_PROVIDER", "provider", "auto", "auto: each label's providers in policy order (the default policy: Ollama when it answers, else built-in); or one provider's name (ollama, builtin, or one from --config) to use only it, where the policy allows it", func(c *Config, v string) error {
		if v == "" || strings.ContainsAny(v, " \t,") {
			return errors.New("must be auto or the name of one provider, such as ollama or builtin")
		}
		c.Provider = v
		return nil
	}},
	{"PRECIS_WORKERS", "workers", "2", "documents processed at once", intIn(1, 64, func(c *Config, n int) { c.Workers = n })},
	{"PRECIS_JOB_LEASE", "job-lease", "30s", "how long a crashed worker's job waits before another worker resumes it", durationIn(time.Second, time.Hour, func(c *Config, d time.Duration) { c.JobLease = d })},
	{"PRECIS_MAX_UPLOAD_MB", "max-upload-mb", "100", "largest PDF accepted, in MiB", intIn(1, 10240, func(c *Config, n int) { c.MaxUploadMB = n })},
	{"PRECIS_EXTRACT_TIMEOUT", "extract-timeout", "60s", "wall-clock limit for extracting one PDF", durationIn(time.Second, time.Hour, func(c *Config, d time.Duration) { c.ExtractTimeout = d })},
	{"PRECIS_EXTRACT_MEMORY_MB", "extract-memory-mb", "1024", "memory limit of the extraction process, in MiB", intIn(64, 65536, func(c *Config, n int) { c.ExtractMemoryMB = n })},
	{"PRECIS_EXTRACT_MAX_PAGES", "extract-max-pages", "2000", "documents with more pages are refused as too large", intIn(1, 1000000, func(c *Config, n int) { c.ExtractMaxPages = n })},
	{"PRECIS_EXTRACT_OCR_PAGES", "extract-ocr-pages", "50", "pages of one PDF that are OCRed at most (0: no OCR)", intIn(0, 100000, func(c *Config, n int) { c.ExtractOCRPages = n })},
	{"PRECIS_CONFIG", "config", "", "YAML settings file declaring providers, labels and policy; when given it wins over the admin pages, which show it read-only (see Data classification)", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if st, err := os.Stat(v); err != nil || st.IsDir() {
			return errors.New("must name a readable YAML file")
		}
		c.ConfigFile = v
		return nil
	}},
	{"PRECIS_SECRET_KEY", "secret-key", "", "32 bytes, base64: encrypts API keys entered in the admin pages (openssl rand -base64 32); without it keys come from the environment only", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err != nil || len(k) != 32 {
			return errors.New("must be 32 random bytes in base64, for example from: openssl rand -base64 32")
		}
		c.SecretKey = k
		return nil
	}},
	{"PRECIS_LOG_FORMAT", "log-format", "text", "text or json", oneOf(func(c *Config, v string) { c.LogFormat = v }, "text", "json")},
	{"PRECIS_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", oneOf(func(c *Config, v string) { c.LogLevel = v }, "debug", "info", "warn", "error")},
	{"PRECIS_AUDIT_ANCHOR_FILE", "audit-anchor-file", "", "file the audit log's head is appended to (default DATA_DIR/audit-anchors.log); keep it outside the data directory and ship copies elsewhere: precis audit verify checks the log against it", func(c *Config, v string) error {
		c.AnchorFile = strings.TrimSpace(v)
		return nil
	}},
	{"PRECIS_AUDIT_ANCHOR_EVERY", "audit-anchor-every", "1h", "how often the server appends the audit log's head to the anchor file (0 for never)", durationIn(0, 24*time.Hour, func(c *Config, d time.Duration) { c.AnchorEvery = d })},
	{"PRECIS_SHUTDOWN_TIMEOUT", "shutdown-timeout", "30s", "on SIGTERM, how long running jobs may go on before they are stopped (they resume at the next start); keep it below the grace period of whatever sends SIGTERM", durationIn(0, time.Hour, func(c *Config, d time.Duration) { c.ShutdownTimeout = d })},
	{"PRECIS_METRICS_ADDR", "metrics-addr", "", "separate address that serves GET /metrics (Prometheus format), such as 127.0.0.1:9090; only there, never on PRECIS_ADDR", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			return errors.New("must be host:port, for example 127.0.0.1:9090, or empty")
		}
		c.MetricsAddr = v
		return nil
	}},
	{"PRECIS_METRICS_TOKEN", "metrics-token", "", "bearer token GET /metrics then requires (16+ characters, openssl rand -hex 32); set without PRECIS_METRICS_ADDR it serves /metrics on PRECIS_ADDR; with neither set, metrics are off", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if len(v) < 16 {
			return errors.New("must be at least 16 characters, for example from: openssl rand -hex 32")
		}
		for _, r := range v {
			if r <= ' ' || r > '~' {
				return errors.New("must be printable ASCII without spaces, for example from: openssl rand -hex 32")
			}
		}
		c.MetricsToken = v
		return nil
	}},
}

func intIn(lo, hi int, set func(*Config, int)) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be a whole number from %d to %d", lo, hi)
		}
		set(c, n)
		return nil
	}
}

func durationIn(lo, hi time.Duration, set func(*Config, time.Duration)) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < lo || d > hi {
			return fmt.Errorf("must be a duration from %s to %s, such as 90s or 5m", lo, hi)
		}
		set(c, d)
		return nil
	}
}

func oneOf(set func(*Config, string), allowed ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		for _, a := range allowed {
			if v == a {
				set(c, v)
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
	}
}

// loadConfig reads defaults, then the environment, then flags (which win), and validates every
// value, reporting all bad ones at once. Flags not in the settings table are defined by extra.
func loadConfig(name string, args []string, getenv func(string) string, extra func(*flag.FlagSet)) (*Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	flagged := map[string]string{}
	for _, s := range settings {
		s := s
		fs.Func(s.flag, fmt.Sprintf("%s (env %s, default %q)", s.usage, s.env, s.def), func(v string) error {
			flagged[s.env] = v
			return nil
		})
	}
	if extra != nil {
		extra(fs)
	}
	// Flags may come before or after the file name: collect the positional arguments apart.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	_ = fs.Parse(positional) // leaves them as fs.Args()
	c := &Config{}
	var problems []string
	for _, s := range settings {
		v, from := s.def, "default"
		if e := getenv(s.env); e != "" {
			v, from = e, s.env
		}
		if f, ok := flagged[s.env]; ok {
			v, from = f, "--"+s.flag
		}
		if err := s.set(c, v); err != nil {
			shown := strconv.Quote(v)
			if strings.Contains(s.env, "SECRET") || strings.Contains(s.env, "TOKEN") {
				shown = "(hidden)" // never echo a secret into a log
			}
			problems = append(problems, fmt.Sprintf("%s=%s (from %s): %v", s.env, shown, from, err))
		}
	}
	if len(problems) > 0 {
		return nil, nil, errors.New("invalid configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return c, fs, nil
}
