package main

import (
	"fmt"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// The behaviour of well-known sidecars, modelled on their own documentation and
// source (deliberately NOT derived from hahaha's catalog): a request the real
// sidecar would refuse is refused here too, so hahaha's mistakes show.

// Route is one HTTP endpoint of a simulated process.
type Route struct {
	Methods []string // allowed methods; empty = any
	Path    string
	Status  int    // answer when the method is allowed
	Body    string // answer body
	Exit    bool   // a successful call makes the container exit 0
	Effect  string // what the call does when it does not make the container exit
	// NotAllowedStatus is the answer for other methods (default 405).
	NotAllowedStatus int
}

// Listener is a TCP port a simulated container listens on.
type Listener struct {
	Port   int32
	Routes []Route
}

// Profile is what a simulated container runs: its PID 1 process and the ports it serves.
type Profile struct {
	Kind      string // linkerd-proxy, istio-proxy, cloud-sql-proxy, vault-agent, daprd, fluentd, configmap-reload, generic
	Process   string // name of the PID 1 process (for killall)
	Listeners []Listener
	Notes     []string // facts worth logging (e.g. "admin server disabled: no --quitquitquit")
}

// Listener returns the listener on port, if any.
func (p *Profile) Listener(port int32) *Listener {
	for i := range p.Listeners {
		if p.Listeners[i].Port == port {
			return &p.Listeners[i]
		}
	}
	return nil
}

// Ports lists the ports the profile listens on.
func (p *Profile) Ports() []int32 {
	var out []int32
	for _, l := range p.Listeners {
		out = append(out, l.Port)
	}
	return out
}

// HTTPAnswer is the outcome of one HTTP request to a simulated listener.
type HTTPAnswer struct {
	Status int
	Body   string
	Exit   bool   // the container should exit 0 (unless stubborn)
	Effect string // describes what happened when Exit is false
}

// Dispatch answers one HTTP request on this listener.
func (l *Listener) Dispatch(method, reqPath string) HTTPAnswer {
	if p, _, _ := strings.Cut(reqPath, "?"); p != "" {
		reqPath = p
	}
	var pathMatch *Route
	for i := range l.Routes {
		r := &l.Routes[i]
		if r.Path != reqPath {
			continue
		}
		if len(r.Methods) == 0 || containsFold(r.Methods, method) {
			eff := r.Effect
			if !r.Exit && eff == "" {
				if r.Status >= 200 && r.Status < 300 {
					eff = "no effect"
				} else {
					eff = fmt.Sprintf("refused: %d", r.Status)
				}
			}
			return HTTPAnswer{Status: r.Status, Body: r.Body, Exit: r.Exit, Effect: eff}
		}
		if pathMatch == nil {
			pathMatch = r
		}
	}
	if pathMatch != nil {
		st := pathMatch.NotAllowedStatus
		if st == 0 {
			st = http.StatusMethodNotAllowed
		}
		return HTTPAnswer{Status: st, Body: http.StatusText(st) + "\n",
			Effect: fmt.Sprintf("refused: %d, %s %s expects %s", st, method, reqPath, strings.Join(pathMatch.Methods, "/"))}
	}
	return HTTPAnswer{Status: http.StatusNotFound, Body: "404 page not found\n",
		Effect: fmt.Sprintf("refused: 404, nothing serves %s on port %d", reqPath, l.Port)}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// imageRepo returns the repository part of an image reference, without registry
// tag or digest: "cr.l5d.io/linkerd/proxy:stable-2.14.10" -> "cr.l5d.io/linkerd/proxy".
func imageRepo(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	// a tag is a ':' after the last '/'
	if i := strings.LastIndex(image, ":"); i >= 0 && i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

// imageIs reports whether the image repository is repo or ends in "/"+repo.
func imageIs(image, repo string) bool {
	r := imageRepo(image)
	return r == repo || strings.HasSuffix(r, "/"+repo)
}

func imageBase(image string) string {
	r := imageRepo(image)
	return r[strings.LastIndex(r, "/")+1:]
}

// argsOf returns command+args of a container.
func argsOf(c *v1.Container) []string {
	out := append([]string{}, c.Command...)
	return append(out, c.Args...)
}

func envValue(c *v1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom == nil {
			return e.Value, true
		}
	}
	return "", false
}

// flagValue finds --name=value, --name value, -name=value or -name value in args.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		for _, pre := range []string{"--", "-"} {
			f := pre + name
			if a == f && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				return args[i+1], true
			}
			if v, ok := strings.CutPrefix(a, f+"="); ok {
				return v, true
			}
		}
	}
	return "", false
}

