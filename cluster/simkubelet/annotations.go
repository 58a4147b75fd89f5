package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Annotation keys that declare simulated behaviour. These names are a contract
// that tests and other tools rely on.
const (
	AnnRun      = "sim.hahaha.nais.io/run"
	AnnStubborn = "sim.hahaha.nais.io/stubborn"
	AnnListen   = "sim.hahaha.nais.io/listen"
	AnnWaiting  = "sim.hahaha.nais.io/waiting"
	// AnnKubeletMisses names native sidecars that the kubelet fails to stop once
	// the regular containers have finished (as in kubernetes#125880): they keep
	// running until something else stops them.
	AnnKubeletMisses = "sim.hahaha.nais.io/kubelet-misses"
)

// RunSpec is one run of a container: it exits with Code After it started.
type RunSpec struct {
	After time.Duration
	Code  int32
}

// ListenSpec is a custom endpoint declared with sim.hahaha.nais.io/listen:
// calling it makes the container exit 0 (answer 200).
type ListenSpec struct {
	Method string
	Port   int32
	Path   string
}

func (l ListenSpec) String() string { return fmt.Sprintf("%s :%d%s", l.Method, l.Port, l.Path) }

// SimAnnotations is the parsed form of the sim.hahaha.nais.io/* annotations.
type SimAnnotations struct {
	Runs     map[string][]RunSpec
	Stubborn map[string]bool
	// KubeletMisses: native sidecars the simulated kubelet does not stop.
	KubeletMisses map[string]bool
	Listen        map[string][]ListenSpec
	Waiting       map[string]string // container -> waiting reason
	Errors        []string          // problems found while parsing (logged, the rest still applies)
}

// ParseSimAnnotations parses the simulation annotations of a pod. Malformed
// entries are reported in Errors and skipped; well-formed ones still apply.
func ParseSimAnnotations(ann map[string]string) SimAnnotations {
	s := SimAnnotations{
		Runs:          map[string][]RunSpec{},
		Stubborn:      map[string]bool{},
		KubeletMisses: map[string]bool{},
		Listen:        map[string][]ListenSpec{},
		Waiting:       map[string]string{},
	}
	if v, ok := ann[AnnRun]; ok {
		runs, errs := ParseRunAnnotation(v)
		s.Runs = runs
		s.Errors = append(s.Errors, errs...)
	}
	if v, ok := ann[AnnStubborn]; ok {
		for _, n := range splitList(v) {
			s.Stubborn[n] = true
		}
	}
	if v, ok := ann[AnnKubeletMisses]; ok {
		for _, n := range splitList(v) {
			s.KubeletMisses[n] = true
		}
	}
	if v, ok := ann[AnnListen]; ok {
		l, errs := ParseListenAnnotation(v)
		s.Listen = l
		s.Errors = append(s.Errors, errs...)
	}
	if v, ok := ann[AnnWaiting]; ok {
		for _, item := range splitList(v) {
			name, reason, found := strings.Cut(item, "=")
			name = strings.TrimSpace(name)
			reason = strings.TrimSpace(reason)
			if !found || reason == "" {
				reason = "ImagePullBackOff"
			}
			if name == "" {
				s.Errors = append(s.Errors, fmt.Sprintf("%s: empty container name in %q", AnnWaiting, item))
				continue
			}
			s.Waiting[name] = reason
		}
	}
	return s
}

// splitList splits a comma separated list, trimming blanks and dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParseRunAnnotation parses "<container>=<seconds>s:<code>[;<seconds>s:<code>...][,<container>=...]".
func ParseRunAnnotation(v string) (map[string][]RunSpec, []string) {
	out := map[string][]RunSpec{}
	var errs []string
	for _, item := range splitList(v) {
		name, spec, found := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		if !found || name == "" {
			errs = append(errs, fmt.Sprintf("%s: %q is not <container>=<seconds>s:<exit code>", AnnRun, item))
			continue
		}
		var runs []RunSpec
		ok := true
		for _, r := range strings.Split(spec, ";") {
			r = strings.TrimSpace(r)
			if r == "" {
				continue
			}
			rs, err := parseRunSpec(r)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: container %s: %v", AnnRun, name, err))
				ok = false
				break
			}
			runs = append(runs, rs)
		}
		if ok && len(runs) > 0 {
			out[name] = append(out[name], runs...)
		}
	}
	return out, errs
}

