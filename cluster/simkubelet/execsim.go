package main

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// Exec requests are interpreted against the simulated container; nothing is ever
// run on this machine.

// ExecKind says how the executor must carry out an interpreted command.
type ExecKind int

const (
	ExecStatic ExecKind = iota // Stdout/Stderr/Code are the whole answer
	ExecCat                    // copy stdin to stdout until EOF, exit 0
	ExecSleep                  // sleep Sleep, exit 0
)

// ExecPlan is the outcome of interpreting an argv in a simulated container.
type ExecPlan struct {
	Kind   ExecKind
	Code   int
	Stdout string
	Stderr string
	Sleep  time.Duration
	// Signal is the signal delivered to PID 1 ("" for none).
	Signal string
	// StopPID1 is true when PID 1 handles Signal by exiting (0).
	StopPID1 bool
	Effect   string
}

// binDirs are where the simulated images keep their tools.
var binDirs = map[string]bool{"": true, "/bin": true, "/usr/bin": true, "/sbin": true, "/usr/sbin": true, "/usr/local/bin": true}

// signal numbers (Linux x86-64) of the names we accept.
var signals = map[string]int{
	"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
	"USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17,
	"CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25,
	"VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "PWR": 30, "SYS": 31,
}

// parseSignal accepts INT, SIGINT, sigint, 2.
func parseSignal(s string) (string, bool) {
	u := strings.ToUpper(strings.TrimPrefix(strings.ToUpper(s), "SIG"))
	if _, ok := signals[u]; ok {
		return u, true
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n == 0 {
			return "0", true
		}
		for name, num := range signals {
			if num == n {
				return name, true
			}
		}
	}
	return "", false
}

// pid1Handles: a PID-1 process only dies from signals it handles. Our simulated
// processes handle INT and TERM by shutting down cleanly (exit 0); everything else
// (KILL included: the kernel does not deliver it to a namespace's init from inside)
// has no effect.
func pid1Handles(sig string) bool { return sig == "INT" || sig == "TERM" }

func notFound(argv0 string) ExecPlan {
	msg := fmt.Sprintf("exec: %q: executable file not found in $PATH", argv0)
	if strings.Contains(argv0, "/") {
		msg = fmt.Sprintf("exec: %q: stat %s: no such file or directory", argv0, argv0)
	}
	return ExecPlan{Code: 127, Stderr: msg + "\n", Effect: "refused: " + msg}
}

// InterpretExec decides what argv does in a container whose PID 1 is process.
func InterpretExec(argv []string, process string) ExecPlan {
	if len(argv) == 0 {
		return ExecPlan{Code: 127, Stderr: "exec: no command\n", Effect: "refused: empty command"}
	}
	dir, base := path.Split(argv[0])
	dir = strings.TrimSuffix(dir, "/")
	if !binDirs[dir] || base == "" {
		return notFound(argv[0])
	}
	args := argv[1:]
	switch base {
	case "true":
		return ExecPlan{Code: 0, Effect: "no effect"}
	case "false":
		return ExecPlan{Code: 1, Effect: "no effect"}
	case "echo":
		nl := "\n"
		if len(args) > 0 && args[0] == "-n" {
			nl, args = "", args[1:]
		}
		return ExecPlan{Code: 0, Stdout: strings.Join(args, " ") + nl, Effect: "no effect"}
	case "cat":
		if len(args) == 0 || (len(args) == 1 && args[0] == "-") {
			return ExecPlan{Kind: ExecCat, Effect: "no effect"}
		}
		return ExecPlan{Code: 1, Stderr: fmt.Sprintf("cat: %s: No such file or directory\n", args[0]), Effect: "no effect"}
	case "sleep":
		if len(args) == 1 {
			if f, err := strconv.ParseFloat(strings.TrimSuffix(args[0], "s"), 64); err == nil && f >= 0 && f <= 3600 {
				return ExecPlan{Kind: ExecSleep, Sleep: time.Duration(f * float64(time.Second)), Effect: "no effect"}
			}
		}
		return ExecPlan{Code: 1, Stderr: "sleep: invalid time interval\n", Effect: "no effect"}
	case "kill":
		return interpretKill(args)
	case "killall":
		return interpretKillall(args, process)
	}
	return notFound(argv[0])
}

func signalPID1(sig string, via string) ExecPlan {
	if sig == "0" {
		return ExecPlan{Code: 0, Effect: "no effect: signal 0 only checks PID 1 exists"}
	}
	if pid1Handles(sig) {
		return ExecPlan{Code: 0, Signal: sig, StopPID1: true, Effect: fmt.Sprintf("SIG%s to PID 1 via %s", sig, via)}
	}
	return ExecPlan{Code: 0, Signal: sig, Effect: fmt.Sprintf("no effect: PID 1 ignores SIG%s (sent via %s)", sig, via)}
}

