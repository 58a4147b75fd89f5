package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

const (
	indexUID  = "uid"
	indexNode = "node"
)

// Controller plays the kubelet for every pod bound to a managed node.
type Controller struct {
	client       kubernetes.Interface
	nodeSelector labels.Selector

	podFactory  informers.SharedInformerFactory
	nodeFactory informers.SharedInformerFactory
	podInformer cache.SharedIndexInformer
	podLister   corelisters.PodLister
	nodeLister  corelisters.NodeLister
	nodeSynced  cache.InformerSynced
	podSynced   cache.InformerSynced

	queue workqueue.TypedRateLimitingInterface[types.UID]

	mu   sync.Mutex
	pods map[types.UID]*PodSim

	now func() time.Time
}

// NewController wires the informers.
func NewController(client kubernetes.Interface, nodeSelector labels.Selector) *Controller {
	c := &Controller{
		client:       client,
		nodeSelector: nodeSelector,
		pods:         map[types.UID]*PodSim{},
		now:          time.Now,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[types.UID](50*time.Millisecond, 5*time.Second),
			workqueue.TypedRateLimitingQueueConfig[types.UID]{Name: "pods"}),
	}
	c.nodeFactory = informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = nodeSelector.String() }))
	c.podFactory = informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermNotEqualSelector("spec.nodeName", "").String()
		}))

	nodeInf := c.nodeFactory.Core().V1().Nodes()
	c.nodeLister = nodeInf.Lister()
	c.nodeSynced = nodeInf.Informer().HasSynced
	podInf := c.podFactory.Core().V1().Pods()
	c.podInformer = podInf.Informer()
	c.podLister = podInf.Lister()
	c.podSynced = c.podInformer.HasSynced
	_ = c.podInformer.AddIndexers(cache.Indexers{
		indexUID: func(obj any) ([]string, error) {
			return []string{string(obj.(*v1.Pod).UID)}, nil
		},
		indexNode: func(obj any) ([]string, error) {
			return []string{obj.(*v1.Pod).Spec.NodeName}, nil
		},
	})
	enqueuePod := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if p, ok := obj.(*v1.Pod); ok {
			c.queue.Add(p.UID)
		}
	}
	_, _ = c.podInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueuePod,
		UpdateFunc: func(_, n any) { enqueuePod(n) },
		DeleteFunc: enqueuePod,
	})
	enqueueNode := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		n, ok := obj.(*v1.Node)
		if !ok {
			return
		}
		objs, _ := c.podInformer.GetIndexer().ByIndex(indexNode, n.Name)
		for _, o := range objs {
			c.queue.Add(o.(*v1.Pod).UID)
		}
	}
	_, _ = nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueueNode,
		UpdateFunc: func(o, n any) {},
		DeleteFunc: enqueueNode,
	})
	return c
}

// Run starts the informers and the workers; it returns when ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) error {
	c.nodeFactory.Start(ctx.Done())
	c.podFactory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.nodeSynced, c.podSynced) {
		return fmt.Errorf("informer caches did not sync")
	}
	nodes, _ := c.nodeLister.List(labels.Everything())
	klog.Infof("simkubelet: caches synced: %d managed node(s), %d bound pod(s)", len(nodes), len(c.podInformer.GetStore().ListKeys()))
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait.UntilWithContext(ctx, func(ctx context.Context) {
				for c.processNext(ctx) {
				}
			}, time.Second)
		}()
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
	return nil
}

func (c *Controller) processNext(ctx context.Context) bool {
	uid, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(uid)
	if err := c.sync(ctx, uid); err != nil {
		if c.queue.NumRequeues(uid) < 50 {
			klog.V(2).Infof("sync %s: %v (retrying)", uid, err)
			c.queue.AddRateLimited(uid)
		} else {
			klog.Errorf("sync %s: %v (giving up)", uid, err)
			c.queue.Forget(uid)
		}
		return true
	}
	c.queue.Forget(uid)
	return true
}

// Managed reports whether a node name belongs to a managed node.
func (c *Controller) managed(nodeName string) (*v1.Node, bool) {
	if nodeName == "" {
		return nil, false
	}
	n, err := c.nodeLister.Get(nodeName)
	if err != nil {
		return nil, false
	}
	return n, c.nodeSelector.Matches(labels.Set(n.Labels))
}

func nodeIP(n *v1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == v1.NodeInternalIP {
			return a.Address
		}
	}
	return "127.0.0.1"
}

func (c *Controller) podByUID(uid types.UID) *v1.Pod {
	objs, err := c.podInformer.GetIndexer().ByIndex(indexUID, string(uid))
	if err != nil || len(objs) == 0 {
		return nil
	}
	return objs[0].(*v1.Pod)
}

func rvNewer(a, b string) bool {
	x, err1 := strconv.ParseUint(a, 10, 64)
	y, err2 := strconv.ParseUint(b, 10, 64)
	return err1 == nil && err2 == nil && x > y
}

