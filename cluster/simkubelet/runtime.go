package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Timings of the simulation.
var (
	StopDelay      = 200 * time.Millisecond // a successful shutdown request -> exit after this
	RestartBackoff = 1 * time.Second        // exit -> restart (OnFailure/Always)
	ShowTerminated = 300 * time.Millisecond // terminated state is shown this long before CrashLoopBackOff
	InitMin        = 100 * time.Millisecond // default run time of a regular init container
	InitJitter     = 200 * time.Millisecond
)

type cKind int

const (
	kInit    cKind = iota // regular init container
	kNative               // native sidecar (init container with restartPolicy: Always)
	kRegular              // regular container
)

type cState int

const (
	sWaiting    cState = iota // never started (or not yet)
	sRunning                  // running
	sTerminated               // terminated (for good when Final, else a restart is pending)
	sBackoff                  // waiting in CrashLoopBackOff, Last holds the termination
)

type termInfo struct {
	ExitCode    int32
	Reason      string
	Message     string
	StartedAt   time.Time
	FinishedAt  time.Time
	ContainerID string
}

// simContainer is the simulated runtime state of one container.
type simContainer struct {
	Name, Image string
	Kind        cKind
	Profile     Profile
	Runs        []RunSpec
	Stubborn    bool
	// KubeletMisses: a native sidecar that the kubelet does not stop at the end of the pod.
	KubeletMisses bool
	missLogged    bool
	NeverStart    string // waiting reason from sim.hahaha.nais.io/waiting

	State        cState
	Attempted    bool // the kubelet tried to start it (a NeverStart container shows its reason)
	EverStarted  bool
	StartedAt    time.Time
	Term         *termInfo // current termination when State == sTerminated
	Last         *termInfo // lastState.terminated
	RestartCount int32
	RunIdx       int
	ExitAt       time.Time // planned exit while running (zero: runs until stopped)
	ExitCode     int32
	ExitWhy      string
	BackoffAt    time.Time // sTerminated -> sBackoff
	RestartAt    time.Time // -> running again
	Final        bool      // terminated for good
	Log          []string
}

// PodSim is the simulated state of one pod, keyed by UID.
type PodSim struct {
	UID           types.UID
	Namespace     string
	Name          string
	RestartPolicy v1.RestartPolicy
	StartTime     time.Time
	PodIP, HostIP string
	Init          []*simContainer
	Ctrs          []*simContainer
	InitIdx       int
	Initialized   bool
	InitFailed    bool
	Terminal      bool
	Deleting      bool
	DeleteSent    bool
	Ann           SimAnnotations

	lastWritten *v1.Pod
}

func (c *simContainer) id(uid types.UID) string {
	return fmt.Sprintf("sim://%s/%s/%d", uid, c.Name, c.RestartCount)
}

func imageID(image string) string {
	sum := sha256.Sum256([]byte(image))
	return imageRepo(image) + "@sha256:" + hex.EncodeToString(sum[:])
}

func (c *simContainer) logf(now time.Time, format string, args ...any) {
	c.Log = append(c.Log, now.UTC().Format(time.RFC3339Nano)+" "+fmt.Sprintf(format, args...))
	if len(c.Log) > 200 {
		c.Log = c.Log[len(c.Log)-200:]
	}
}

// PodIPFor derives a stable 127.x loopback address (never dialed) from the pod UID.
func PodIPFor(uid types.UID) string {
	h := fnv.New32a()
	h.Write([]byte(uid))
	s := h.Sum32()
	return fmt.Sprintf("127.%d.%d.%d", 1+(s>>16)%254, (s>>8)%256, 1+s%254)
}

