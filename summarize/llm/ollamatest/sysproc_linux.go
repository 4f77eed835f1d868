package ollamatest

import "syscall"

// sysProcAttr puts ollama serve in a process group of its own, so Stop and
// Kill reach the runner processes it starts, and has the kernel kill it if
// the test binary dies without cleaning up (a go test timeout, for one).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
