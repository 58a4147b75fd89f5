package main

import (
	"encoding/json"
	"os"
	"sync"
	"time"

	"k8s.io/klog/v2"
)

// Record is one line of the --record file: one exec or port-forwarded HTTP
// request (or refused connection) that reached simkubelet.
type Record struct {
	Time      string   `json:"time"`
	Kind      string   `json:"kind"` // exec | portforward
	Namespace string   `json:"namespace"`
	Pod       string   `json:"pod"`
	UID       string   `json:"uid"`
	Container string   `json:"container,omitempty"`
	Argv      []string `json:"argv,omitempty"`
	Port      int32    `json:"port,omitempty"`
	Method    string   `json:"method,omitempty"`
	Path      string   `json:"path,omitempty"`
	Status    *int     `json:"status,omitempty"` // HTTP status (portforward) or exit code (exec)
	Stdout    string   `json:"stdout,omitempty"`
	Stderr    string   `json:"stderr,omitempty"`
	Effect    string   `json:"effect"`
}

// Recorder appends records to a file (if any) and logs them.
type Recorder struct {
	mu sync.Mutex
	f  *os.File
}

// NewRecorder opens path for appending ("" = log only).
func NewRecorder(path string) (*Recorder, error) {
	r := &Recorder{}
	if path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		r.f = f
	}
	return r, nil
}

func intp(i int) *int { return &i }

// Add writes one record.
func (r *Recorder) Add(rec Record) {
	if rec.Time == "" {
		rec.Time = time.Now().UTC().Format(time.RFC3339Nano)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		klog.Errorf("record: %v", err)
		return
	}
	klog.Infof("RECORD %s", b)
	if r == nil || r.f == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.f.Write(append(b, '\n')); err != nil {
		klog.Errorf("record: %v", err)
	}
}

// Close closes the file.
func (r *Recorder) Close() {
	if r != nil && r.f != nil {
		r.mu.Lock()
		_ = r.f.Close()
		r.f = nil
		r.mu.Unlock()
	}
}
