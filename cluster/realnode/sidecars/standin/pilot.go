package main

// pilot-agent: the status server of istio's pilot-agent (istio-proxy container), as far as
// shutdown goes.
//
// Source: github.com/istio/istio (master, 2026-08)
//   - pilot/cmd/pilot-agent/status/server.go: listens on ":<statusPort>" (all addresses);
//     GET /healthz/ready -> 200 when Envoy is ready, 503 otherwise (the stand-in is always
//     ready); handleQuit for /quitquitquit: a non-loopback peer -> 403 "Only requests from
//     localhost are allowed" (IsRequestFromLocalhost, pkg/util/net/ip.go: net.ParseIP of
//     RemoteAddr, IsLoopback), then a method other than POST -> 405 "Method Not Allowed", else
//     200 "OK", disableDrain() and shutdown(cause). handleDrain for /drain: the same checks, 200
//     "OK", drain now and skip the drain wait at exit. When the agent's context ends, Run returns
//     and closes the listener: the status port stops answering at once.
//   - pkg/config/mesh/mesh.go: statusPort 15020, terminationDrainDuration 5s by default (set
//     through PROXY_CONFIG / proxy.istio.io/config).
//   - pkg/cmd/cmd.go WaitSignalFunc: SIGINT or SIGTERM cancels the context (once; later signals
//     are ignored).
//   - pkg/envoy/agent.go Run/terminate: after /quitquitquit (skipDrain) the agent exits at once;
//     after SIGTERM it drains Envoy and sleeps terminationDrainDuration, then exits; after /drain
//     a SIGTERM exits at once. pilot/cmd/pilot-agent/app/cmd.go: RunE returns nil: exit 0.
//
// Stand-in knobs: the drain duration is --termination-drain-duration=D, else
// STANDIN_TERMINATION_DRAIN_DURATION=D, else PROXY_CONFIG's JSON terminationDrainDuration
// ("5s"), else 5s. The status port is 15020 (--statusPort=N to change). Other arguments
// (`proxy sidecar ...`) are ignored.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func runPilot(name string, args []string) int {
	l := logger(name)
	drain := 5 * time.Second
	if pc := os.Getenv("PROXY_CONFIG"); pc != "" {
		var cfg struct {
			TerminationDrainDuration string `json:"terminationDrainDuration"`
		}
		if json.Unmarshal([]byte(pc), &cfg) == nil && cfg.TerminationDrainDuration != "" {
			if d, err := time.ParseDuration(cfg.TerminationDrainDuration); err == nil {
				drain = d
			}
		}
	}
	if v := os.Getenv("STANDIN_TERMINATION_DRAIN_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "STANDIN_TERMINATION_DRAIN_DURATION: %v\n", err)
			return 1
		}
		drain = d
	}
	port := 15020
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, "termination-drain-duration="); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				fmt.Fprintf(os.Stderr, "--termination-drain-duration: %v\n", err)
				return 1
			}
			drain = d
		}
		if v, ok := strings.CutPrefix(a, "statusPort="); ok {
			p, err := strconv.Atoi(v)
			if err != nil {
				fmt.Fprintf(os.Stderr, "--statusPort: %v\n", err)
				return 1
			}
			port = p
		}
	}

	quit := newTrigger()
	var skipDrain atomic.Bool
	srv, _, err := httpServer(l, listenAddr(fmt.Sprintf(":%d", port)), pilotMux(l, quit, &skipDrain))
	if err != nil {
		l.Printf("Error listening on status port: %v", err)
		return 1
	}
	l.Printf("termination drain duration %v", drain)

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sigs:
		l.Printf("received signal: %s", sigName(s))
	case reason := <-quit:
		l.Print(reason)
	}
	go func() {
		for s := range sigs {
			l.Printf("received %s while terminating: ignored", sigName(s))
		}
	}()
	finish(srv) // the status server stops with the agent's context
	l.Printf("Status server has successfully terminated")
	if skipDrain.Load() {
		l.Printf("Agent already drained, exiting immediately")
	} else {
		l.Printf("Graceful termination period is %v, starting...", drain)
		time.Sleep(drain)
		l.Printf("Graceful termination period complete, terminating remaining proxies.")
	}
	l.Printf("Agent has successfully terminated, exit 0")
	return 0
}

// pilotMux answers as pilot-agent's status server does (see the header).
func pilotMux(l interface{ Printf(string, ...any) }, quit trigger, skipDrain *atomic.Bool) http.Handler {
	localPost := func(w http.ResponseWriter, r *http.Request) bool {
		if !fromLoopback(r) {
			http.Error(w, "Only requests from localhost are allowed", http.StatusForbidden)
			return false
		}
		if r.Method != http.MethodPost {
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return false
		}
		return true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz/ready", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("/quitquitquit", func(w http.ResponseWriter, r *http.Request) {
		if !localPost(w, r) {
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("OK"))
		l.Printf("handling /quitquitquit, notifying pilot-agent to exit")
		skipDrain.Store(true)
		quit.fire("/quitquitquit called")
	})
	mux.HandleFunc("/drain", func(w http.ResponseWriter, r *http.Request) {
		if !localPost(w, r) {
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("OK"))
		l.Printf("handling /drain, starting drain")
		skipDrain.Store(true)
	})
	return mux
}