// NewPodSim builds the simulated state of a pod. When the pod already has a
// status (simkubelet restarted), the state is taken over from it.
func NewPodSim(pod *v1.Pod, hostIP string, now time.Time) *PodSim {
	p := &PodSim{
		UID:           pod.UID,
		Namespace:     pod.Namespace,
		Name:          pod.Name,
		RestartPolicy: pod.Spec.RestartPolicy,
		StartTime:     now,
		PodIP:         PodIPFor(pod.UID),
		HostIP:        hostIP,
		Ann:           ParseSimAnnotations(pod.Annotations),
	}
	if p.RestartPolicy == "" {
		p.RestartPolicy = v1.RestartPolicyAlways
	}
	mk := func(c *v1.Container, kind cKind) *simContainer {
		return &simContainer{
			Name:          c.Name,
			Image:         c.Image,
			Kind:          kind,
			Profile:       BuildProfile(pod, c, p.Ann),
			Runs:          p.Ann.Runs[c.Name],
			Stubborn:      p.Ann.Stubborn[c.Name],
			KubeletMisses: kind == kNative && p.Ann.KubeletMisses[c.Name],
			NeverStart:    p.Ann.Waiting[c.Name],
		}
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		kind := kInit
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			kind = kNative
		}
		p.Init = append(p.Init, mk(c, kind))
	}
	for i := range pod.Spec.Containers {
		p.Ctrs = append(p.Ctrs, mk(&pod.Spec.Containers[i], kRegular))
	}
	p.adopt(pod, now)
	return p
}

// adopt takes over the state recorded in an existing pod status.
func (p *PodSim) adopt(pod *v1.Pod, now time.Time) {
	st := &pod.Status
	if st.StartTime != nil {
		p.StartTime = st.StartTime.Time
	}
	if st.PodIP != "" && strings.HasPrefix(st.PodIP, "127.") {
		p.PodIP = st.PodIP
	}
	if len(st.ContainerStatuses) == 0 && len(st.InitContainerStatuses) == 0 {
		return
	}
	find := func(list []v1.ContainerStatus, name string) *v1.ContainerStatus {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
		return nil
	}
	toTerm := func(t *v1.ContainerStateTerminated) *termInfo {
		if t == nil {
			return nil
		}
		return &termInfo{ExitCode: t.ExitCode, Reason: t.Reason, Message: t.Message,
			StartedAt: t.StartedAt.Time, FinishedAt: t.FinishedAt.Time, ContainerID: t.ContainerID}
	}
	take := func(c *simContainer, cs *v1.ContainerStatus) {
		if cs == nil {
			return
		}
		c.RestartCount = cs.RestartCount
		c.Last = toTerm(cs.LastTerminationState.Terminated)
		c.RunIdx = int(cs.RestartCount)
		switch {
		case cs.State.Running != nil:
			c.State, c.EverStarted, c.Attempted = sRunning, true, true
			c.StartedAt = cs.State.Running.StartedAt.Time
			if c.RunIdx < len(c.Runs) {
				r := c.Runs[c.RunIdx]
				c.ExitAt, c.ExitCode, c.ExitWhy = c.StartedAt.Add(r.After), r.Code, fmt.Sprintf("run %d: exit %d after %s", c.RunIdx+1, r.Code, r.After)
				c.RunIdx++
			} else if c.Kind == kInit {
				c.ExitAt, c.ExitCode, c.ExitWhy = now, 0, "init container done"
			}
		case cs.State.Terminated != nil:
			c.State, c.EverStarted, c.Attempted = sTerminated, true, true
			c.Term = toTerm(cs.State.Terminated)
			c.RunIdx++
			if p.shouldRestart(c, c.Term.ExitCode) && pod.Status.Phase != v1.PodSucceeded && pod.Status.Phase != v1.PodFailed {
				c.BackoffAt, c.RestartAt = now, now.Add(RestartBackoff)
			} else {
				c.Final = true
			}
		case cs.State.Waiting != nil && c.Last != nil:
			c.State, c.EverStarted, c.Attempted = sBackoff, true, true
			c.RestartAt = now.Add(RestartBackoff)
		}
	}
	for _, c := range p.Init {
		take(c, find(st.InitContainerStatuses, c.Name))
	}
	for _, c := range p.Ctrs {
		take(c, find(st.ContainerStatuses, c.Name))
	}
	// where was initialisation?
	p.InitIdx = 0
	for _, c := range p.Init {
		if c.Kind == kNative && c.EverStarted || c.Kind == kInit && c.State == sTerminated && c.Final && c.Term.ExitCode == 0 {
			p.InitIdx++
			continue
		}
		if c.Kind == kInit && c.State == sTerminated && c.Final {
			p.InitFailed = true
		}
		break
	}
	for _, c := range p.Ctrs {
		if c.EverStarted {
			p.Initialized = true
			p.InitIdx = len(p.Init)
		}
	}
	if pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed {
		p.Terminal = true
	}
}

