package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/klog/v2"
	"k8s.io/kubelet/pkg/cri/streaming/portforward"
	rcserver "k8s.io/kubelet/pkg/cri/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

const (
	streamIdleTimeout     = 4 * time.Hour // kubelet default streamingConnectionIdleTimeout
	streamCreationTimeout = remotecommandconsts.DefaultStreamCreationTimeout
)

// Server is the simulated kubelet API.
type Server struct {
	ctrl      *Controller
	rec       *Recorder
	requireCN bool // a verified client certificate is required
}

// Handler returns the HTTP handler of the kubelet API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("/exec/{ns}/{pod}/{container}", s.exec)
	mux.HandleFunc("/exec/{ns}/{pod}/{uid}/{container}", s.exec)
	mux.HandleFunc("/portForward/{ns}/{pod}", s.portForward)
	mux.HandleFunc("/portForward/{ns}/{pod}/{uid}", s.portForward)
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", s.containerLogs)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.requireCN && r.URL.Path != "/healthz" && (r.TLS == nil || len(r.TLS.PeerCertificates) == 0) {
			klog.Warningf("%s %s from %s: no client certificate: 401", r.Method, r.URL.Path, r.RemoteAddr)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		klog.V(3).Infof("%s %s from %s", r.Method, r.URL.RequestURI(), r.RemoteAddr)
		mux.ServeHTTP(w, r)
	})
}

// ---- exec ----

func (s *Server) exec(w http.ResponseWriter, r *http.Request) {
	ns, name, container := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	uid := types.UID(r.PathValue("uid"))
	opts, err := rcserver.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pod, err := s.ctrl.lookupPod(ns, name, uid)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	cmd := r.URL.Query()[v1.ExecCommandParam]
	rec := Record{Kind: "exec", Namespace: ns, Pod: name, UID: string(pod.UID), Container: container, Argv: cmd}
	// The kubelet looks the container up among the running ones first; a container
	// that is not running fails here, before any stream is set up.
	reason := ""
	s.ctrl.withPod(pod, func(sim *PodSim, _ time.Time) {
		c := sim.Container(container)
		if c == nil {
			reason = "no such container"
			return
		}
		reason = c.NotRunningReason()
	})
	if reason != "" {
		msg := fmt.Sprintf("container not found (%q)", container)
		rec.Effect = fmt.Sprintf("refused: %s (%s)", msg, reason)
		s.rec.Add(rec)
		http.Error(w, msg, http.StatusInternalServerError)
		return
	}
	ex := &executor{s: s, pod: pod, rec: rec}
	rcserver.ServeExec(w, r, ex, ns+"/"+name, pod.UID, container, cmd, opts, streamIdleTimeout, streamCreationTimeout, remotecommandconsts.SupportedStreamingProtocols)
}

type executor struct {
	s   *Server
	pod *v1.Pod
	rec Record
}

func (e *executor) ExecInContainer(ctx context.Context, _ string, _ types.UID, container string, cmd []string, in io.Reader, out, errw io.WriteCloser, tty bool, _ <-chan remotecommand.TerminalSize, _ time.Duration) error {
	if tty && errw == nil {
		errw = out
	}
	rec := e.rec
	var plan ExecPlan
	notRunning := ""
	e.s.ctrl.withPod(e.pod, func(sim *PodSim, now time.Time) {
		c := sim.Container(container)
		if c == nil {
			notRunning = "no such container"
			return
		}
		if notRunning = c.NotRunningReason(); notRunning != "" {
			return
		}
		plan = InterpretExec(cmd, c.Profile.Process)
		c.logf(now, "exec %q -> exit %d", cmd, plan.Code)
		if plan.StopPID1 {
			plan.Effect = sim.RequestStop(c, now, StopDelay, plan.Effect)
		}
	})
	if notRunning != "" {
		rec.Effect = "refused: container " + container + " is not running (" + notRunning + ")"
		e.s.rec.Add(rec)
		return fmt.Errorf("container %q is not running (%s)", container, notRunning)
	}
	write := func(w io.Writer, s string) {
		if w != nil && s != "" {
			_, _ = io.WriteString(w, s)
		}
	}
	switch plan.Kind {
	case ExecCat:
		if in != nil && out != nil {
			_, _ = io.Copy(out, in)
		} else if in != nil {
			_, _ = io.Copy(io.Discard, in)
		}
	case ExecSleep:
		select {
		case <-time.After(plan.Sleep):
		case <-ctx.Done():
		}
	default:
		write(out, plan.Stdout)
		write(errw, plan.Stderr)
	}
	rec.Status = intp(plan.Code)
	rec.Stdout, rec.Stderr = trunc(plan.Stdout), trunc(plan.Stderr)
	rec.Effect = plan.Effect
	e.s.rec.Add(rec)
	if plan.Code != 0 {
		return utilexec.CodeExitError{Err: fmt.Errorf("command terminated with exit code %d", plan.Code), Code: plan.Code}
	}
	return nil
}

