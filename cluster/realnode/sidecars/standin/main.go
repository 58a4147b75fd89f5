// Command standin is one static binary that stands in for the sidecars of the real-node test
// cluster: their shutdown endpoints, their answers and their signal handling, nothing else.
// It is built by cluster/realnode/sidecar-images.ts and copied into each image under the real
// program's name; the mode comes from the name it was started under (argv[0], busybox style), or,
// when that is not a mode, from its first argument (`standin linkerd-proxy`).
//
// Modes (each file says which upstream source it follows):
//
//	linkerd-proxy     linkerd.go   admin server :4191, POST /shutdown
//	pilot-agent       pilot.go     status port :15020, POST /quitquitquit, /drain
//	vault-agent       vault.go     agent listener 127.0.0.1:8200, POST /agent/v1/quit
//	configmap-reload  reload.go    flags and :9533 of jimmidyson/configmap-reload, no signal handler
//	pause             pause.go     the sandbox's /pause: waits for SIGINT/SIGTERM, reaps children
//
// Every mode logs one line per HTTP request and per signal to stdout. STANDIN_LISTEN_ADDR
// overrides the listen address of the HTTP modes (for smoke tests on the host).
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

type mode struct {
	run  func(name string, args []string) int
	help string
}

var modes = map[string]mode{
	"linkerd-proxy":    {runLinkerd, "linkerd2-proxy admin server (:4191, POST /shutdown)"},
	"linkerd2-proxy":   {runLinkerd, "alias of linkerd-proxy (the real binary's name)"},
	"pilot-agent":      {runPilot, "istio pilot-agent status server (:15020, POST /quitquitquit)"},
	"vault-agent":      {runVault, "vault agent listener (127.0.0.1:8200, POST /agent/v1/quit)"},
	"vault":            {runVault, "alias of vault-agent (the real binary's name; `vault agent ...`)"},
	"configmap-reload": {runReload, "jimmidyson/configmap-reload (exits on SIGTERM by Go's default)"},
	"pause":            {runPause, "the pod sandbox's pause process"},
}

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	m, ok := modes[name]
	if !ok && len(args) > 0 {
		name, args = args[0], args[1:]
		m, ok = modes[name]
	}
	if !ok {
		fmt.Fprintf(os.Stderr, "usage: standin MODE [args...] (or started as MODE through a link)\nmodes:\n")
		names := make([]string, 0, len(modes))
		for n := range modes {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(os.Stderr, "  %-17s %s\n", n, modes[n].help)
		}
		os.Exit(64)
	}
	os.Exit(m.run(name, args))
}

// logger writes timestamped lines to stdout, prefixed with the mode.
func logger(name string) *log.Logger {
	return log.New(os.Stdout, "["+name+"] ", log.LstdFlags|log.Lmicroseconds|log.LUTC)
}

// listenAddr is STANDIN_LISTEN_ADDR when set, else the mode's default.
func listenAddr(def string) string {
	if a := os.Getenv("STANDIN_LISTEN_ADDR"); a != "" {
		return a
	}
	return def
}

// fromLoopback tells whether the request's peer is a loopback address (IPv4, IPv6, or IPv4
// mapped into IPv6), as linkerd2-proxy's client_is_localhost and istio's IsRequestFromLocalhost do.
func fromLoopback(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	return ap.Addr().Unmap().IsLoopback()
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// logged wraps a handler so that every request leaves one line: method, path, peer, status.
func logged(l *log.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		l.Printf("%s %s from %s -> %d", r.Method, r.URL.RequestURI(), r.RemoteAddr, rec.status)
	})
}

// httpServer listens on addr and serves h (logged) in the background. A failure to listen is
// returned; a failure while serving is logged.
func httpServer(l *log.Logger, addr string, h http.Handler) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: logged(l, h), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed && !strings.Contains(err.Error(), "use of closed network connection") {
			l.Printf("serve: %v", err)
		}
	}()
	l.Printf("listening on %s", ln.Addr())
	return srv, ln, nil
}

// finish lets in-flight answers (the one that asked us to quit) reach their clients, then stops.
func finish(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// trigger is a one-shot, non-blocking notification with a reason.
type trigger chan string

func newTrigger() trigger { return make(trigger, 1) }

func (t trigger) fire(reason string) {
	select {
	case t <- reason:
	default:
	}
}