func (p *PodSim) all() []*simContainer {
	out := make([]*simContainer, 0, len(p.Init)+len(p.Ctrs))
	out = append(out, p.Init...)
	return append(out, p.Ctrs...)
}

// Container returns the simulated container by name.
func (p *PodSim) Container(name string) *simContainer {
	for _, c := range p.all() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (p *PodSim) shouldRestart(c *simContainer, code int32) bool {
	switch c.Kind {
	case kNative:
		return true
	case kInit:
		return code != 0 && p.RestartPolicy != v1.RestartPolicyNever
	default:
		switch p.RestartPolicy {
		case v1.RestartPolicyAlways:
			return true
		case v1.RestartPolicyOnFailure:
			return code != 0
		}
		return false
	}
}

func (p *PodSim) startContainer(c *simContainer, now time.Time) {
	c.Attempted = true
	if c.NeverStart != "" {
		return
	}
	c.State, c.EverStarted, c.StartedAt, c.Term = sRunning, true, now, nil
	c.ExitAt, c.ExitCode, c.ExitWhy = time.Time{}, 0, ""
	if c.RunIdx < len(c.Runs) {
		r := c.Runs[c.RunIdx]
		c.RunIdx++
		c.ExitAt, c.ExitCode, c.ExitWhy = now.Add(r.After), r.Code, fmt.Sprintf("run %d of %s: exit %d after %s", c.RunIdx, AnnRun, r.Code, r.After)
	} else if c.Kind == kInit {
		c.ExitAt, c.ExitCode, c.ExitWhy = now.Add(InitMin+time.Duration(rand.Int64N(int64(InitJitter)))), 0, "init container done"
	}
	c.logf(now, "started %s (restartCount %d) image %s", c.id(p.UID), c.RestartCount, c.Image)
}

// exitContainer terminates a running container at `at`.
func (p *PodSim) exitContainer(c *simContainer, at time.Time, code int32, why string, mayRestart bool) {
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	c.Term = &termInfo{ExitCode: code, Reason: reason, StartedAt: c.StartedAt, FinishedAt: at, ContainerID: c.id(p.UID)}
	c.State = sTerminated
	c.ExitAt, c.ExitWhy = time.Time{}, ""
	c.BackoffAt, c.RestartAt = time.Time{}, time.Time{}
	if mayRestart && p.shouldRestart(c, code) {
		c.BackoffAt, c.RestartAt = at.Add(ShowTerminated), at.Add(RestartBackoff)
		c.Final = false
	} else {
		c.Final = true
	}
	c.logf(at, "exited %d (%s): %s", code, reason, why)
}

// cancelRestart makes a container that waits for a restart stay down.
func (c *simContainer) cancelRestart() {
	if c.State == sBackoff && c.Last != nil {
		c.State, c.Term, c.Last = sTerminated, c.Last, nil
	}
	c.BackoffAt, c.RestartAt = time.Time{}, time.Time{}
	if c.State == sTerminated {
		c.Final = true
	}
}

// RequestStop asks a running container to exit 0 after delay (a successful
// shutdown request). It returns the effect, for the record.
func (p *PodSim) RequestStop(c *simContainer, now time.Time, delay time.Duration, why string) string {
	if c.State != sRunning {
		return fmt.Sprintf("no effect: container %s is not running", c.Name)
	}
	if c.Stubborn {
		c.logf(now, "ignored shutdown request (%s): stubborn", why)
		return "ignored (stubborn)"
	}
	at := now.Add(delay)
	if !c.ExitAt.IsZero() && !c.ExitAt.After(at) {
		return fmt.Sprintf("container %s will exit %d (already exiting: %s)", c.Name, c.ExitCode, c.ExitWhy)
	}
	c.ExitAt, c.ExitCode, c.ExitWhy = at, 0, why
	c.logf(now, "shutdown requested: %s", why)
	return fmt.Sprintf("container %s will exit 0", c.Name)
}

// Advance moves the simulation to now and returns when it next needs to run
// (zero: only on a new event).
func (p *PodSim) Advance(now time.Time) time.Time {
	for i := 0; i < 1000 && p.step(now); i++ {
	}
	return p.nextDeadline()
}

func (p *PodSim) nextDeadline() time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, c := range p.all() {
		if c.State == sRunning {
			consider(c.ExitAt)
		}
		consider(c.BackoffAt)
		consider(c.RestartAt)
	}
	return next
}