func trunc(s string) string {
	if len(s) > 500 {
		return s[:500] + "..."
	}
	return s
}

// ---- port-forward ----

func (s *Server) portForward(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("ns"), r.PathValue("pod")
	uid := types.UID(r.PathValue("uid"))
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pod, err := s.ctrl.lookupPod(ns, name, uid)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	pf := &forwarder{s: s, pod: pod}
	portforward.ServePortForward(w, r, pf, name, pod.UID, opts, streamIdleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
}

type forwarder struct {
	s   *Server
	pod *v1.Pod
}

// PortForward serves one forwarded TCP connection.
func (f *forwarder) PortForward(_ context.Context, _ string, _ types.UID, port int32, stream io.ReadWriteCloser) error {
	pod := f.pod
	rec := Record{Kind: "portforward", Namespace: pod.Namespace, Pod: pod.Name, UID: string(pod.UID), Port: port}
	why := ""
	f.s.ctrl.withPod(pod, func(sim *PodSim, _ time.Time) {
		c, _, reason := sim.ListenerFor(port)
		if c == nil {
			why = reason
		} else {
			rec.Container = c.Name
		}
	})
	if why != "" {
		rec.Effect = "refused: connection refused (" + why + ")"
		f.s.rec.Add(rec)
		// what containerd reports when nothing listens on the port in the pod's netns
		return fmt.Errorf("failed to connect to localhost:%d inside namespace %q, IPv4: dial tcp4 127.0.0.1:%d: connect: connection refused IPv6 dial tcp6 [::1]:%d: connect: connection refused ", port, "sim-"+string(pod.UID), port, port)
	}
	conn := newStreamConn(stream, port, 30000+rand.IntN(30000))
	ln := newOneConnListener(conn)
	finished := make(chan struct{})
	srv := &http.Server{
		Handler:           &sidecarHTTP{s: f.s, pod: pod, port: port},
		ReadHeaderTimeout: time.Minute,
		IdleTimeout:       10 * time.Minute,
		ErrorLog:          nil,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateClosed || st == http.StateHijacked {
				select {
				case <-finished:
				default:
					close(finished)
				}
			}
		},
	}
	go func() { _ = srv.Serve(ln) }()
	<-finished
	_ = ln.Close()
	_ = conn.Close()
	return nil
}

type sidecarHTTP struct {
	s    *Server
	pod  *v1.Pod
	port int32
}

func (h *sidecarHTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pod := h.pod
	rec := Record{Kind: "portforward", Namespace: pod.Namespace, Pod: pod.Name, UID: string(pod.UID), Port: h.port, Method: r.Method, Path: r.URL.RequestURI()}
	var ans HTTPAnswer
	gone := ""
	h.s.ctrl.withPod(pod, func(sim *PodSim, now time.Time) {
		c, l, why := sim.ListenerFor(h.port)
		if c == nil {
			gone = why
			return
		}
		rec.Container = c.Name
		ans = l.Dispatch(r.Method, r.URL.Path)
		c.logf(now, "%s %s on :%d -> %d", r.Method, r.URL.RequestURI(), h.port, ans.Status)
		if ans.Exit {
			ans.Effect = sim.RequestStop(c, now, StopDelay, fmt.Sprintf("%s :%d%s", r.Method, h.port, r.URL.Path))
		}
	})
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	if gone != "" {
		// the process behind the port has gone: the connection is reset
		rec.Effect = "refused: connection reset (" + gone + ")"
		h.s.rec.Add(rec)
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	rec.Status = intp(ans.Status)
	rec.Effect = ans.Effect
	h.s.rec.Add(rec)
	if ans.Body != "" && ans.Status != http.StatusNoContent {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(ans.Status)
	if ans.Status != http.StatusNoContent && r.Method != http.MethodHead {
		_, _ = io.WriteString(w, ans.Body)
	}
}

// ---- logs ----

func (s *Server) containerLogs(w http.ResponseWriter, r *http.Request) {
	ns, name, container := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	pod, err := s.ctrl.lookupPod(ns, name, "")
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	var lines []string
	found := false
	s.ctrl.withPod(pod, func(sim *PodSim, _ time.Time) {
		c := sim.Container(container)
		if c == nil {
			return
		}
		found = true
		lines = append(lines, fmt.Sprintf("simkubelet: simulated container %s of pod %s/%s (%s), image %s, pid 1 %s", c.Name, ns, name, pod.UID, c.Image, c.Profile.Process))
		lines = append(lines, c.Log...)
	})
	if !found {
		http.Error(w, fmt.Sprintf("container %q not found in pod %s/%s", container, ns, name), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	bw := bufio.NewWriter(w)
	for _, l := range lines {
		_, _ = bw.WriteString(l + "\n")
	}
	_ = bw.Flush()
}
