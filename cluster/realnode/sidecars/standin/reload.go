package main

// configmap-reload: a stand-in for github.com/jimmidyson/configmap-reload (v0.15.0), built
// because the Go module proxy does not serve that module (it answers 403 "This module version
// is not available" for every version), so the real one cannot be built here.
//
// Source: jimmidyson/configmap-reload configmap-reload.go (v0.15.0):
//   - flags (Go's flag package, so -x and --x both work): --volume-dir (repeatable, required),
//     --webhook-url (repeatable, required, url.Parse), --webhook-method POST,
//     --webhook-status-code 200, --webhook-retries 1, --web.listen-address :9533,
//     --web.telemetry-path /metrics. A missing --volume-dir or --webhook-url: "Missing
//     volume-dir" / "Missing webhook-url", usage, exit 1.
//   - fsnotify watches each directory; a directory that does not exist is log.Fatal (exit 1).
//     A Create event whose base name is "..data" (kubelet's atomic writer renames ..data into
//     place: inotify IN_CREATE or IN_MOVED_TO) sends the webhook requests, each retried
//     --webhook-retries times with 10 s between tries.
//   - serves the listen address: the metrics path and an HTML index on "/".
//   - no os/signal use at all: SIGTERM (what `killall configmap-reload` sends) takes Go's default
//     action. Not PID 1, the process is killed by the signal (status 143); as a container's
//     PID 1, where the kernel drops a signal whose action is the default, Go's runtime
//     (runtime/signal_unix.go dieFromSignal) falls back to exit(2). The stand-in keeps that: it
//     never calls signal.Notify.
// The stand-in uses inotify through the syscall package (what fsnotify does on Linux).

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"
)

type stringsFlag []string

func (v *stringsFlag) Set(s string) error { *v = append(*v, s); return nil }
func (v *stringsFlag) String() string     { return fmt.Sprint(*v) }

type urlsFlag []*url.URL

func (v *urlsFlag) Set(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("invalid URL: %v", err)
	}
	*v = append(*v, u)
	return nil
}
func (v *urlsFlag) String() string { return fmt.Sprint(*v) }

func runReload(name string, args []string) int {
	l := logger(name)
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	var volumeDirs stringsFlag
	var webhooks urlsFlag
	method := fs.String("webhook-method", "POST", "the HTTP method url to use to send the webhook")
	statusCode := fs.Int("webhook-status-code", 200, "the HTTP status code indicating successful triggering of reload")
	retries := fs.Int("webhook-retries", 1, "the amount of times to retry the webhook reload request")
	listen := fs.String("web.listen-address", ":9533", "Address to listen on for web interface and telemetry.")
	metricPath := fs.String("web.telemetry-path", "/metrics", "Path under which to expose metrics.")
	fs.Var(&volumeDirs, "volume-dir", "the config map volume directory to watch for updates; may be used multiple times")
	fs.Var(&webhooks, "webhook-url", "the url to send a request to when the specified config map volume directory has been updated")
	_ = fs.Parse(args)
	if len(volumeDirs) < 1 {
		l.Println("Missing volume-dir")
		fs.Usage()
		return 1
	}
	if len(webhooks) < 1 {
		l.Println("Missing webhook-url")
		fs.Usage()
		return 1
	}

	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
	if err != nil {
		l.Printf("inotify: %v", err)
		return 1
	}
	for _, d := range volumeDirs {
		l.Printf("Watching directory: %q", d)
		if _, err := syscall.InotifyAddWatch(fd, d, syscall.IN_CREATE|syscall.IN_MOVED_TO); err != nil {
			l.Printf("%s: %v", d, err) // fsnotify's Add fails the same way; the real one log.Fatal()s
			return 1
		}
	}

	var successes, failures atomic.Int64
	go func() {
		buf := make([]byte, 64*1024)
		for {
			n, err := syscall.Read(fd, buf)
			if err != nil {
				if err == syscall.EINTR {
					continue
				}
				l.Printf("error: %v", err)
				return
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= n; {
				nameLen := int(binary.NativeEndian.Uint32(buf[off+12 : off+16]))
				start := off + syscall.SizeofInotifyEvent
				evName := string(bytes.TrimRight(buf[start:start+nameLen], "\x00"))
				off = start + nameLen
				if evName != "..data" {
					continue
				}
				l.Println("config map updated")
				for _, h := range webhooks {
					if reloadOnce(l, h, *method, *statusCode, *retries) {
						successes.Add(1)
					} else {
						failures.Add(1)
					}
				}
			}
		}
	}()

	mux := http.NewServeMux()
	mux.HandleFunc(*metricPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "configmap_reload_success_reloads_total %d\nconfigmap_reload_request_errors_total %d\n", successes.Load(), failures.Load())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<html><head><title>ConfigMap Reload Metrics</title></head><body><h1>ConfigMap Reload</h1><p><a href='" + *metricPath + "'>Metrics</a></p></body></html>\n"))
	})
	if _, _, err := httpServer(l, listenAddr(*listen), mux); err != nil {
		l.Printf("%v", err)
		return 1
	}
	select {} // until a signal ends the process (Go's default action)
}

func reloadOnce(l interface{ Printf(string, ...any) }, h *url.URL, method string, want, retries int) bool {
	client := &http.Client{Timeout: 30 * time.Second}
	for try := retries; try != 0; try-- {
		req, err := http.NewRequest(method, h.String(), nil)
		if err != nil {
			l.Printf("error: %v", err)
			return false
		}
		if h.User != nil {
			if p, ok := h.User.Password(); ok {
				req.SetBasicAuth(h.User.Username(), p)
			}
		}
		l.Printf("performing webhook request (%d/%d)", try, retries)
		resp, err := client.Do(req)
		if err != nil {
			l.Printf("error: %v", err)
			time.Sleep(10 * time.Second)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			l.Printf("error: Received response code %d , expected %d", resp.StatusCode, want)
			time.Sleep(10 * time.Second)
			continue
		}
		l.Printf("successfully triggered reload")
		return true
	}
	l.Printf("error: Webhook reload retries exhausted")
	return false
}
