// Package cluster starts etcd and kube-apiserver, built from source, on
// 127.0.0.1 with freshly generated certificates, for the conformance run.
package cluster

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
)

// Cluster is a running etcd + kube-apiserver pair.
type Cluster struct {
	Dir    string // working directory: certificates, etcd data, logs
	Config *rest.Config
	URL    string

	etcd, apiserver *exec.Cmd
	pki             pkiFiles
}

// Options says where the binaries are and where to work.
type Options struct {
	BinDir  string // holds kube-apiserver and etcd
	WorkDir string // created if missing; removed by Stop unless Keep
	Keep    bool
	Log     func(format string, args ...any)
}

// Start generates certificates, starts etcd and kube-apiserver, and waits
// until the API server is ready.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
		return nil, err
	}
	c := &Cluster{Dir: o.WorkDir}
	pki, err := writePKI(filepath.Join(o.WorkDir, "pki"))
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	c.pki = pki
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdClient := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	etcdPeer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	c.etcd, err = startProcess(filepath.Join(o.BinDir, "etcd"), filepath.Join(o.WorkDir, "etcd.log"),
		"--name=e2e",
		"--data-dir="+filepath.Join(o.WorkDir, "etcd-data"),
		"--listen-client-urls="+etcdClient,
		"--advertise-client-urls="+etcdClient,
		"--listen-peer-urls="+etcdPeer,
		"--initial-advertise-peer-urls="+etcdPeer,
		"--initial-cluster=e2e="+etcdPeer,
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	)
	if err != nil {
		return nil, fmt.Errorf("etcd: %w", err)
	}
	if err := waitHTTP(ctx, etcdClient+"/health", nil, 30*time.Second); err != nil {
		c.Stop()
		return nil, fmt.Errorf("etcd did not become healthy (see %s): %w", filepath.Join(o.WorkDir, "etcd.log"), err)
	}
	o.Log("etcd ready on %s", etcdClient)

	c.URL = fmt.Sprintf("https://127.0.0.1:%d", ports[2])
	c.apiserver, err = startProcess(filepath.Join(o.BinDir, "kube-apiserver"), filepath.Join(o.WorkDir, "kube-apiserver.log"),
		"--etcd-servers="+etcdClient,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(ports[2]),
		"--tls-cert-file="+pki.serverCert,
		"--tls-private-key-file="+pki.serverKey,
		"--client-ca-file="+pki.caCert,
		"--service-account-key-file="+pki.saPub,
		"--service-account-signing-key-file="+pki.saKey,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--authorization-mode=RBAC",
		"--endpoint-reconciler-type=none",
		// As kubeadm, kind and managed clusters run it: privileged
		// containers are a cluster policy question, not validity.
		"--allow-privileged=true",
		// Admission plugins that need cluster state the harness does not
		// create (service accounts, quotas, limit ranges) stay off: kvet does
		// not claim to reproduce them (docs/conformance.md).
		"--disable-admission-plugins=ServiceAccount,ResourceQuota,LimitRanger,DefaultStorageClass,DefaultIngressClass,StorageObjectInUseProtection,PersistentVolumeClaimResize,RuntimeClass,Priority",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--v=0",
	)
	if err != nil {
		c.Stop()
		return nil, fmt.Errorf("kube-apiserver: %w", err)
	}
	c.Config = &rest.Config{
		Host: c.URL,
		TLSClientConfig: rest.TLSClientConfig{
			CAFile: pki.caCert, CertFile: pki.clientCert, KeyFile: pki.clientKey,
		},
		QPS: 500, Burst: 1000,
		// Server warnings (e.g. unparsable certificates in corpus Secrets)
		// are not verdicts.
		WarningHandler: rest.NoWarnings{},
		Timeout:        60 * time.Second,
	}
	tlsCfg, err := clientTLS(pki)
	if err != nil {
		c.Stop()
		return nil, err
	}
	if err := waitHTTP(ctx, c.URL+"/readyz", tlsCfg, 90*time.Second); err != nil {
		c.Stop()
		return nil, fmt.Errorf("kube-apiserver did not become ready (see %s): %w", filepath.Join(o.WorkDir, "kube-apiserver.log"), err)
	}
	o.Log("kube-apiserver ready on %s", c.URL)
	return c, nil
}