func (p *PodSim) step(now time.Time) bool {
	all := p.all()
	if p.Deleting && !p.Terminal {
		// The kubelet stops every container (SIGTERM): well-known sidecars and
		// native sidecars shut down cleanly (0), other processes die with 143.
		for _, c := range all {
			switch c.State {
			case sRunning:
				code := int32(143)
				if c.Kind == kNative || c.Profile.Kind != "generic" {
					code = 0
				}
				p.exitContainer(c, now, code, "pod deleted: killed by the kubelet (SIGTERM)", false)
			case sTerminated, sBackoff:
				c.cancelRestart()
			}
		}
		p.Terminal = true
		return true
	}
	if p.Terminal {
		return false
	}
	changed := false
	// scheduled exits
	for _, c := range all {
		if c.State == sRunning && !c.ExitAt.IsZero() && !now.Before(c.ExitAt) {
			p.exitContainer(c, c.ExitAt, c.ExitCode, c.ExitWhy, true)
			changed = true
		}
	}
	// back-off and restarts
	for _, c := range all {
		if c.State == sTerminated && !c.BackoffAt.IsZero() && !now.Before(c.BackoffAt) {
			c.State, c.Last, c.Term, c.BackoffAt = sBackoff, c.Term, nil, time.Time{}
			changed = true
		}
		if (c.State == sTerminated || c.State == sBackoff) && !c.RestartAt.IsZero() && !now.Before(c.RestartAt) {
			if c.Term != nil {
				c.Last, c.Term = c.Term, nil
			}
			c.BackoffAt, c.RestartAt = time.Time{}, time.Time{}
			c.RestartCount++
			p.startContainer(c, now)
			changed = true
		}
	}
	// initialisation: init containers in order; a native sidecar lets the next one
	// start as soon as it has started
	if !p.Initialized && !p.InitFailed {
	loop:
		for p.InitIdx < len(p.Init) {
			c := p.Init[p.InitIdx]
			if !c.EverStarted {
				if c.NeverStart != "" {
					if !c.Attempted {
						c.Attempted = true
						changed = true
					}
					break loop
				}
				p.startContainer(c, now)
				changed = true
			}
			if c.Kind == kNative {
				p.InitIdx++
				changed = true
				continue
			}
			switch {
			case c.State == sTerminated && c.Final && c.Term.ExitCode == 0:
				p.InitIdx++
				changed = true
			case c.State == sTerminated && c.Final:
				p.InitFailed = true
				changed = true
				break loop
			default: // running, or waiting for a restart
				break loop
			}
		}
		if p.InitIdx >= len(p.Init) && !p.InitFailed {
			p.Initialized = true
			for _, c := range p.Ctrs {
				p.startContainer(c, now)
			}
			changed = true
		}
	}
	// all regular containers done for good (or initialisation failed): the kubelet
	// stops the native sidecars and the pod is finished
	if p.InitFailed || (p.Initialized && p.allRegularFinal()) {
		missed := false
		for i := len(p.Init) - 1; i >= 0; i-- {
			c := p.Init[i]
			switch c.State {
			case sRunning:
				if c.KubeletMisses {
					// The pod is not finished while this sidecar runs: it stays until
					// something else stops it, and is not restarted after that.
					missed = true
					if !c.missLogged {
						c.missLogged = true
						c.logf(now, "the kubelet did not stop this native sidecar (%s)", AnnKubeletMisses)
					}
					continue
				}
				p.exitContainer(c, now, 0, "all regular containers have exited: the kubelet stops the sidecar", false)
			case sTerminated, sBackoff:
				c.cancelRestart()
			}
		}
		if missed {
			return changed
		}
		p.Terminal = true
		changed = true
	}
	return changed
}

