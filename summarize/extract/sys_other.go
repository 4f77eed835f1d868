//go:build !linux

package extract

import (
	"os"
	"os/exec"
	"runtime/debug"
	"time"
)

// applyLimits applies only the Go runtime's soft memory limit and a smaller maximum stack on
// systems other than Linux (development machines); the parent's wall-clock timeout is the
// only hard bound there. Production runs on Linux (sys_linux.go).
func applyLimits(cpuSeconds int, memoryBytes int64) error {
	if memoryBytes > 0 {
		debug.SetMemoryLimit(memoryBytes / 4 * 3)
		debug.SetMaxStack(int(min(max(memoryBytes/8, 16<<20), 256<<20)))
	}
	return nil
}

// watchCPULimit does nothing where there is no RLIMIT_CPU signal to watch.
func watchCPULimit(out *emitter) (stop func()) { return func() {} }

// prepareCommand leaves the command as it is; the timeout kills only the child itself.
func prepareCommand(cmd *exec.Cmd) {}

// exitInfo describes how a child process ended.
type exitInfo struct {
	signal  string
	code    int
	cpuTime time.Duration
	cpuKill bool
}

// describeExit reads the exit code and CPU time of a finished child.
func describeExit(ps *os.ProcessState, cpuLimit int) exitInfo {
	info := exitInfo{code: ps.ExitCode(), cpuTime: ps.UserTime() + ps.SystemTime()}
	if info.code < 0 {
		info.signal = "signal"
	}
	return info
}