// Stop terminates the API server, then etcd.
func (c *Cluster) Stop() {
	for _, p := range []*exec.Cmd{c.apiserver, c.etcd} {
		stop(p)
	}
}

func stop(p *exec.Cmd) {
	if p == nil || p.Process == nil {
		return
	}
	_ = p.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.Process.Kill()
		<-done
	}
}

// WriteKubeconfig writes a kubeconfig for the system:masters client
// certificate, for processes the harness starts against the server (the
// Flux kustomize-controller).
func (c *Cluster) WriteKubeconfig(path string) error {
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: e2e
  user:
    client-certificate: %s
    client-key: %s
contexts:
- name: e2e
  context:
    cluster: e2e
    user: e2e
current-context: e2e
`, c.URL, c.pki.caCert, c.pki.clientCert, c.pki.clientKey)
	return os.WriteFile(path, []byte(kc), 0o600)
}

// StartProcess starts a binary of the harness with its output in logFile;
// it dies with the harness.
func StartProcess(bin, logFile string, env []string, args ...string) (*exec.Cmd, error) {
	return startProcessEnv(bin, logFile, env, args...)
}

// StopProcess terminates a process started by StartProcess.
func StopProcess(p *exec.Cmd) {
	stop(p)
}

func startProcess(bin, logFile string, args ...string) (*exec.Cmd, error) {
	return startProcessEnv(bin, logFile, nil, args...)
}

func startProcessEnv(bin, logFile string, env []string, args ...string) (*exec.Cmd, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s not built: %w", bin, err)
	}
	f, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = f, f
	// Die with the harness.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	return cmd, nil
}

func waitHTTP(ctx context.Context, url string, tlsCfg *tls.Config, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("%s: %s", url, resp.Status)
		} else {
			last = err
		}
		time.Sleep(200 * time.Millisecond)
	}
	return last
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

type pkiFiles struct {
	caCert, serverCert, serverKey, clientCert, clientKey, saKey, saPub string
}

func clientTLS(p pkiFiles) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(p.clientCert, p.clientKey)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(p.caCert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// writePKI creates a CA, a serving certificate for 127.0.0.1, a client
// certificate in group system:masters, and the service-account key pair.
func writePKI(dir string) (pkiFiles, error) {
	p := pkiFiles{
		caCert: filepath.Join(dir, "ca.crt"), serverCert: filepath.Join(dir, "server.crt"), serverKey: filepath.Join(dir, "server.key"),
		clientCert: filepath.Join(dir, "client.crt"), clientKey: filepath.Join(dir, "client.key"),
		saKey: filepath.Join(dir, "sa.key"), saPub: filepath.Join(dir, "sa.pub"),
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return p, err
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return p, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kvet-e2e-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return p, err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	if err := writePEM(p.caCert, "CERTIFICATE", caDER); err != nil {
		return p, err
	}
	issue := func(serial int64, subject pkix.Name, usage x509.ExtKeyUsage, ips []net.IP, dns []string, certFile, keyFile string) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: subject,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: ips, DNSNames: dns,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		kb, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return err
		}
		if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
			return err
		}
		return writePEM(keyFile, "EC PRIVATE KEY", kb)
	}
	if err := issue(2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth,
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")}, []string{"localhost", "kubernetes", "kubernetes.default.svc"}, p.serverCert, p.serverKey); err != nil {
		return p, err
	}
	if err := issue(3, pkix.Name{CommonName: "kvet-e2e", Organization: []string{"system:masters"}}, x509.ExtKeyUsageClientAuth,
		nil, nil, p.clientCert, p.clientKey); err != nil {
		return p, err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return p, err
	}
	if err := writePEM(p.saKey, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(saKey)); err != nil {
		return p, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return p, err
	}
	return p, writePEM(p.saPub, "PUBLIC KEY", pub)
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}