func (p *PodSim) allRegularFinal() bool {
	for _, c := range p.Ctrs {
		if c.State != sTerminated || !c.Final {
			return false
		}
	}
	return true
}

// ---- status ----

func mt(t time.Time) metav1.Time { return metav1.NewTime(t.Truncate(time.Second)) }

func waitingMessage(reason, image string) string {
	switch reason {
	case "ImagePullBackOff":
		return fmt.Sprintf("Back-off pulling image %q", image)
	case "ErrImagePull":
		return fmt.Sprintf("failed to pull and unpack image %q: simulated by %s", image, AnnWaiting)
	}
	return "simulated by " + AnnWaiting
}

func (p *PodSim) containerStatus(c *simContainer) v1.ContainerStatus {
	f, t := false, true
	cs := v1.ContainerStatus{Name: c.Name, Image: c.Image, RestartCount: c.RestartCount, Started: &f}
	api := func(ti *termInfo) *v1.ContainerStateTerminated {
		return &v1.ContainerStateTerminated{ExitCode: ti.ExitCode, Reason: ti.Reason, Message: ti.Message,
			StartedAt: mt(ti.StartedAt), FinishedAt: mt(ti.FinishedAt), ContainerID: ti.ContainerID}
	}
	switch c.State {
	case sWaiting:
		reason, msg := "PodInitializing", ""
		if c.NeverStart != "" && c.Attempted {
			reason, msg = c.NeverStart, waitingMessage(c.NeverStart, c.Image)
		}
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: reason, Message: msg}
	case sRunning:
		cs.State.Running = &v1.ContainerStateRunning{StartedAt: mt(c.StartedAt)}
		cs.Ready = c.Kind != kInit
		cs.Started = &t
		cs.ContainerID, cs.ImageID = c.id(p.UID), imageID(c.Image)
	case sTerminated:
		cs.State.Terminated = api(c.Term)
		cs.Ready = c.Kind == kInit && c.Final && c.Term.ExitCode == 0
		cs.ContainerID, cs.ImageID = c.Term.ContainerID, imageID(c.Image)
	case sBackoff:
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", RestartBackoff, c.Name, p.Name, p.Namespace, p.UID)}
		cs.ContainerID, cs.ImageID = c.Last.ContainerID, imageID(c.Image)
	}
	if c.Last != nil {
		cs.LastTerminationState.Terminated = api(c.Last)
	}
	return cs
}