func parseRunSpec(r string) (RunSpec, error) {
	dur, code, found := strings.Cut(r, ":")
	if !found {
		return RunSpec{}, fmt.Errorf("%q is not <seconds>s:<exit code>", r)
	}
	dur = strings.TrimSpace(dur)
	secs, hasS := strings.CutSuffix(dur, "s")
	if !hasS {
		return RunSpec{}, fmt.Errorf("%q: duration must end in s (e.g. 2s or 0.5s)", r)
	}
	f, err := strconv.ParseFloat(secs, 64)
	if err != nil || f < 0 || f > 1e6 {
		return RunSpec{}, fmt.Errorf("%q: bad number of seconds %q", r, secs)
	}
	c, err := strconv.ParseInt(strings.TrimSpace(code), 10, 32)
	if err != nil || c < 0 || c > 255 {
		return RunSpec{}, fmt.Errorf("%q: exit code must be 0..255", r)
	}
	return RunSpec{After: time.Duration(f * float64(time.Second)), Code: int32(c)}, nil
}

// ParseListenAnnotation parses "<container>=<METHOD> :<port><path>[,...]".
func ParseListenAnnotation(v string) (map[string][]ListenSpec, []string) {
	out := map[string][]ListenSpec{}
	var errs []string
	for _, item := range splitList(v) {
		name, spec, found := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		if !found || name == "" {
			errs = append(errs, fmt.Sprintf("%s: %q is not <container>=<METHOD> :<port><path>", AnnListen, item))
			continue
		}
		l, err := ParseEndpoint(strings.TrimSpace(spec))
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: container %s: %v", AnnListen, name, err))
			continue
		}
		out[name] = append(out[name], l)
	}
	return out, errs
}

// ParseEndpoint parses "<METHOD> :<port><path>".
func ParseEndpoint(s string) (ListenSpec, error) {
	method, rest, found := strings.Cut(s, " ")
	rest = strings.TrimSpace(rest)
	if !found || method == "" || !strings.HasPrefix(rest, ":") {
		return ListenSpec{}, fmt.Errorf("%q is not <METHOD> :<port><path>", s)
	}
	rest = rest[1:]
	i := strings.IndexByte(rest, '/')
	portStr, path := rest, "/"
	if i >= 0 {
		portStr, path = rest[:i], rest[i:]
	}
	port, err := strconv.ParseInt(portStr, 10, 32)
	if err != nil || port < 1 || port > 65535 {
		return ListenSpec{}, fmt.Errorf("%q: bad port %q", s, portStr)
	}
	if p, _, _ := strings.Cut(path, "?"); p != "" {
		path = p
	}
	return ListenSpec{Method: strings.ToUpper(method), Port: int32(port), Path: path}, nil
}

// String renders the parsed annotations (for logs).
func (s SimAnnotations) String() string {
	var parts []string
	names := func(m map[string]bool) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	if len(s.Runs) > 0 {
		parts = append(parts, fmt.Sprintf("runs=%v", s.Runs))
	}
	if len(s.Stubborn) > 0 {
		parts = append(parts, fmt.Sprintf("stubborn=%v", names(s.Stubborn)))
	}
	if len(s.KubeletMisses) > 0 {
		parts = append(parts, fmt.Sprintf("kubelet-misses=%v", names(s.KubeletMisses)))
	}
	if len(s.Listen) > 0 {
		parts = append(parts, fmt.Sprintf("listen=%v", s.Listen))
	}
	if len(s.Waiting) > 0 {
		parts = append(parts, fmt.Sprintf("waiting=%v", s.Waiting))
	}
	return strings.Join(parts, " ")
}
