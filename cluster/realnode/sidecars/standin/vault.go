package main

// vault-agent: the agent listener of `vault agent`, as far as shutdown goes.
//
// Source: github.com/hashicorp/vault
//   - command/agent.go: each listener gets a mux with /agent/v1/metrics, /agent/v1/cache-clear,
//     /agent/v1/quit (handleQuit(lnConfig.AgentAPI != nil && lnConfig.AgentAPI.EnableQuit), i.e.
//     `agent_api { enable_quit = true }` in the listener stanza) and "/" (the API proxy).
//     handleQuit: disabled -> 404 (empty body); a method other than POST -> 405 (empty body);
//     POST -> 200 (empty body) and close(ShutdownCh). No check of the peer's address. The run
//     group then returns nil and Run returns 0 ("==> Vault agent shutdown triggered").
//   - command/commands.go MakeShutdownCh: SIGINT (os.Interrupt) and SIGTERM close the same
//     ShutdownCh: exit 0.
//   - sdk/helper/consts/agent.go: AgentPathQuit = "/agent/v1/quit".
//   - github.com/hashicorp/vault-k8s agent-inject/agent/config.go makeCacheListener: the
//     injected agent listens on 127.0.0.1:<agent-cache-listener-port, default 8200> with TLS off,
//     and agent-enable-quit sets agent_api.enable_quit on it.
//
// The stand-in always enables quit (STANDIN_VAULT_ENABLE_QUIT=false turns it off) and listens
// on 127.0.0.1:8200 (STANDIN_LISTEN_ADDR to change). Arguments (`agent -config=...`) are ignored.

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func runVault(name string, _ []string) int {
	l := logger(name)
	enabled := os.Getenv("STANDIN_VAULT_ENABLE_QUIT") != "false"
	quit := newTrigger()
	srv, _, err := httpServer(l, listenAddr("127.0.0.1:8200"), vaultMux(l, enabled, quit))
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error starting listener: %v\n", err)
		return 1
	}
	l.Printf("agent_api enable_quit: %v", enabled)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sigs:
		l.Printf("received %s", sigName(s))
	case <-quit:
	}
	l.Printf("==> Vault agent shutdown triggered")
	finish(srv)
	l.Printf("exit 0")
	return 0
}

// vaultMux answers as the agent listener's mux does (see the header).
func vaultMux(l interface{ Printf(string, ...any) }, enabled bool, quit trigger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/agent/v1/quit", func(w http.ResponseWriter, r *http.Request) {
		if !enabled {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		l.Printf("received quit request")
		quit.fire("quit request")
	})
	mux.HandleFunc("/agent/v1/metrics", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		_, _ = w.Write([]byte("# vault-agent stand-in: no metrics\n"))
	})
	return mux
}