// BuildStatus renders the simulated state as the pod status the kubelet would write.
// Conditions the kubelet does not own (PodScheduled, DisruptionTarget, ...) are kept.
func (p *PodSim) BuildStatus(pod *v1.Pod, now time.Time) v1.PodStatus {
	st := *pod.Status.DeepCopy()
	st.HostIP, st.HostIPs = p.HostIP, []v1.HostIP{{IP: p.HostIP}}
	st.PodIP, st.PodIPs = p.PodIP, []v1.PodIP{{IP: p.PodIP}}
	start := mt(p.StartTime)
	st.StartTime = &start
	st.InitContainerStatuses = nil
	for _, c := range p.Init {
		st.InitContainerStatuses = append(st.InitContainerStatuses, p.containerStatus(c))
	}
	st.ContainerStatuses = nil
	for _, c := range p.Ctrs {
		st.ContainerStatuses = append(st.ContainerStatuses, p.containerStatus(c))
	}
	sort.SliceStable(st.ContainerStatuses, func(i, j int) bool { return st.ContainerStatuses[i].Name < st.ContainerStatuses[j].Name })
	all := append(append([]v1.ContainerStatus{}, st.InitContainerStatuses...), st.ContainerStatuses...)
	st.Phase = GetPhase(pod, all, p.Terminal, p.Initialized)
	terminal := st.Phase == v1.PodSucceeded || st.Phase == v1.PodFailed
	if pod.Generation > 0 {
		st.ObservedGeneration = pod.Generation
	}

	conds := st.Conditions
	set := func(typ v1.PodConditionType, status v1.ConditionStatus, reason, msg string) {
		nc := v1.PodCondition{Type: typ, Status: status, Reason: reason, Message: msg, LastTransitionTime: mt(now)}
		if pod.Generation > 0 {
			nc.ObservedGeneration = pod.Generation
		}
		for i := range conds {
			if conds[i].Type == typ {
				if conds[i].Status == status {
					nc.LastTransitionTime = conds[i].LastTransitionTime
					nc.LastProbeTime = conds[i].LastProbeTime
				}
				conds[i] = nc
				return
			}
		}
		conds = append(conds, nc)
	}
	set(v1.PodReadyToStartContainers, v1.ConditionTrue, "", "")
	if p.Initialized {
		reason := ""
		if st.Phase == v1.PodSucceeded {
			reason = "PodCompleted"
		}
		set(v1.PodInitialized, v1.ConditionTrue, reason, "")
	} else {
		var pending []string
		for _, c := range p.Init {
			if c.Kind == kInit && !(c.State == sTerminated && c.Final && c.Term.ExitCode == 0) {
				pending = append(pending, c.Name)
			}
		}
		set(v1.PodInitialized, v1.ConditionFalse, "ContainersNotInitialized", fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(pending, " ")))
	}
	var unready []string
	for _, c := range p.all() {
		if c.Kind != kInit && c.State != sRunning {
			unready = append(unready, c.Name)
		}
	}
	switch {
	case terminal:
		set(v1.ContainersReady, v1.ConditionFalse, "PodCompleted", "")
		set(v1.PodReady, v1.ConditionFalse, "PodCompleted", "")
	case len(unready) > 0:
		msg := fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
		set(v1.ContainersReady, v1.ConditionFalse, "ContainersNotReady", msg)
		set(v1.PodReady, v1.ConditionFalse, "ContainersNotReady", msg)
	default:
		set(v1.ContainersReady, v1.ConditionTrue, "", "")
		var missing []string
		for _, g := range pod.Spec.ReadinessGates {
			ok := false
			for _, c := range conds {
				if c.Type == g.ConditionType && c.Status == v1.ConditionTrue {
					ok = true
				}
			}
			if !ok {
				missing = append(missing, string(g.ConditionType))
			}
		}
		if len(missing) > 0 {
			set(v1.PodReady, v1.ConditionFalse, "ReadinessGatesNotReady", fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", missing[0]))
		} else {
			set(v1.PodReady, v1.ConditionTrue, "", "")
		}
	}
	hasScheduled := false
	for _, c := range conds {
		if c.Type == v1.PodScheduled {
			hasScheduled = true
		}
	}
	if !hasScheduled {
		set(v1.PodScheduled, v1.ConditionTrue, "", "")
	}
	st.Conditions = conds
	return st
}

