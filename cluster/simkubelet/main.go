// simkubelet stands in for the kubelet of every kwok node: it simulates the
// containers of the pods bound to those nodes (status, restarts, completion,
// deletion) and serves the kubelet API's exec, port-forward and containerLogs
// endpoints, so that exec and port-forward requests really travel
// client -> kube-apiserver -> simkubelet. It never runs any command on this
// machine: exec and HTTP requests are interpreted against the simulated state.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "simkubelet: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("simkubelet", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster (required)")
	listen := fs.String("listen", "127.0.0.1:10250", "address of the kubelet API (HTTPS)")
	certFile := fs.String("tls-cert-file", "", "serving certificate (required)")
	keyFile := fs.String("tls-key-file", "", "serving key (required)")
	clientCA := fs.String("client-ca-file", "", "if set, clients must present a certificate signed by this CA")
	nodeLabel := fs.String("node-label", "type=kwok", "label selector of the nodes whose pods simkubelet runs")
	recordFile := fs.String("record", "", "append one JSON line per exec / port-forward request to this file")
	workers := fs.Int("workers", 4, "number of pod sync workers")
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	fs.Var(klogFlags.Lookup("v").Value, "v", "log verbosity")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *kubeconfig == "" || *certFile == "" || *keyFile == "" {
		return fmt.Errorf("--kubeconfig, --tls-cert-file and --tls-key-file are required")
	}
	sel, err := labels.Parse(*nodeLabel)
	if err != nil {
		return fmt.Errorf("--node-label: %v", err)
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	cfg.UserAgent = "simkubelet"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}

	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		return fmt.Errorf("serving certificate: %v", err)
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
	if *clientCA != "" {
		pem, err := os.ReadFile(*clientCA)
		if err != nil {
			return fmt.Errorf("--client-ca-file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--client-ca-file: no certificate found in %s", *clientCA)
		}
		tlsCfg.ClientCAs = pool
		tlsCfg.ClientAuth = tls.VerifyClientCertIfGiven
	}

	rec, err := NewRecorder(*recordFile)
	if err != nil {
		return fmt.Errorf("--record: %v", err)
	}
	defer rec.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	ctrl := NewController(client, sel)
	srv := &Server{ctrl: ctrl, rec: rec, requireCN: *clientCA != ""}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen: %v", err)
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		TLSConfig:         tlsCfg,
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){}, // HTTP/1.1 only: streams upgrade
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          nil,
	}
	srvErr := make(chan error, 1)
	go func() { srvErr <- httpSrv.Serve(tls.NewListener(ln, tlsCfg)) }()

	ctrlErr := make(chan error, 1)
	go func() { ctrlErr <- ctrl.Run(ctx, *workers) }()

	clientAuth := "no client certificate required"
	if *clientCA != "" {
		clientAuth = "client certificates verified against " + *clientCA
	}
	klog.Infof("simkubelet: kubelet API on https://%s (%s); simulating pods on nodes matching %q; api server %s; record %q",
		ln.Addr(), clientAuth, sel.String(), cfg.Host, *recordFile)

	select {
	case <-ctx.Done():
		klog.Infof("simkubelet: signal received, shutting down")
	case err := <-srvErr:
		stop()
		return fmt.Errorf("kubelet API server: %v", err)
	case err := <-ctrlErr:
		if err != nil {
			stop()
			return err
		}
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = httpSrv.Shutdown(shutCtx)
	select {
	case <-ctrlErr:
	case <-time.After(3 * time.Second):
	}
	klog.Infof("simkubelet: stopped")
	klog.Flush()
	return nil
}