// interpretKill models procps-ng kill: kill [-s SIG | -SIG | -n NUM | --signal SIG] pid...
func interpretKill(args []string) ExecPlan {
	sig := "TERM"
	var pids []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pids = append(pids, args[i+1:]...)
			i = len(args)
		case a == "-l" || a == "-L" || a == "--list":
			var names []string
			for n := 1; n <= 31; n++ {
				for name, num := range signals {
					if num == n {
						names = append(names, name)
					}
				}
			}
			return ExecPlan{Code: 0, Stdout: strings.Join(names, " ") + "\n", Effect: "no effect"}
		case a == "-s" || a == "-n" || a == "--signal":
			if i+1 >= len(args) {
				return ExecPlan{Code: 1, Stderr: "kill: option requires an argument -- 's'\n", Effect: "refused: kill usage error"}
			}
			s, ok := parseSignal(args[i+1])
			if !ok {
				return ExecPlan{Code: 1, Stderr: fmt.Sprintf("kill: unknown signal: %s\n", args[i+1]), Effect: "refused: unknown signal " + args[i+1]}
			}
			sig = s
			i++
		case strings.HasPrefix(a, "--signal="):
			v := strings.TrimPrefix(a, "--signal=")
			s, ok := parseSignal(v)
			if !ok {
				return ExecPlan{Code: 1, Stderr: fmt.Sprintf("kill: unknown signal: %s\n", v), Effect: "refused: unknown signal " + v}
			}
			sig = s
		case strings.HasPrefix(a, "-") && len(a) > 1 && len(pids) == 0:
			// -INT, -SIGINT or -9 (a negative pid would need "--")
			s, ok := parseSignal(a[1:])
			if !ok {
				return ExecPlan{Code: 1, Stderr: fmt.Sprintf("kill: unknown signal: %s\n", a[1:]), Effect: "refused: unknown signal " + a[1:]}
			}
			sig = s
		default:
			pids = append(pids, a)
		}
	}
	if len(pids) == 0 {
		return ExecPlan{Code: 1, Stderr: "kill: not enough arguments\n", Effect: "refused: kill without a pid"}
	}
	plan := ExecPlan{Code: 0}
	var errs []string
	hitPID1 := false
	for _, p := range pids {
		n, err := strconv.Atoi(p)
		switch {
		case err != nil:
			errs = append(errs, fmt.Sprintf("kill: cannot find process \"%s\"", p))
		case n == 1:
			hitPID1 = true
		default:
			errs = append(errs, fmt.Sprintf("kill: (%d): No such process", n))
		}
	}
	if hitPID1 {
		plan = signalPID1(sig, "kill")
	}
	if len(errs) > 0 {
		plan.Code = 1
		plan.Stderr = strings.Join(errs, "\n") + "\n"
		if !hitPID1 {
			plan.Effect = "refused: " + strings.Join(errs, "; ")
		}
	}
	return plan
}

// interpretKillall models psmisc killall: killall [-s SIG | -SIG | --signal SIG] [-q] [-w] [-e] [-I] name...
func interpretKillall(args []string, process string) ExecPlan {
	sig := "TERM"
	quiet := false
	ignoreCase := false
	var names []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			names = append(names, args[i+1:]...)
			i = len(args)
		case a == "-s" || a == "--signal":
			if i+1 >= len(args) {
				return ExecPlan{Code: 1, Stderr: "killall: option requires an argument -- 's'\n", Effect: "refused: killall usage error"}
			}
			s, ok := parseSignal(args[i+1])
			if !ok {
				return ExecPlan{Code: 1, Stderr: fmt.Sprintf("%s: unknown signal; killall -l lists signals.\n", args[i+1]), Effect: "refused: unknown signal " + args[i+1]}
			}
			sig = s
			i++
		case a == "-q" || a == "--quiet":
			quiet = true
		case a == "-I" || a == "--ignore-case":
			ignoreCase = true
		case a == "-w" || a == "--wait" || a == "-e" || a == "--exact" || a == "-v" || a == "--verbose" || a == "-g" || a == "--process-group":
			// accepted, no difference here
		case a == "-l" || a == "--list":
			return interpretKill([]string{"-l"})
		case strings.HasPrefix(a, "-") && len(a) > 1:
			s, ok := parseSignal(a[1:])
			if !ok {
				return ExecPlan{Code: 1, Stderr: fmt.Sprintf("%s: unknown signal; killall -l lists signals.\n", a[1:]), Effect: "refused: unknown option/signal " + a}
			}
			sig = s
		default:
			names = append(names, a)
		}
	}
	if len(names) == 0 {
		return ExecPlan{Code: 1, Stderr: "Usage: killall [OPTION]... [--] NAME...\n", Effect: "refused: killall without a name"}
	}
	var missing []string
	hit := false
	for _, n := range names {
		b := path.Base(n)
		if b == process || (ignoreCase && strings.EqualFold(b, process)) {
			hit = true
		} else {
			missing = append(missing, n)
		}
	}
	plan := ExecPlan{Code: 0}
	if hit {
		plan = signalPID1(sig, "killall "+process)
	}
	if len(missing) > 0 {
		plan.Code = 1
		if !quiet {
			var lines []string
			for _, m := range missing {
				lines = append(lines, fmt.Sprintf("%s: no process found", m))
			}
			plan.Stderr = strings.Join(lines, "\n") + "\n"
		}
		if !hit {
			plan.Effect = fmt.Sprintf("refused: no process named %s (PID 1 is %s)", strings.Join(missing, ", "), process)
		}
	}
	return plan
}