// boolFlag finds --name or --name=true (false for --name=false).
func boolFlag(args []string, name string) bool {
	for _, a := range args {
		for _, pre := range []string{"--", "-"} {
			f := pre + name
			if a == f {
				return true
			}
			if v, ok := strings.CutPrefix(a, f+"="); ok {
				b, err := strconv.ParseBool(v)
				return err == nil && b
			}
		}
	}
	return false
}

func portFrom(s string, def int32) int32 {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, ":"); i >= 0 { // host:port
		s = s[i+1:]
	}
	p, err := strconv.ParseInt(s, 10, 32)
	if err != nil || p < 1 || p > 65535 {
		return def
	}
	return int32(p)
}

func isTrue(s string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return err == nil && b
}

// SidecarKind recognises a well-known sidecar by container name, and by image as a fallback.
func SidecarKind(c *v1.Container) string {
	name := c.Name
	switch {
	case name == "linkerd-proxy":
		return "linkerd-proxy"
	case name == "istio-proxy":
		return "istio-proxy"
	case name == "cloud-sql-proxy" || name == "cloudsql-proxy":
		return "cloud-sql-proxy"
	case name == "vault-agent":
		return "vault-agent"
	case name == "daprd":
		return "daprd"
	case strings.Contains(name, "configmap-reload"):
		return "configmap-reload"
	case strings.Contains(name, "fluentd"):
		return "fluentd"
	}
	img := c.Image
	switch {
	case imageIs(img, "linkerd/proxy"):
		return "linkerd-proxy"
	case imageIs(img, "proxyv2"):
		return "istio-proxy"
	case imageIs(img, "cloud-sql-proxy"):
		return "cloud-sql-proxy"
	case imageIs(img, "vault"):
		return "vault-agent"
	case imageIs(img, "daprd"):
		return "daprd"
	case strings.Contains(imageBase(img), "configmap-reload"):
		return "configmap-reload"
	case strings.Contains(imageBase(img), "fluentd"):
		return "fluentd"
	}
	return "generic"
}

