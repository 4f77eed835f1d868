//go:build linux

package extract

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

// applyLimits limits the current process, before it reads any byte of the document.
//
// Memory is limited with RLIMIT_DATA, not RLIMIT_AS. A Go program on linux/amd64 starts with
// about 1.2 GB of address space already reserved (VmSize) for about 2 MB resident, so a
// 1 GiB RLIMIT_AS makes the very first heap growth fail ("fatal error: runtime: out of
// memory"), and any RLIMIT_AS has to guess the runtime's reservations. RLIMIT_DATA (Linux >=
// 4.7) counts only private writable mappings: about 40 MB at start, then it tracks the heap,
// and the runtime dies with "fatal error: runtime: out of memory" when it is reached. The Go
// memory limit (a soft limit) makes the collector work harder before that point, and a
// smaller maximum goroutine stack turns runaway recursion into "stack overflow" (damaged)
// instead of an out-of-memory death.
//
// CPU time is limited with RLIMIT_CPU: at the soft limit the kernel sends SIGXCPU, which
// watchCPULimit turns into a StatusTimeout answer; the hard limit, two seconds later,
// is SIGKILL in case the answer cannot be written.
func applyLimits(cpuSeconds int, memoryBytes int64) error {
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{}); err != nil {
		return fmt.Errorf("RLIMIT_CORE: %w", err)
	}
	if cpuSeconds > 0 {
		lim := &syscall.Rlimit{Cur: uint64(cpuSeconds), Max: uint64(cpuSeconds) + 2}
		if err := syscall.Setrlimit(syscall.RLIMIT_CPU, lim); err != nil {
			return fmt.Errorf("RLIMIT_CPU: %w", err)
		}
	}
	if memoryBytes > 0 {
		lim := &syscall.Rlimit{Cur: uint64(memoryBytes), Max: uint64(memoryBytes)}
		if err := syscall.Setrlimit(syscall.RLIMIT_DATA, lim); err != nil {
			return fmt.Errorf("RLIMIT_DATA: %w", err)
		}
		debug.SetMemoryLimit(memoryBytes / 4 * 3)
		debug.SetMaxStack(int(min(max(memoryBytes/8, 16<<20), 256<<20)))
	}
	return nil
}

// watchCPULimit answers StatusTimeout and exits when the CPU-time soft limit is reached.
// The returned function stops watching.
func watchCPULimit(out *emitter) (stop func()) {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, syscall.SIGXCPU)
	go func() {
		select {
		case <-ch:
			out.emit(refused(StatusTimeout))
			os.Exit(ExitRefused)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// prepareCommand makes the child the leader of its own process group, so that a timeout
// kills it and anything it started, and kills it if the server dies first.
func prepareCommand(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// exitInfo describes how a child process ended.
type exitInfo struct {
	signal  string        // "" when it exited on its own
	code    int           // exit code when signal is ""
	cpuTime time.Duration // user + system CPU time
	cpuKill bool          // killed by the kernel for exceeding RLIMIT_CPU (as far as we can tell)
}

// describeExit reads the wait status of a finished child; limit is its CPU limit.
func describeExit(ps *os.ProcessState, cpuLimit int) exitInfo {
	info := exitInfo{code: ps.ExitCode(), cpuTime: ps.UserTime() + ps.SystemTime()}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return info
	}
	sig := ws.Signal()
	info.signal = sig.String()
	switch sig {
	case syscall.SIGXCPU:
		info.cpuKill = true
	case syscall.SIGKILL:
		// RLIMIT_CPU's hard limit is a SIGKILL too; tell it from the OOM killer by the
		// CPU time used.
		info.cpuKill = cpuLimit > 0 && info.cpuTime >= time.Duration(cpuLimit)*time.Second
	}
	return info
}
