package app

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
)

// certFiles serves the certificate of a certificate and key file pair,
// loading them again when either changes (cert-manager and Secret volumes
// rotate them in place).
type certFiles struct {
	certPath, keyPath string

	mu                sync.Mutex
	certInfo, keyInfo os.FileInfo
	cert              *tls.Certificate
}

func newCertFiles(certPath, keyPath string) (*certFiles, error) {
	c := &certFiles{certPath: certPath, keyPath: keyPath}
	if _, err := c.get(nil); err != nil {
		return nil, err
	}
	return c, nil
}

// get returns the current certificate. When the files changed but no
// longer load (a rotation half done), it keeps serving the previous one.
func (c *certFiles) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ci, cerr := os.Stat(c.certPath)
	ki, kerr := os.Stat(c.keyPath)
	if cerr == nil && kerr == nil && c.cert != nil && same(c.certInfo, ci) && same(c.keyInfo, ki) {
		return c.cert, nil
	}
	cert, err := tls.LoadX509KeyPair(c.certPath, c.keyPath)
	if err != nil {
		if c.cert != nil {
			return c.cert, nil
		}
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	c.cert, c.certInfo, c.keyInfo = &cert, ci, ki
	return c.cert, nil
}

// same says whether two stats are of the same, unchanged file.
func same(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}
