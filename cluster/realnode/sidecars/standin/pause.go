package main

// pause: the pod sandbox's first process.
//
// Source: github.com/kubernetes/kubernetes build/pause/linux/pause.c: `-v` prints the version;
// a warning on stderr unless it is PID 1; SIGINT and SIGTERM -> psignal(signo, "Shutting down,
// got signal") on stderr and exit(0); SIGCHLD -> waitpid(-1, NULL, WNOHANG) until none is left;
// otherwise pause() forever. The upstream image runs it as 65535:65535 with ENTRYPOINT ["/pause"].

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func runPause(_ string, args []string) int {
	for _, a := range args {
		if strings.EqualFold(a, "-v") {
			fmt.Println("pause.c standin (hahaha realnode)")
			return 0
		}
	}
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "Warning: pause should be the first process")
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s == syscall.SIGCHLD {
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
			continue
		}
		desc := "Interrupt"
		if s == syscall.SIGTERM {
			desc = "Terminated"
		}
		fmt.Fprintf(os.Stderr, "Shutting down, got signal: %s\n", desc)
		return 0
	}
	return 0
}