// GetPhase is the kubelet's getPhase (pkg/kubelet/kubelet_pods.go, v1.35) for pods
// without per-container restart rules.
func GetPhase(pod *v1.Pod, info []v1.ContainerStatus, podIsTerminal, podHasInitialized bool) v1.PodPhase {
	spec := pod.Spec
	get := func(name string) (*v1.ContainerStatus, bool) {
		for i := range info {
			if info[i].Name == name {
				return &info[i], true
			}
		}
		return nil, false
	}
	isRestartable := func(c *v1.Container) bool {
		return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
	}
	pendingRestartableInit, pendingRegularInit, failedInit := 0, 0, 0
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if isRestartable(c) {
			continue
		}
		cs, ok := get(c.Name)
		if !ok {
			pendingRegularInit++
			continue
		}
		switch {
		case cs.State.Running != nil:
			pendingRegularInit++
		case cs.State.Terminated != nil:
			if cs.State.Terminated.ExitCode != 0 {
				failedInit++
			}
		case cs.State.Waiting != nil:
			if cs.LastTerminationState.Terminated != nil {
				if cs.LastTerminationState.Terminated.ExitCode != 0 {
					failedInit++
				}
			} else {
				pendingRegularInit++
			}
		default:
			pendingRegularInit++
		}
	}
	unknown, running, waiting, stopped, succeeded := 0, 0, 0, 0, 0
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if !isRestartable(c) {
			continue
		}
		cs, ok := get(c.Name)
		if !ok {
			unknown++
			continue
		}
		switch {
		case cs.State.Running != nil:
			if cs.Started == nil || !*cs.Started {
				pendingRestartableInit++
			}
			running++
		case cs.State.Terminated != nil:
		case cs.State.Waiting != nil:
			if cs.LastTerminationState.Terminated == nil {
				pendingRestartableInit++
				waiting++
			}
		default:
			pendingRestartableInit++
			unknown++
		}
	}
	for i := range spec.Containers {
		cs, ok := get(spec.Containers[i].Name)
		if !ok {
			unknown++
			continue
		}
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.State.Waiting != nil:
			if cs.LastTerminationState.Terminated != nil {
				stopped++
			} else {
				waiting++
			}
		default:
			unknown++
		}
	}
	if failedInit > 0 && spec.RestartPolicy == v1.RestartPolicyNever {
		return v1.PodFailed
	}
	switch {
	case pendingRegularInit > 0 || (pendingRestartableInit > 0 && !podHasInitialized):
		return v1.PodPending
	case waiting > 0:
		return v1.PodPending
	case running > 0 && unknown == 0:
		return v1.PodRunning
	case running == 0 && stopped > 0 && unknown == 0:
		if podIsTerminal {
			if stopped == succeeded {
				return v1.PodSucceeded
			}
			return v1.PodFailed
		}
		if spec.RestartPolicy == v1.RestartPolicyAlways {
			return v1.PodRunning
		}
		if stopped == succeeded {
			return v1.PodSucceeded
		}
		if spec.RestartPolicy == v1.RestartPolicyNever {
			return v1.PodFailed
		}
		return v1.PodRunning
	default:
		return v1.PodPending
	}
}

// ListenerFor finds the running container that listens on port.
func (p *PodSim) ListenerFor(port int32) (*simContainer, *Listener, string) {
	var notRunning []string
	for _, c := range p.all() {
		l := c.Profile.Listener(port)
		if l == nil {
			continue
		}
		if c.State == sRunning {
			return c, l, ""
		}
		notRunning = append(notRunning, c.Name)
	}
	if len(notRunning) > 0 {
		return nil, nil, fmt.Sprintf("container %s (which listens on %d) is not running", strings.Join(notRunning, ", "), port)
	}
	return nil, nil, fmt.Sprintf("no container listens on port %d", port)
}

// Describe tells why a container cannot run an exec ("" when it can).
func (c *simContainer) NotRunningReason() string {
	switch c.State {
	case sRunning:
		return ""
	case sWaiting:
		if c.NeverStart != "" && c.Attempted {
			return "waiting: " + c.NeverStart
		}
		return "waiting: PodInitializing"
	case sBackoff:
		return "waiting: CrashLoopBackOff"
	default:
		return fmt.Sprintf("terminated with exit code %d", c.Term.ExitCode)
	}
}
