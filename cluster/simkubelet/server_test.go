package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	utilexec "k8s.io/client-go/util/exec"
)

// TestStreaming drives exec and port-forward through real SPDY clients against
// the simulated kubelet API (without an apiserver in between).
func TestStreaming(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kwok-0", Labels: map[string]string{"type": "kwok"}},
		Status: v1.NodeStatus{Addresses: []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: "127.0.0.1"}}}}
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "job-1", Namespace: "ns", UID: "uid-s", Annotations: map[string]string{
			"config.linkerd.io/proxy-admin-shutdown": "enabled",
			AnnRun:                                   "main=0.3s:0",
			AnnWaiting:                               "broken",
		}},
		Spec: v1.PodSpec{NodeName: "kwok-0", RestartPolicy: v1.RestartPolicyNever, Containers: []v1.Container{
			{Name: "main", Image: "example/app"},
			{Name: "linkerd-proxy", Image: "cr.l5d.io/linkerd/proxy:stable"},
			{Name: "reloader", Image: "ghcr.io/jimmidyson/configmap-reload:v0.9.0"},
			{Name: "broken", Image: "example/broken"},
		}},
	}
	client := fake.NewClientset(node, pod)
	ctrl := NewController(client, labels.SelectorFromSet(labels.Set{"type": "kwok"}))
	go func() { _ = ctrl.Run(ctx, 2) }()

	recPath := filepath.Join(t.TempDir(), "record.jsonl")
	rec, err := NewRecorder(recPath)
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{ctrl: ctrl, rec: rec}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.EnableHTTP2 = false
	ts.StartTLS()
	defer ts.Close()
	cfg := &rest.Config{Host: ts.URL, TLSClientConfig: rest.TLSClientConfig{Insecure: true}}

	waitFor := func(what string, f func(p *v1.Pod) bool) {
		t.Helper()
		for ctx.Err() == nil {
			p, err := client.CoreV1().Pods("ns").Get(ctx, "job-1", metav1.GetOptions{})
			if err == nil && f(p) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s", what)
	}
	state := func(p *v1.Pod, name string) string {
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name == name {
				return summary(v1.PodStatus{ContainerStatuses: []v1.ContainerStatus{cs}})
			}
		}
		return ""
	}
	waitFor("main exited", func(p *v1.Pod) bool { return strings.Contains(state(p, "main"), "exited(0)") })

	exec := func(container string, stdin string, argv ...string) (string, string, error) {
		q := url.Values{"command": argv, v1.ExecStdoutParam: {"1"}, v1.ExecStderrParam: {"1"}}
		if stdin != "" {
			q.Set(v1.ExecStdinParam, "1")
		}
		u, _ := url.Parse(ts.URL + "/exec/ns/job-1/" + container + "?" + q.Encode())
		ex, err := remotecommand.NewSPDYExecutor(cfg, "POST", u)
		if err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		opts := remotecommand.StreamOptions{Stdout: &out, Stderr: &errb}
		if stdin != "" {
			opts.Stdin = strings.NewReader(stdin)
		}
		err = ex.StreamWithContext(ctx, opts)
		return out.String(), errb.String(), err
	}
	exitCode := func(err error) int {
		var ce utilexec.CodeExitError
		if errors.As(err, &ce) {
			return ce.Code
		}
		if err != nil {
			return -1
		}
		return 0
	}

	if out, _, err := exec("linkerd-proxy", "", "echo", "hello", "there"); err != nil || out != "hello there\n" {
		t.Errorf("echo: %q %v", out, err)
	}
	if out, _, err := exec("linkerd-proxy", "some input\n", "cat"); err != nil || out != "some input\n" {
		t.Errorf("cat (stdin EOF must end it): %q %v", out, err)
	}
	if _, _, err := exec("linkerd-proxy", "", "false"); exitCode(err) != 1 {
		t.Errorf("false: %v", err)
	}
	if _, stderr, err := exec("linkerd-proxy", "", "kill", "-s", "INT", "42"); exitCode(err) != 1 || !strings.Contains(stderr, "No such process") {
		t.Errorf("kill 42: %v %q", err, stderr)
	}
	if _, stderr, err := exec("linkerd-proxy", "", "sh", "-c", "true"); exitCode(err) != 127 || !strings.Contains(stderr, "executable file not found") {
		t.Errorf("sh: %v %q", err, stderr)
	}
	if _, _, err := exec("broken", "", "true"); err == nil || !strings.Contains(err.Error(), "container not found") {
		t.Errorf("exec into a waiting container: %v", err)
	}
	if _, _, err := exec("main", "", "true"); err == nil || !strings.Contains(err.Error(), "container not found") {
		t.Errorf("exec into an exited container: %v", err)
	}
	if _, stderr, err := exec("reloader", "", "/bin/killall", "nope"); exitCode(err) != 1 || !strings.Contains(stderr, "nope: no process found") {
		t.Errorf("killall nope: %v %q", err, stderr)
	}
	if _, _, err := exec("reloader", "", "/bin/killall", "configmap-reload"); err != nil {
		t.Errorf("killall configmap-reload: %v", err)
	}
	waitFor("reloader exited", func(p *v1.Pod) bool { return strings.Contains(state(p, "reloader"), "exited(0)") })

	// port-forward
	u, _ := url.Parse(ts.URL + "/portForward/ns/job-1")
	tr, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: tr}, "POST", u)
	stop, ready := make(chan struct{}), make(chan struct{})
	var pfOut, pfErr bytes.Buffer
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:4191", "0:9999"}, stop, ready, &pfOut, &pfErr)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = fw.ForwardPorts() }()
	defer close(stop)
	<-ready
	ports, _ := fw.GetPorts()
	admin := fmt.Sprintf("http://127.0.0.1:%d", ports[0].Local)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: false}}
	do := func(method, u string) (int, string) {
		req, _ := http.NewRequest(method, u, nil)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := do("GET", admin+"/ready"); st != 200 {
		t.Errorf("GET /ready: %d", st)
	}
	if st, _ := do("GET", admin+"/shutdown"); st != 405 {
		t.Errorf("GET /shutdown: %d", st)
	}
	if st, body := do("POST", admin+"/nope"); st != 404 {
		t.Errorf("POST /nope: %d %s", st, body)
	}
	// Connection: close on a fresh connection
	req, _ := http.NewRequest("POST", admin+"/shutdown", nil)
	req.Close = true
	resp, err := hc.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /shutdown: %v %v", resp, err)
	}
	resp.Body.Close()
	if st, body := do("GET", fmt.Sprintf("http://127.0.0.1:%d/", ports[1].Local)); st != 0 {
		t.Errorf("port 9999 should be refused, got %d %s", st, body)
	}
	waitFor("linkerd-proxy exited", func(p *v1.Pod) bool { return strings.Contains(state(p, "linkerd-proxy"), "exited(0)") })
	// the broken (waiting) sidecar keeps the pod Pending, as the kubelet does
	waitFor("phase Pending", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodPending })

	// the record file
	rec.Close()
	f, err := os.Open(recPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad record %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	find := func(pred func(r Record) bool) *Record {
		for i := range recs {
			if pred(recs[i]) {
				return &recs[i]
			}
		}
		return nil
	}
	if r := find(func(r Record) bool { return r.Kind == "portforward" && r.Path == "/shutdown" && r.Method == "POST" }); r == nil || *r.Status != 200 || r.Effect != "container linkerd-proxy will exit 0" || r.Container != "linkerd-proxy" || r.UID != "uid-s" {
		t.Errorf("shutdown record: %+v", r)
	}
	if r := find(func(r Record) bool { return r.Kind == "portforward" && r.Port == 9999 }); r == nil || r.Status != nil || !strings.HasPrefix(r.Effect, "refused: connection refused") {
		t.Errorf("refused record: %+v", r)
	}
	if r := find(func(r Record) bool { return r.Kind == "exec" && len(r.Argv) == 2 && r.Argv[1] == "configmap-reload" }); r == nil || *r.Status != 0 || r.Effect != "container reloader will exit 0" {
		t.Errorf("killall record: %+v", r)
	}
	if r := find(func(r Record) bool { return r.Kind == "exec" && r.Container == "broken" }); r == nil || !strings.HasPrefix(r.Effect, "refused:") {
		t.Errorf("waiting-container record: %+v", r)
	}
	t.Logf("%d records", len(recs))
}
