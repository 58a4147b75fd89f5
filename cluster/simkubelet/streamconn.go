package main

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// streamConn turns a port-forward data stream into a net.Conn with working read
// deadlines (net/http relies on them to abort its background read), so that one
// forwarded connection can be served by a net/http server.
type streamConn struct {
	s      io.ReadWriteCloser
	local  net.Addr
	remote net.Addr

	chunks  chan []byte
	readErr error // set before chunks is closed
	buf     []byte

	mu       sync.Mutex
	deadline time.Time
	dlChange chan struct{}

	wmu       sync.Mutex
	closeOnce sync.Once
	done      chan struct{}
}

func newStreamConn(s io.ReadWriteCloser, port int32, remotePort int) *streamConn {
	c := &streamConn{
		s:        s,
		local:    &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(port)},
		remote:   &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: remotePort},
		chunks:   make(chan []byte),
		dlChange: make(chan struct{}),
		done:     make(chan struct{}),
	}
	go c.pump()
	return c
}

func (c *streamConn) pump() {
	defer close(c.chunks)
	for {
		b := make([]byte, 32*1024)
		n, err := c.s.Read(b)
		if n > 0 {
			select {
			case c.chunks <- b[:n]:
			case <-c.done:
				return
			}
		}
		if err != nil {
			c.readErr = err
			return
		}
	}
}

func (c *streamConn) Read(p []byte) (int, error) {
	if len(c.buf) > 0 {
		n := copy(p, c.buf)
		c.buf = c.buf[n:]
		return n, nil
	}
	for {
		c.mu.Lock()
		dl, changed := c.deadline, c.dlChange
		c.mu.Unlock()
		var timeout <-chan time.Time
		var timer *time.Timer
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return 0, os.ErrDeadlineExceeded
			}
			timer = time.NewTimer(d)
			timeout = timer.C
		}
		stop := func() {
			if timer != nil {
				timer.Stop()
			}
		}
		select {
		case b, ok := <-c.chunks:
			stop()
			if !ok {
				if c.readErr == nil || c.readErr == io.EOF {
					return 0, io.EOF
				}
				return 0, c.readErr
			}
			n := copy(p, b)
			c.buf = b[n:]
			return n, nil
		case <-timeout:
			return 0, os.ErrDeadlineExceeded
		case <-changed:
			stop()
			continue
		case <-c.done:
			stop()
			return 0, net.ErrClosed
		}
	}
}

func (c *streamConn) Write(p []byte) (int, error) {
	select {
	case <-c.done:
		return 0, net.ErrClosed
	default:
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.s.Write(p)
}

func (c *streamConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		_ = c.s.Close()
	})
	return nil
}

func (c *streamConn) LocalAddr() net.Addr  { return c.local }
func (c *streamConn) RemoteAddr() net.Addr { return c.remote }
func (c *streamConn) SetDeadline(t time.Time) error {
	return c.SetReadDeadline(t)
}
func (c *streamConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	close(c.dlChange)
	c.dlChange = make(chan struct{})
	c.mu.Unlock()
	return nil
}
func (c *streamConn) SetWriteDeadline(time.Time) error { return nil }

// oneConnListener hands out a single connection, then blocks until closed.
type oneConnListener struct {
	conn   net.Conn
	once   sync.Once
	closed chan struct{}
	cOnce  sync.Once
}

func newOneConnListener(c net.Conn) *oneConnListener {
	return &oneConnListener{conn: c, closed: make(chan struct{})}
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = l.conn })
	if c != nil {
		return c, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.cOnce.Do(func() { close(l.closed) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return l.conn.LocalAddr() }
