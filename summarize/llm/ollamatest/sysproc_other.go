//go:build unix && !linux

package ollamatest

import "syscall"

// sysProcAttr puts ollama serve in a process group of its own, so Stop and
// Kill reach the runner processes it starts.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
