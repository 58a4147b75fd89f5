package main

import (
	"strings"
	"testing"
)

func TestInterpretExec(t *testing.T) {
	type want struct {
		code   int
		stop   bool
		signal string
		stdout string
		stderr string // substring
	}
	cases := []struct {
		argv    []string
		process string
		want    want
	}{
		{[]string{"kill", "-s", "INT", "1"}, "x", want{0, true, "INT", "", ""}},
		{[]string{"/bin/kill", "-INT", "1"}, "x", want{0, true, "INT", "", ""}},
		{[]string{"/usr/bin/kill", "-s", "TERM", "1"}, "x", want{0, true, "TERM", "", ""}},
		{[]string{"kill", "-TERM", "1"}, "x", want{0, true, "TERM", "", ""}},
		{[]string{"kill", "-SIGTERM", "1"}, "x", want{0, true, "TERM", "", ""}},
		{[]string{"kill", "-15", "1"}, "x", want{0, true, "TERM", "", ""}},
		{[]string{"kill", "1"}, "x", want{0, true, "TERM", "", ""}},
		{[]string{"kill", "-s", "SIGINT", "1"}, "x", want{0, true, "INT", "", ""}},
		{[]string{"kill", "-9", "1"}, "x", want{0, false, "KILL", "", ""}},
		{[]string{"kill", "-s", "KILL", "1"}, "x", want{0, false, "KILL", "", ""}},
		{[]string{"kill", "-HUP", "1"}, "x", want{0, false, "HUP", "", ""}},
		{[]string{"kill", "-s", "INT", "7"}, "x", want{1, false, "", "", "No such process"}},
		{[]string{"kill", "-s", "BOGUS", "1"}, "x", want{1, false, "", "", "unknown signal"}},
		{[]string{"kill"}, "x", want{1, false, "", "", "not enough arguments"}},
		{[]string{"/opt/kill", "1"}, "x", want{127, false, "", "", "no such file or directory"}},
		{[]string{"killall", "configmap-reload"}, "configmap-reload", want{0, true, "TERM", "", ""}},
		{[]string{"/bin/killall", "configmap-reload"}, "configmap-reload", want{0, true, "TERM", "", ""}},
		{[]string{"/usr/bin/killall", "-s", "INT", "configmap-reload"}, "configmap-reload", want{0, true, "INT", "", ""}},
		{[]string{"killall", "-KILL", "configmap-reload"}, "configmap-reload", want{0, false, "KILL", "", ""}},
		{[]string{"killall", "configmap-reloader"}, "configmap-reload", want{1, false, "", "", "configmap-reloader: no process found"}},
		{[]string{"killall", "configmap-reload"}, "linkerd2-proxy", want{1, false, "", "", "configmap-reload: no process found"}},
		{[]string{"killall", "-q", "nope"}, "x", want{1, false, "", "", ""}},
		{[]string{"true"}, "x", want{0, false, "", "", ""}},
		{[]string{"/bin/false"}, "x", want{1, false, "", "", ""}},
		{[]string{"echo", "hello", "world"}, "x", want{0, false, "", "hello world\n", ""}},
		{[]string{"echo", "-n", "a"}, "x", want{0, false, "", "a", ""}},
		{[]string{"sh", "-c", "kill 1"}, "x", want{127, false, "", "", `exec: "sh": executable file not found in $PATH`}},
		{[]string{"curl", "-X", "POST", "localhost:4191/shutdown"}, "x", want{127, false, "", "", "executable file not found"}},
	}
	for _, c := range cases {
		p := InterpretExec(c.argv, c.process)
		if p.Code != c.want.code || p.StopPID1 != c.want.stop || p.Signal != c.want.signal || p.Stdout != c.want.stdout ||
			(c.want.stderr != "" && !strings.Contains(p.Stderr, c.want.stderr)) {
			t.Errorf("%q in %s: got code=%d stop=%v sig=%q out=%q err=%q effect=%q; want %+v",
				c.argv, c.process, p.Code, p.StopPID1, p.Signal, p.Stdout, p.Stderr, p.Effect, c.want)
		}
		if p.Effect == "" {
			t.Errorf("%q: empty effect", c.argv)
		}
	}
	if p := InterpretExec([]string{"cat"}, "x"); p.Kind != ExecCat {
		t.Errorf("cat: %+v", p)
	}
	if p := InterpretExec([]string{"sleep", "0.5"}, "x"); p.Kind != ExecSleep || p.Sleep.Milliseconds() != 500 {
		t.Errorf("sleep: %+v", p)
	}
}
