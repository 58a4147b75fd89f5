package main

// The answer tables of the HTTP modes, with loopback and non-loopback peers (no sockets).

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

type call struct {
	method, path, peer string
	code               int
	body               string
	quits              bool
}

func check(t *testing.T, name string, h http.Handler, q trigger, calls []call) {
	t.Helper()
	for _, c := range calls {
		r := httptest.NewRequest(c.method, c.path, nil)
		r.RemoteAddr = c.peer
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body, _ := io.ReadAll(w.Result().Body)
		quit := false
		select {
		case <-q:
			quit = true
		default:
		}
		if w.Code != c.code || (c.body != "-" && string(body) != c.body) || quit != c.quits {
			t.Errorf("%s %s %s from %s: got %d %q quit=%v, want %d %q quit=%v", name, c.method, c.path, c.peer, w.Code, body, quit, c.code, c.body, c.quits)
		}
	}
}

const (
	lo   = "127.0.0.1:40000"
	lo6  = "[::1]:40000"
	map6 = "[::ffff:127.0.0.1]:40000"
	far  = "10.1.2.3:40000"
)

func TestLinkerd(t *testing.T) {
	q := newTrigger()
	check(t, "off", linkerdMux(false, q), q, []call{
		{"GET", "/ready", far, 200, "ready\n", false},
		{"GET", "/live", far, 200, "live\n", false},
		{"GET", "/shutdown", lo, 405, "", false},
		{"POST", "/shutdown", far, 403, "Requests are only permitted from localhost.", false},
		{"POST", "/shutdown", lo, 404, "shutdown endpoint is not enabled\n", false},
		{"GET", "/nope", lo, 404, "", false},
	})
	check(t, "on", linkerdMux(true, q), q, []call{
		{"POST", "/shutdown", far, 403, "-", false},
		{"PUT", "/shutdown", lo, 405, "", false},
		{"POST", "/shutdown", map6, 200, "shutdown\n", true},
		{"POST", "/shutdown", lo6, 200, "shutdown\n", true},
	})
}

func TestPilot(t *testing.T) {
	q := newTrigger()
	var skip atomic.Bool
	l := log.New(io.Discard, "", 0)
	h := pilotMux(l, q, &skip)
	check(t, "pilot", h, q, []call{
		{"GET", "/healthz/ready", far, 200, "", false},
		{"POST", "/quitquitquit", far, 403, "Only requests from localhost are allowed\n", false},
		{"GET", "/quitquitquit", far, 403, "-", false},
		{"GET", "/quitquitquit", lo, 405, "Method Not Allowed\n", false},
		{"POST", "/drain", far, 403, "-", false},
	})
	if skip.Load() {
		t.Fatal("drain skipped before /drain or /quitquitquit")
	}
	check(t, "pilot", h, q, []call{{"POST", "/quitquitquit", lo, 200, "OK", true}})
	if !skip.Load() {
		t.Fatal("/quitquitquit must skip the drain wait")
	}
	skip.Store(false)
	check(t, "pilot", h, q, []call{{"POST", "/drain", lo6, 200, "OK", false}})
	if !skip.Load() {
		t.Fatal("/drain must skip the drain wait at exit")
	}
}

func TestVault(t *testing.T) {
	q := newTrigger()
	l := log.New(io.Discard, "", 0)
	check(t, "off", vaultMux(l, false, q), q, []call{{"POST", "/agent/v1/quit", lo, 404, "", false}})
	check(t, "on", vaultMux(l, true, q), q, []call{
		{"GET", "/agent/v1/quit", lo, 405, "", false},
		{"POST", "/agent/v1/quit", far, 200, "", true}, // no peer check in vault
	})
}
