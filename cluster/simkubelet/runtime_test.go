package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func jobPod(policy v1.RestartPolicy, ann map[string]string) *v1.Pod {
	always := v1.ContainerRestartPolicyAlways
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "job-abc", Namespace: "ns", UID: "uid-1", Annotations: ann, Generation: 1},
		Spec: v1.PodSpec{
			RestartPolicy: policy,
			NodeName:      "kwok-node-0",
			InitContainers: []v1.Container{
				{Name: "setup", Image: "busybox"},
				{Name: "native", Image: "example/native:1", RestartPolicy: &always},
			},
			Containers: []v1.Container{
				{Name: "main", Image: "example/app:1"},
				{Name: "istio-proxy", Image: "docker.io/istio/proxyv2:1.22"},
			},
		},
		Status: v1.PodStatus{Phase: v1.PodPending, Conditions: []v1.PodCondition{{Type: v1.PodScheduled, Status: v1.ConditionTrue}}},
	}
}

// sim advances a PodSim on a fake clock, feeding back the status it writes.
type sim struct {
	t   *testing.T
	pod *v1.Pod
	p   *PodSim
	now time.Time
}

func newSim(t *testing.T, pod *v1.Pod) *sim {
	s := &sim{t: t, pod: pod, p: NewPodSim(pod, "127.0.0.1", t0), now: t0}
	s.to(t0)
	return s
}

// to advances the clock to at, stopping at every deadline on the way.
func (s *sim) to(at time.Time) {
	for {
		next := s.p.Advance(s.now)
		s.pod.Status = s.p.BuildStatus(s.pod, s.now)
		if next.IsZero() || next.After(at) {
			break
		}
		s.now = next
	}
	s.now = at
	s.p.Advance(s.now)
	s.pod.Status = s.p.BuildStatus(s.pod, s.now)
}

func (s *sim) after(d time.Duration) { s.to(s.now.Add(d)) }

func (s *sim) state(name string) string {
	for _, cs := range append(append([]v1.ContainerStatus{}, s.pod.Status.InitContainerStatuses...), s.pod.Status.ContainerStatuses...) {
		if cs.Name != name {
			continue
		}
		switch {
		case cs.State.Running != nil:
			return "running"
		case cs.State.Terminated != nil:
			return "exited:" + itoa(cs.State.Terminated.ExitCode)
		case cs.State.Waiting != nil:
			return "waiting:" + cs.State.Waiting.Reason
		}
	}
	return "?"
}

func itoa(i int32) string { return strconv.Itoa(int(i)) }

func (s *sim) expect(phase v1.PodPhase, states map[string]string) {
	s.t.Helper()
	if s.pod.Status.Phase != phase {
		s.t.Errorf("t+%s: phase %s, want %s (%s)", s.now.Sub(t0), s.pod.Status.Phase, phase, summary(s.pod.Status))
	}
	for n, want := range states {
		if got := s.state(n); got != want {
			s.t.Errorf("t+%s: %s is %s, want %s (%s)", s.now.Sub(t0), n, got, want, summary(s.pod.Status))
		}
	}
}

