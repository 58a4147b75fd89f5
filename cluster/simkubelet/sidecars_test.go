package main

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func podWith(ann map[string]string, cs ...v1.Container) *v1.Pod {
	return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Annotations: ann},
		Spec: v1.PodSpec{Containers: cs, RestartPolicy: v1.RestartPolicyNever}}
}

type req struct {
	port   int32
	method string
	path   string
	status int  // 0: connection refused
	exit   bool // makes the container exit
}

func checkRequests(t *testing.T, pod *v1.Pod, c *v1.Container, reqs []req) {
	t.Helper()
	p := BuildProfile(pod, c, ParseSimAnnotations(pod.Annotations))
	for _, r := range reqs {
		l := p.Listener(r.port)
		if l == nil {
			if r.status != 0 {
				t.Errorf("%s %s :%d%s: refused, want %d", c.Name, r.method, r.port, r.path, r.status)
			}
			continue
		}
		if r.status == 0 {
			t.Errorf("%s %s :%d%s: port open, want refused", c.Name, r.method, r.port, r.path)
			continue
		}
		a := l.Dispatch(r.method, r.path)
		if a.Status != r.status || a.Exit != r.exit {
			t.Errorf("%s %s :%d%s: got %d exit=%v (%s), want %d exit=%v", c.Name, r.method, r.port, r.path, a.Status, a.Exit, a.Effect, r.status, r.exit)
		}
		if !a.Exit && a.Effect == "" {
			t.Errorf("%s %s :%d%s: empty effect", c.Name, r.method, r.port, r.path)
		}
	}
}

func TestLinkerd(t *testing.T) {
	c := v1.Container{Name: "linkerd-proxy", Image: "cr.l5d.io/linkerd/proxy:edge-24.1.1"}
	on := podWith(map[string]string{"config.linkerd.io/proxy-admin-shutdown": "enabled"}, c)
	checkRequests(t, on, &c, []req{
		{4191, "POST", "/shutdown", 200, true},
		{4191, "GET", "/shutdown", 405, false},
		{4191, "GET", "/ready", 200, false},
		{4191, "GET", "/live", 200, false},
		{4191, "POST", "/quitquitquit", 404, false},
		{15020, "POST", "/quitquitquit", 0, false},
	})
	off := podWith(nil, c)
	checkRequests(t, off, &c, []req{
		{4191, "POST", "/shutdown", 404, false},
		{4191, "GET", "/shutdown", 405, false},
	})
	// recognised by image; admin port from the injector's env
	c2 := v1.Container{Name: "proxy", Image: "ghcr.io/linkerd/proxy:stable-2.14.10",
		Env: []v1.EnvVar{{Name: "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", Value: "0.0.0.0:4999"}, {Name: "LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED", Value: "true"}}}
	checkRequests(t, podWith(nil, c2), &c2, []req{{4999, "POST", "/shutdown", 200, true}, {4191, "POST", "/shutdown", 0, false}})
}

func TestIstio(t *testing.T) {
	c := v1.Container{Name: "istio-proxy", Image: "docker.io/istio/proxyv2:1.22.0"}
	checkRequests(t, podWith(nil, c), &c, []req{
		{15020, "POST", "/quitquitquit", 200, true},
		{15020, "GET", "/quitquitquit", 405, false},
		{15000, "POST", "/quitquitquit", 200, false}, // envoy only: pilot-agent restarts it
		{4191, "POST", "/shutdown", 0, false},
	})
}

func TestCloudSQL(t *testing.T) {
	with := v1.Container{Name: "cloud-sql-proxy", Image: "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0", Args: []string{"--quitquitquit", "proj:reg:inst"}}
	checkRequests(t, podWith(nil, with), &with, []req{{9091, "POST", "/quitquitquit", 200, true}, {9091, "PUT", "/quitquitquit", 400, false}})
	port := v1.Container{Name: "cloudsql-proxy", Image: "x/cloud-sql-proxy:2", Args: []string{"--quitquitquit", "--admin-port", "9192", "p:r:i"}}
	checkRequests(t, podWith(nil, port), &port, []req{{9192, "POST", "/quitquitquit", 200, true}, {9091, "POST", "/quitquitquit", 0, false}})
	port2 := v1.Container{Name: "db", Image: "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2", Args: []string{"--admin-port=9300", "p:r:i"},
		Env: []v1.EnvVar{{Name: "CSQL_PROXY_QUITQUITQUIT", Value: "true"}}}
	checkRequests(t, podWith(nil, port2), &port2, []req{{9300, "POST", "/quitquitquit", 200, true}})
	without := v1.Container{Name: "cloud-sql-proxy", Image: "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0", Args: []string{"proj:reg:inst"}}
	checkRequests(t, podWith(nil, without), &without, []req{{9091, "POST", "/quitquitquit", 0, false}})
}