// BuildProfile works out what a container of the pod runs and serves.
func BuildProfile(pod *v1.Pod, c *v1.Container, sim SimAnnotations) Profile {
	ann := pod.Annotations
	kind := SidecarKind(c)
	p := Profile{Kind: kind}
	args := argsOf(c)
	switch kind {
	case "linkerd-proxy":
		// Admin server: LINKERD2_PROXY_ADMIN_LISTEN_ADDR (set by the injector from
		// config.linkerd.io/admin-port), default 4191. /shutdown exists only when the
		// shutdown endpoint is enabled (Linkerd 2.16+:
		// config.linkerd.io/proxy-admin-shutdown: enabled, which the injector turns
		// into LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED=true); otherwise 404. It only
		// takes POST (405 otherwise) and only from loopback (a port-forward is loopback).
		p.Process = "linkerd2-proxy"
		port := int32(4191)
		if v, ok := ann["config.linkerd.io/admin-port"]; ok {
			port = portFrom(v, port)
		}
		if v, ok := envValue(c, "LINKERD2_PROXY_ADMIN_LISTEN_ADDR"); ok {
			port = portFrom(v, port)
		}
		enabled := ann["config.linkerd.io/proxy-admin-shutdown"] == "enabled"
		if v, ok := envValue(c, "LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED"); ok && isTrue(v) {
			enabled = true
		}
		shutdown := Route{Methods: []string{"POST"}, Path: "/shutdown", Status: 200, Body: "shutdown\n", Exit: true}
		if !enabled {
			shutdown = Route{Methods: []string{"POST"}, Path: "/shutdown", Status: 404, Body: "not found\n",
				Effect: "refused: 404, linkerd-proxy /shutdown is disabled (pod lacks config.linkerd.io/proxy-admin-shutdown: enabled)"}
			p.Notes = append(p.Notes, "linkerd admin /shutdown disabled")
		}
		p.Listeners = append(p.Listeners, Listener{Port: port, Routes: []Route{
			shutdown,
			{Methods: []string{"GET", "HEAD"}, Path: "/ready", Status: 200, Body: "ready\n"},
			{Methods: []string{"GET", "HEAD"}, Path: "/live", Status: 200, Body: "live\n"},
			{Methods: []string{"GET", "HEAD"}, Path: "/metrics", Status: 200, Body: "# simulated\n"},
		}})
	case "istio-proxy":
		// pilot-agent status server (default 15020, status.sidecar.istio.io/port):
		// POST /quitquitquit stops the agent and envoy. Envoy's own admin port 15000
		// also has /quitquitquit, but quitting envoy alone lets pilot-agent restart it.
		p.Process = "pilot-agent"
		port := int32(15020)
		if v, ok := ann["status.sidecar.istio.io/port"]; ok {
			port = portFrom(v, port)
		}
		p.Listeners = append(p.Listeners,
			Listener{Port: port, Routes: []Route{
				{Methods: []string{"POST"}, Path: "/quitquitquit", Status: 200, Body: "OK", Exit: true},
				{Methods: []string{"GET"}, Path: "/healthz/ready", Status: 200},
				{Methods: []string{"GET"}, Path: "/app-health", Status: 200},
				{Methods: []string{"GET"}, Path: "/stats/prometheus", Status: 200, Body: "# simulated\n"},
			}},
			Listener{Port: 15000, Routes: []Route{
				{Methods: []string{"POST"}, Path: "/quitquitquit", Status: 200, Body: "OK\n",
					Effect: "no effect: envoy quit, pilot-agent restarts it (container keeps running)"},
				{Methods: []string{"GET"}, Path: "/ready", Status: 200, Body: "LIVE\n"},
				{Methods: []string{"POST"}, Path: "/drain_listeners", Status: 200, Body: "OK\n",
					Effect: "no effect: envoy drains listeners (container keeps running)"},
			}},
		)
	case "cloud-sql-proxy":
		// v2: the admin server (localhost:--admin-port, default 9091) exists only with
		// --quitquitquit (or --debug); env vars use the CSQL_PROXY_ prefix.
		p.Process = "cloud-sql-proxy"
		quit := boolFlag(args, "quitquitquit")
		if v, ok := envValue(c, "CSQL_PROXY_QUITQUITQUIT"); ok && isTrue(v) {
			quit = true
		}
		port := int32(9091)
		if v, ok := envValue(c, "CSQL_PROXY_ADMIN_PORT"); ok {
			port = portFrom(v, port)
		}
		if v, ok := flagValue(args, "admin-port"); ok {
			port = portFrom(v, port)
		}
		if quit {
			p.Listeners = append(p.Listeners, Listener{Port: port, Routes: []Route{
				{Methods: []string{"POST", "GET"}, Path: "/quitquitquit", Status: 200, Exit: true, NotAllowedStatus: 400},
			}})
		} else {
			p.Notes = append(p.Notes, "cloud-sql-proxy admin server off (no --quitquitquit)")
		}
	case "vault-agent":
		// Agent listener (vault.hashicorp.com/agent-cache-listener-port, default 8200).
		// /agent/v1/quit answers only when agent_api.enable_quit is set, which the
		// injector does for vault.hashicorp.com/agent-enable-quit: "true"; else 404.
		p.Process = "vault"
		port := int32(8200)
		if v, ok := ann["vault.hashicorp.com/agent-cache-listener-port"]; ok {
			port = portFrom(v, port)
		}
		quit := Route{Methods: []string{"POST"}, Path: "/agent/v1/quit", Status: 200, Exit: true}
		if !isTrue(ann["vault.hashicorp.com/agent-enable-quit"]) {
			quit = Route{Path: "/agent/v1/quit", Status: 404, Body: "",
				Effect: "refused: 404, vault agent quit endpoint disabled (pod lacks vault.hashicorp.com/agent-enable-quit: \"true\")"}
			p.Notes = append(p.Notes, "vault agent quit endpoint disabled")
		}
		p.Listeners = append(p.Listeners, Listener{Port: port, Routes: []Route{quit}})
	case "daprd":
		// Dapr HTTP API (--dapr-http-port, default 3500): POST /v1.0/shutdown -> 204.
		p.Process = "daprd"
		port := int32(3500)
		if v, ok := flagValue(args, "dapr-http-port"); ok {
			port = portFrom(v, port)
		}
		p.Listeners = append(p.Listeners, Listener{Port: port, Routes: []Route{
			{Methods: []string{"POST"}, Path: "/v1.0/shutdown", Status: 204, Exit: true},
			{Methods: []string{"GET"}, Path: "/v1.0/healthz", Status: 204},
			{Methods: []string{"GET"}, Path: "/v1.0/healthz/outbound", Status: 204},
		}})
	case "fluentd":
		// fluentd rpc_endpoint (127.0.0.1:24444 by convention); WEBrick handlers take any method.
		p.Process = "fluentd"
		p.Listeners = append(p.Listeners, Listener{Port: 24444, Routes: []Route{
			{Path: "/api/processes.killWorkers", Status: 200, Body: `{"ok":true}` + "\n", Exit: true},
			{Path: "/api/processes.interruptWorkers", Status: 200, Body: `{"ok":true}` + "\n", Exit: true},
			{Path: "/api/plugins.flushBuffers", Status: 200, Body: `{"ok":true}` + "\n", Effect: "no effect: buffers flushed"},
			{Path: "/api/config.reload", Status: 200, Body: `{"ok":true}` + "\n", Effect: "no effect: config reloaded"},
			{Path: "/api/config.gracefulReload", Status: 200, Body: `{"ok":true}` + "\n", Effect: "no effect: config reloaded"},
		}})
	case "configmap-reload":
		p.Process = "configmap-reload"
	default:
		p.Process = genericProcess(c)
	}

	// Custom endpoints from sim.hahaha.nais.io/listen.
	for _, l := range sim.Listen[c.Name] {
		r := Route{Methods: []string{l.Method}, Path: l.Path, Status: 200, Body: "ok\n", Exit: true}
		if lst := p.Listener(l.Port); lst != nil {
			// custom routes take precedence over built-in ones on the same path
			lst.Routes = append([]Route{r}, lst.Routes...)
		} else {
			p.Listeners = append(p.Listeners, Listener{Port: l.Port, Routes: []Route{r}})
		}
	}
	// Declared TCP container ports of generic containers accept connections (and 404 every path).
	if kind == "generic" {
		for _, cp := range c.Ports {
			if cp.Protocol != "" && cp.Protocol != v1.ProtocolTCP {
				continue
			}
			if p.Listener(cp.ContainerPort) == nil {
				p.Listeners = append(p.Listeners, Listener{Port: cp.ContainerPort})
			}
		}
	}
	sort.SliceStable(p.Listeners, func(i, j int) bool { return p.Listeners[i].Port < p.Listeners[j].Port })
	return p
}

func genericProcess(c *v1.Container) string {
	if len(c.Command) > 0 {
		return path.Base(c.Command[0])
	}
	if b := imageBase(c.Image); b != "" {
		return b
	}
	return c.Name
}