func cond(st v1.PodStatus, typ v1.PodConditionType) v1.ConditionStatus {
	for _, c := range st.Conditions {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}

func TestLifecycleSidecarShutdown(t *testing.T) {
	s := newSim(t, jobPod(v1.RestartPolicyNever, map[string]string{AnnRun: "main=1s:0"}))
	s.expect(v1.PodPending, map[string]string{"setup": "running", "native": "waiting:PodInitializing", "main": "waiting:PodInitializing"})
	if cond(s.pod.Status, v1.PodInitialized) != v1.ConditionFalse {
		t.Error("Initialized should be False")
	}
	s.after(400 * time.Millisecond)
	s.expect(v1.PodRunning, map[string]string{"setup": "exited:0", "native": "running", "main": "running", "istio-proxy": "running"})
	if cond(s.pod.Status, v1.PodInitialized) != v1.ConditionTrue || cond(s.pod.Status, v1.PodReady) != v1.ConditionTrue || cond(s.pod.Status, v1.PodScheduled) != v1.ConditionTrue {
		t.Errorf("conditions: %+v", s.pod.Status.Conditions)
	}
	st := s.pod.Status
	if st.PodIP == "" || !strings.HasPrefix(st.PodIP, "127.") || st.HostIP != "127.0.0.1" || st.StartTime == nil {
		t.Errorf("ips/startTime: %q %q %v", st.PodIP, st.HostIP, st.StartTime)
	}
	if st.ContainerStatuses[0].Name != "istio-proxy" || !strings.HasPrefix(st.ContainerStatuses[1].ContainerID, "sim://uid-1/main/0") {
		t.Errorf("container statuses: %+v", st.ContainerStatuses)
	}
	s.after(1 * time.Second)
	// main is done, the sidecar keeps the pod running
	s.expect(v1.PodRunning, map[string]string{"main": "exited:0", "istio-proxy": "running", "native": "running"})
	if cond(s.pod.Status, v1.PodReady) != v1.ConditionFalse {
		t.Error("Ready should be False once main exited")
	}
	s.after(10 * time.Second)
	s.expect(v1.PodRunning, map[string]string{"istio-proxy": "running"})
	eff := s.p.RequestStop(s.p.Container("istio-proxy"), s.now, StopDelay, "test")
	if eff != "container istio-proxy will exit 0" {
		t.Errorf("effect %q", eff)
	}
	s.after(100 * time.Millisecond)
	s.expect(v1.PodRunning, map[string]string{"istio-proxy": "running"})
	s.after(150 * time.Millisecond)
	s.expect(v1.PodSucceeded, map[string]string{"istio-proxy": "exited:0", "native": "exited:0", "main": "exited:0"})
	if cond(s.pod.Status, v1.PodReady) != v1.ConditionFalse || !s.p.Terminal {
		t.Error("terminal pod should not be ready")
	}
	if next := s.p.Advance(s.now); !next.IsZero() {
		t.Errorf("a finished pod needs no timer, got %v", next)
	}
}

func TestLifecycleOnFailureRestart(t *testing.T) {
	s := newSim(t, jobPod(v1.RestartPolicyOnFailure, map[string]string{AnnRun: "main=1s:3;1s:0"}))
	s.after(400 * time.Millisecond)
	s.expect(v1.PodRunning, map[string]string{"main": "running"})
	s.after(1 * time.Second) // main exited 3 at ~1.3s
	s.expect(v1.PodRunning, map[string]string{"main": "exited:3"})
	s.after(400 * time.Millisecond)
	s.expect(v1.PodRunning, map[string]string{"main": "waiting:CrashLoopBackOff"})
	s.after(700 * time.Millisecond)
	s.expect(v1.PodRunning, map[string]string{"main": "running"})
	var main v1.ContainerStatus
	for _, cs := range s.pod.Status.ContainerStatuses {
		if cs.Name == "main" {
			main = cs
		}
	}
	if main.RestartCount != 1 || main.LastTerminationState.Terminated == nil || main.LastTerminationState.Terminated.ExitCode != 3 || !strings.HasSuffix(main.ContainerID, "/main/1") {
		t.Errorf("after restart: %+v", main)
	}
	s.after(1 * time.Second)
	s.expect(v1.PodRunning, map[string]string{"main": "exited:0", "istio-proxy": "running"})
	s.after(5 * time.Second)
	s.expect(v1.PodRunning, map[string]string{"main": "exited:0"}) // exit 0 is final under OnFailure
	s.p.RequestStop(s.p.Container("istio-proxy"), s.now, StopDelay, "test")
	s.after(time.Second)
	s.expect(v1.PodSucceeded, nil)
}

func TestLifecycleNeverFails(t *testing.T) {
	s := newSim(t, jobPod(v1.RestartPolicyNever, map[string]string{AnnRun: "main=0.5s:2,istio-proxy=2s:0"}))
	s.after(3 * time.Second)
	s.expect(v1.PodFailed, map[string]string{"main": "exited:2", "istio-proxy": "exited:0", "native": "exited:0"})
}

func TestStubbornAndWaiting(t *testing.T) {
	s := newSim(t, jobPod(v1.RestartPolicyNever, map[string]string{AnnRun: "main=0.5s:0", AnnStubborn: "istio-proxy"}))
	s.after(2 * time.Second)
	if eff := s.p.RequestStop(s.p.Container("istio-proxy"), s.now, StopDelay, "x"); eff != "ignored (stubborn)" {
		t.Errorf("effect %q", eff)
	}
	s.after(2 * time.Second)
	s.expect(v1.PodRunning, map[string]string{"istio-proxy": "running"})

	w := newSim(t, jobPod(v1.RestartPolicyNever, map[string]string{AnnRun: "main=0.5s:0", AnnWaiting: "istio-proxy"}))
	w.after(2 * time.Second)
	w.expect(v1.PodPending, map[string]string{"main": "exited:0", "istio-proxy": "waiting:ImagePullBackOff"})
	if r := w.p.Container("istio-proxy").NotRunningReason(); r != "waiting: ImagePullBackOff" {
		t.Errorf("reason %q", r)
	}
	if c, _, why := w.p.ListenerFor(15020); c != nil || !strings.Contains(why, "not running") {
		t.Errorf("port 15020 of a waiting container must be refused: %v %q", c, why)
	}
}

func TestInitFailureAndDeletion(t *testing.T) {
	pod := jobPod(v1.RestartPolicyNever, map[string]string{AnnRun: "setup=0.2s:1"})
	s := newSim(t, pod)
	s.after(time.Second)
	s.expect(v1.PodFailed, map[string]string{"setup": "exited:1", "main": "waiting:PodInitializing"})

	d := newSim(t, jobPod(v1.RestartPolicyNever, nil))
	d.after(time.Second)
	d.expect(v1.PodRunning, nil)
	d.p.Deleting = true
	d.after(10 * time.Millisecond)
	d.expect(v1.PodFailed, map[string]string{"main": "exited:143", "istio-proxy": "exited:0", "native": "exited:0"})
}

func TestAdoptFromStatus(t *testing.T) {
	s := newSim(t, jobPod(v1.RestartPolicyOnFailure, map[string]string{AnnRun: "main=5s:0"}))
	s.after(2 * time.Second)
	// a restarted simkubelet takes over from the pod status
	p2 := NewPodSim(s.pod, "127.0.0.1", s.now)
	p2.Advance(s.now)
	st2 := p2.BuildStatus(s.pod, s.now)
	if !equality.Semantic.DeepEqual(st2, s.pod.Status) {
		t.Errorf("adopted status differs:\n%s\n%s", summary(st2), summary(s.pod.Status))
	}
	s.p = p2
	s.after(4 * time.Second)
	s.expect(v1.PodRunning, map[string]string{"main": "exited:0", "istio-proxy": "running"})
}

func TestGetPhase(t *testing.T) {
	pod := jobPod(v1.RestartPolicyNever, nil)
	run := v1.ContainerState{Running: &v1.ContainerStateRunning{}}
	ex := func(c int32) v1.ContainerState {
		return v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: c}}
	}
	wait := v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "X"}}
	tr := true
	st := func(main, side v1.ContainerState) []v1.ContainerStatus {
		return []v1.ContainerStatus{
			{Name: "setup", State: ex(0)}, {Name: "native", State: run, Started: &tr},
			{Name: "main", State: main}, {Name: "istio-proxy", State: side},
		}
	}
	for i, c := range []struct {
		s        []v1.ContainerStatus
		terminal bool
		want     v1.PodPhase
	}{
		{st(run, run), false, v1.PodRunning},
		{st(ex(0), run), false, v1.PodRunning},
		{st(ex(0), wait), false, v1.PodPending},
		{st(ex(0), ex(0)), false, v1.PodRunning}, // native sidecar still running
		{[]v1.ContainerStatus{{Name: "setup", State: ex(0)}, {Name: "native", State: ex(0)}, {Name: "main", State: ex(0)}, {Name: "istio-proxy", State: ex(0)}}, true, v1.PodSucceeded},
		{[]v1.ContainerStatus{{Name: "setup", State: ex(0)}, {Name: "native", State: ex(0)}, {Name: "main", State: ex(1)}, {Name: "istio-proxy", State: ex(0)}}, true, v1.PodFailed},
		{[]v1.ContainerStatus{{Name: "setup", State: run}}, false, v1.PodPending},
		{[]v1.ContainerStatus{{Name: "setup", State: ex(1)}}, false, v1.PodFailed},
	} {
		if got := GetPhase(pod, c.s, c.terminal, true); got != c.want {
			t.Errorf("case %d: phase %s, want %s", i, got, c.want)
		}
	}
}
