package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"precis/summarize/llm/ollamatest"
)

// BenchmarkPoolThroughput runs `precis summarize` on the same 20-page contract against one
// Ollama server and against a pool of two, side by side in each iteration (in alternating
// order), one slot per server as Ollama's default OLLAMA_NUM_PARALLEL=1 runs one call at a
// time. It reports both wall times and speedup = one-server time / two-server time. Both
// servers run on this machine with one CPU thread each (see oneThread): one server uses one
// core, two use two, so the speedup is what a second server on a free core buys.
func BenchmarkPoolThroughput(b *testing.B) {
	one, two := ollamatest.Start(b), ollamatest.Start(b)
	file := corpus(b, "contracts", longContract)
	summarizeWith := func(urls string) (time.Duration, summaryStats, float64) {
		b.Helper()
		cmd := exec.Command(precisBin, "summarize", file, "--provider", "ollama")
		cmd.Env = append(cmd.Environ(), "PRECIS_OLLAMA_URL="+urls, "PRECIS_OLLAMA_MODEL="+one.Model,
			"PRECIS_OLLAMA_SLOTS=1", "PRECIS_OLLAMA_MAX_CONTEXT=2048")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		busy0, total0 := cpuTicks()
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("summarize with %s: %v: %s", urls, err, errb.String())
		}
		wall := time.Since(start)
		busy1, total1 := cpuTicks()
		cpu := 0.0
		if total1 > total0 {
			cpu = float64(busy1-busy0) / float64(total1-total0)
		}
		var res struct {
			Stats summaryStats `json:"stats"`
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			b.Fatal(err)
		}
		return wall, res.Stats, cpu
	}
	single, pair := one.URL, one.URL+","+two.URL
	summarizeWith(pair) // loads the model on both servers
	var wall1, wall2, model1, model2 time.Duration
	var calls1, calls2 int
	var cpu1, cpu2 float64
	i := 0
	for b.Loop() {
		var w1, w2 time.Duration
		var s1, s2 summaryStats
		var c1, c2 float64
		if i%2 == 0 {
			w1, s1, c1 = summarizeWith(single)
			w2, s2, c2 = summarizeWith(pair)
		} else {
			w2, s2, c2 = summarizeWith(pair)
			w1, s1, c1 = summarizeWith(single)
		}
		cpu1, cpu2 = cpu1+c1, cpu2+c2
		i++
		wall1, wall2 = wall1+w1, wall2+w2
		model1 += time.Duration(s1.ModelMS * float64(time.Millisecond))
		model2 += time.Duration(s2.ModelMS * float64(time.Millisecond))
		calls1, calls2 = calls1+s1.Calls, calls2+s2.Calls
		b.Logf("run %d: 1 server %.1fs (%d calls, model %.1fs, machine CPU %.0f%% busy), 2 servers %.1fs (%d calls, model %.1fs on the busiest, CPU %.0f%% busy), speedup %.2f",
			i, w1.Seconds(), s1.Calls, s1.ModelMS/1000, 100*c1, w2.Seconds(), s2.Calls, s2.ModelMS/1000, 100*c2, w1.Seconds()/w2.Seconds())
	}
	b.ReportMetric(wall1.Seconds()/float64(i), "1-server-s")
	b.ReportMetric(wall2.Seconds()/float64(i), "2-servers-s")
	b.ReportMetric(wall1.Seconds()/wall2.Seconds(), "speedup")
	// The model time on the critical path: all of it with one server, the busiest server's
	// with two. Twice the second over the first says how much slower each call ran when
	// both servers worked at once (1 = not at all).
	b.ReportMetric(model1.Seconds()/float64(i), "1-server-model-s")
	b.ReportMetric(model2.Seconds()/float64(i), "2-servers-model-s")
	// How busy the whole machine's CPUs were during each run (other processes included): a
	// single server that already keeps every core busy leaves a second one nothing to use.
	b.ReportMetric(cpu1/float64(i), "1-server-cpu")
	b.ReportMetric(cpu2/float64(i), "2-servers-cpu")
	b.ReportMetric(float64(calls1)/float64(i), "calls")
	if calls1 != calls2 {
		b.Logf("the two set-ups made %d and %d calls in all: the reduce tree depends on the model's replies", calls1, calls2)
	}
}

// cpuTicks reads the machine's busy and total CPU time from /proc/stat (Linux); 0, 0 elsewhere.
func cpuTicks() (busy, total uint64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	for i, f := range fields[1:] {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return 0, 0
		}
		total += n
		if i != 3 && i != 4 { // idle and iowait
			busy += n
		}
	}
	return busy, total
}