func (c *Controller) sync(ctx context.Context, uid types.UID) error {
	pod := c.podByUID(uid)
	var node *v1.Node
	ok := false
	if pod != nil {
		node, ok = c.managed(pod.Spec.NodeName)
	}
	if pod == nil || !ok {
		c.mu.Lock()
		if _, had := c.pods[uid]; had {
			klog.V(2).Infof("pod %s: forgotten (gone or not on a managed node)", uid)
		}
		delete(c.pods, uid)
		c.mu.Unlock()
		return nil
	}
	now := c.now()

	c.mu.Lock()
	sim := c.pods[uid]
	if sim == nil {
		sim = NewPodSim(pod, nodeIP(node), now)
		c.pods[uid] = sim
		klog.Infof("pod %s/%s (%s) on node %s: simulating %d init + %d containers %s", pod.Namespace, pod.Name, uid, pod.Spec.NodeName, len(sim.Init), len(sim.Ctrs), sim.Ann.String())
		for _, e := range sim.Ann.Errors {
			klog.Warningf("pod %s/%s: bad annotation: %s", pod.Namespace, pod.Name, e)
		}
		for _, ct := range sim.all() {
			if ct.Profile.Kind != "generic" || len(ct.Profile.Listeners) > 0 {
				klog.V(1).Infof("pod %s/%s container %s: %s (pid 1 %s), ports %v %v", pod.Namespace, pod.Name, ct.Name, ct.Profile.Kind, ct.Profile.Process, ct.Profile.Ports(), ct.Profile.Notes)
			}
		}
	}
	base := pod
	if sim.lastWritten != nil && rvNewer(sim.lastWritten.ResourceVersion, pod.ResourceVersion) {
		base = sim.lastWritten
	}
	if pod.DeletionTimestamp != nil && !sim.Deleting {
		sim.Deleting = true
		klog.Infof("pod %s/%s (%s): deleted, stopping containers", pod.Namespace, pod.Name, uid)
	}
	next := sim.Advance(now)
	status := sim.BuildStatus(base, now)
	needDelete := sim.Deleting && !sim.DeleteSent && (pod.DeletionGracePeriodSeconds == nil || *pod.DeletionGracePeriodSeconds != 0)
	c.mu.Unlock()

	if !next.IsZero() {
		c.queue.AddAfter(uid, next.Sub(now))
	}

	if !equality.Semantic.DeepEqual(status, base.Status) {
		upd := base.DeepCopy()
		upd.Status = status
		res, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{FieldManager: "simkubelet"})
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case apierrors.IsConflict(err):
			// the cache is behind: retry from a fresh copy
			fresh, gerr := c.client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
			if gerr == nil && fresh.UID == uid {
				c.mu.Lock()
				sim.lastWritten = fresh
				c.mu.Unlock()
			}
			return fmt.Errorf("update status: %w", err)
		case err != nil:
			if !needDelete {
				return fmt.Errorf("update status: %w", err)
			}
			klog.Warningf("pod %s/%s: update status: %v", pod.Namespace, pod.Name, err)
		default:
			c.mu.Lock()
			sim.lastWritten = res
			c.mu.Unlock()
			klog.V(2).Infof("pod %s/%s: phase %s %s", pod.Namespace, pod.Name, status.Phase, summary(status))
		}
	}

	if needDelete {
		zero := int64(0)
		err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: &zero,
			Preconditions:      &metav1.Preconditions{UID: &uid},
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("delete: %w", err)
		}
		c.mu.Lock()
		sim.DeleteSent = true
		c.mu.Unlock()
		klog.Infof("pod %s/%s (%s): containers stopped, deleted with grace period 0", pod.Namespace, pod.Name, uid)
	}
	return nil
}

func summary(st v1.PodStatus) string {
	s := ""
	one := func(cs v1.ContainerStatus) {
		switch {
		case cs.State.Running != nil:
			s += fmt.Sprintf(" %s=running", cs.Name)
		case cs.State.Terminated != nil:
			s += fmt.Sprintf(" %s=exited(%d)", cs.Name, cs.State.Terminated.ExitCode)
		case cs.State.Waiting != nil:
			s += fmt.Sprintf(" %s=%s", cs.Name, cs.State.Waiting.Reason)
		}
		if cs.RestartCount > 0 {
			s += fmt.Sprintf("[restarts %d]", cs.RestartCount)
		}
	}
	for _, cs := range st.InitContainerStatuses {
		one(cs)
	}
	for _, cs := range st.ContainerStatuses {
		one(cs)
	}
	return s
}

// withPod runs f on the simulated pod with the lock held and re-syncs the pod afterwards.
func (c *Controller) withPod(pod *v1.Pod, f func(sim *PodSim, now time.Time)) {
	node, _ := c.managed(pod.Spec.NodeName)
	c.mu.Lock()
	now := c.now()
	sim := c.pods[pod.UID]
	if sim == nil {
		ip := "127.0.0.1"
		if node != nil {
			ip = nodeIP(node)
		}
		sim = NewPodSim(pod, ip, now)
		c.pods[pod.UID] = sim
	}
	sim.Advance(now)
	f(sim, now)
	c.mu.Unlock()
	c.queue.Add(pod.UID)
}

// lookupPod finds a managed pod by namespace/name (and uid when given).
func (c *Controller) lookupPod(ns, name string, uid types.UID) (*v1.Pod, error) {
	pod, err := c.podLister.Pods(ns).Get(name)
	if err != nil {
		return nil, fmt.Errorf("pod does not exist")
	}
	if uid != "" && pod.UID != uid {
		return nil, fmt.Errorf("pod not found")
	}
	if _, ok := c.managed(pod.Spec.NodeName); !ok {
		return nil, fmt.Errorf("pod %s/%s is not on a node managed by simkubelet", ns, name)
	}
	return pod, nil
}