func TestVault(t *testing.T) {
	c := v1.Container{Name: "vault-agent", Image: "hashicorp/vault:1.15"}
	checkRequests(t, podWith(map[string]string{"vault.hashicorp.com/agent-enable-quit": "true"}, c), &c, []req{
		{8200, "POST", "/agent/v1/quit", 200, true}, {8200, "GET", "/agent/v1/quit", 405, false}})
	checkRequests(t, podWith(map[string]string{"vault.hashicorp.com/agent-enable-quit": "true", "vault.hashicorp.com/agent-cache-listener-port": "8300"}, c), &c, []req{
		{8300, "POST", "/agent/v1/quit", 200, true}, {8200, "POST", "/agent/v1/quit", 0, false}})
	checkRequests(t, podWith(nil, c), &c, []req{{8200, "POST", "/agent/v1/quit", 404, false}})
}

func TestDaprFluentdConfigmapReload(t *testing.T) {
	d := v1.Container{Name: "daprd", Image: "daprio/daprd:1.13"}
	checkRequests(t, podWith(nil, d), &d, []req{{3500, "POST", "/v1.0/shutdown", 204, true}, {3500, "GET", "/v1.0/shutdown", 405, false}})
	f := v1.Container{Name: "secure-logs-fluentd", Image: "fluent/fluentd:v1"}
	checkRequests(t, podWith(nil, f), &f, []req{{24444, "GET", "/api/processes.killWorkers", 200, true}, {24444, "GET", "/api/nope", 404, false}})
	r := v1.Container{Name: "secure-logs-configmap-reload", Image: "ghcr.io/jimmidyson/configmap-reload:v0.9.0"}
	p := BuildProfile(podWith(nil, r), &r, SimAnnotations{})
	if p.Kind != "configmap-reload" || p.Process != "configmap-reload" || len(p.Listeners) != 0 {
		t.Errorf("configmap-reload profile = %+v", p)
	}
}

func TestCustomListenAndGeneric(t *testing.T) {
	c := v1.Container{Name: "my-sidecar", Image: "example.com/my/sidecar:1", Command: []string{"/usr/local/bin/mysidecar"},
		Ports: []v1.ContainerPort{{ContainerPort: 8081}}}
	pod := podWith(map[string]string{AnnListen: "my-sidecar=POST :8080/quit"}, c)
	checkRequests(t, pod, &c, []req{
		{8080, "POST", "/quit", 200, true},
		{8080, "GET", "/quit", 405, false},
		{8080, "POST", "/other", 404, false},
		{8081, "GET", "/", 404, false},
		{9999, "GET", "/", 0, false},
	})
	p := BuildProfile(pod, &c, ParseSimAnnotations(pod.Annotations))
	if p.Kind != "generic" || p.Process != "mysidecar" {
		t.Errorf("profile = %+v", p)
	}
}

func TestImageRepo(t *testing.T) {
	for in, want := range map[string]string{
		"cr.l5d.io/linkerd/proxy:stable-2.14.10":    "cr.l5d.io/linkerd/proxy",
		"localhost:5000/linkerd/proxy":              "localhost:5000/linkerd/proxy",
		"docker.io/istio/proxyv2@sha256:abcdef":     "docker.io/istio/proxyv2",
		"localhost:5000/istio/proxyv2:1.2@sha256:0": "localhost:5000/istio/proxyv2",
	} {
		if got := imageRepo(in); got != want {
			t.Errorf("imageRepo(%q) = %q, want %q", in, got, want)
		}
	}
	if SidecarKind(&v1.Container{Name: "x", Image: "quay.io/foo/vaultish:1"}) != "generic" {
		t.Error("vaultish is not vault")
	}
}
