package main

import (
	"reflect"
	"testing"
	"time"
)

func TestParseRunAnnotation(t *testing.T) {
	runs, errs := ParseRunAnnotation("main=2s:0, istio-proxy = 0.5s:1;3s:0 ,x=1s:256,y=abc,z=1:0")
	want := map[string][]RunSpec{
		"main":        {{2 * time.Second, 0}},
		"istio-proxy": {{500 * time.Millisecond, 1}, {3 * time.Second, 0}},
	}
	if !reflect.DeepEqual(runs, want) {
		t.Fatalf("runs = %v, want %v", runs, want)
	}
	if len(errs) != 3 {
		t.Fatalf("want 3 errors (x, y, z), got %q", errs)
	}
}

func TestParseSimAnnotations(t *testing.T) {
	s := ParseSimAnnotations(map[string]string{
		AnnRun:      "main=1s:3",
		AnnStubborn: "linkerd-proxy, istio-proxy",
		AnnListen:   "custom=POST :8080/quit, custom=get :9090/die?now=1, bad=POST 8080/quit",
		AnnWaiting:  "a,b=ErrImagePull",
	})
	if !s.Stubborn["linkerd-proxy"] || !s.Stubborn["istio-proxy"] || len(s.Stubborn) != 2 {
		t.Errorf("stubborn = %v", s.Stubborn)
	}
	wantListen := []ListenSpec{{"POST", 8080, "/quit"}, {"GET", 9090, "/die"}}
	if !reflect.DeepEqual(s.Listen["custom"], wantListen) {
		t.Errorf("listen = %v", s.Listen)
	}
	if len(s.Errors) != 1 {
		t.Errorf("errors = %q", s.Errors)
	}
	if s.Waiting["a"] != "ImagePullBackOff" || s.Waiting["b"] != "ErrImagePull" {
		t.Errorf("waiting = %v", s.Waiting)
	}
	if s.Runs["main"][0].Code != 3 {
		t.Errorf("runs = %v", s.Runs)
	}
}

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]ListenSpec{
		"POST :4191/shutdown":                  {"POST", 4191, "/shutdown"},
		"GET :24444/api/processes.killWorkers": {"GET", 24444, "/api/processes.killWorkers"},
		"DELETE :80":                           {"DELETE", 80, "/"},
	} {
		got, err := ParseEndpoint(in)
		if err != nil || got != want {
			t.Errorf("ParseEndpoint(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"POST:80/x", "POST :0/x", "POST :70000/x", ":80/x", "POST /x"} {
		if _, err := ParseEndpoint(bad); err == nil {
			t.Errorf("ParseEndpoint(%q) succeeded", bad)
		}
	}
}
