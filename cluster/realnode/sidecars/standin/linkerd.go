package main

// linkerd-proxy: the admin server of linkerd2-proxy, as far as shutdown goes.
//
// Source: github.com/linkerd/linkerd2-proxy (main, 2026-08)
//   - linkerd/app/admin/src/server.rs: GET /live -> 200 "live\n"; GET /ready -> 200 "ready\n"
//     (503 "not ready\n" before the proxy is ready; the stand-in is always ready);
//     /shutdown: a method other than POST -> 405 (empty body); POST from a non-loopback peer ->
//     403 "Requests are only permitted from localhost." (client_is_localhost: IPv4/IPv6 loopback,
//     IPv4-mapped loopback included); POST from loopback while the endpoint is off -> 404
//     "shutdown endpoint is not enabled\n"; otherwise 200 "shutdown\n" and the proxy shuts down.
//     Any other path -> 404 (empty body).
//   - linkerd/app/src/env.rs: LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED (parse_bool = Rust's
//     bool::from_str: exactly "true" or "false"; anything else is a configuration error, and
//     linkerd2-proxy/src/main.rs exits with EX_USAGE = 64), default off.
//     LINKERD2_PROXY_ADMIN_LISTEN_ADDR, whose built-in default is 127.0.0.1:4191; the linkerd2
//     injector sets it to 0.0.0.0:4191 so that kubelet's probes reach it, and so does this
//     stand-in's default, since nothing injects it here.
//   - linkerd/signal/src/lib.rs: SIGINT and SIGTERM both start a graceful shutdown;
//     linkerd2-proxy/src/main.rs: the same path as /shutdown ("Received shutdown signal" /
//     "Received shutdown via admin interface"), then drain (at most
//     LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD, 2 min) and main returns: exit status 0. The stand-in
//     has no connections to drain and exits 0 at once.

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func runLinkerd(name string, _ []string) int {
	l := logger(name)
	enabled := false
	switch v, set := os.LookupEnv("LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED"); {
	case !set:
	case v == "true":
		enabled = true
	case v == "false":
	default:
		fmt.Fprintf(os.Stderr, "Invalid configuration: LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED=%q is not a bool\n", v)
		return 64
	}
	addr := os.Getenv("LINKERD2_PROXY_ADMIN_LISTEN_ADDR")
	if addr == "" {
		addr = "0.0.0.0:4191"
	}
	addr = listenAddr(addr)

	quit := newTrigger()
	srv, _, err := httpServer(l, addr, linkerdMux(enabled, quit))
	if err != nil {
		fmt.Fprintf(os.Stderr, "admin listener: %v\n", err)
		return 1
	}
	l.Printf("admin shutdown endpoint enabled: %v", enabled)

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sigs:
		l.Printf("received %s, starting shutdown", sigName(s))
		l.Printf("Received shutdown signal")
	case reason := <-quit:
		l.Print(reason)
	}
	finish(srv)
	l.Printf("shutdown complete, exit 0")
	return 0
}

// linkerdMux answers as linkerd2-proxy's admin server does (see the header).
func linkerdMux(enabled bool, quit trigger) http.Handler {
	mux := http.NewServeMux()
	text := func(w http.ResponseWriter, code int, body string) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/live":
			text(w, http.StatusOK, "live\n")
		case "/ready":
			text(w, http.StatusOK, "ready\n")
		case "/metrics":
			text(w, http.StatusOK, "# linkerd-proxy stand-in: no metrics\n")
		case "/shutdown":
			switch {
			case r.Method != http.MethodPost:
				w.WriteHeader(http.StatusMethodNotAllowed)
			case !fromLoopback(r):
				text(w, http.StatusForbidden, "Requests are only permitted from localhost.")
			case !enabled:
				text(w, http.StatusNotFound, "shutdown endpoint is not enabled\n")
			default:
				text(w, http.StatusOK, "shutdown\n")
				quit.fire("Received shutdown via admin interface")
			}
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	return mux
}

func sigName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGCHLD:
		return "SIGCHLD"
	}
	return s.String()
}
