package runtime

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/workload"
)

// keepAliveServer answers one request on its first connection with a kept-
// alive response, closes its side closeAfter later (as Apache does at
// KeepAliveTimeout), and reports how long the client then took to close
// its own: Apache's lingering close waits that long.
func keepAliveServer(t *testing.T, closeAfter time.Duration) (addr string, linger <-chan time.Duration) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	out := make(chan time.Duration, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
		}
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\nok"))
		time.Sleep(closeAfter)
		c.(*net.TCPConn).CloseWrite()
		closed := time.Now()
		c.SetReadDeadline(closed.Add(2 * time.Second)) // ap_lingering_close's SECONDS_TO_LINGER
		var buf [512]byte
		for {
			if _, err := c.Read(buf[:]); err != nil {
				break
			}
		}
		out <- time.Since(closed)
	}()
	return l.Addr().String(), out
}

// A client idle between requests — thinking, or waiting for a replayed
// log's next request — closes its side as soon as Apache closes the
// connection, as a browser does, so a lingering close costs Apache a round
// trip and not 2 s of a worker.
func TestIdleClientClosesWhenTheServerDoes(t *testing.T) {
	t.Run("think time", func(t *testing.T) {
		addr, linger := keepAliveServer(t, 100*time.Millisecond)
		g := &generator{addr: addr, host: addr, t0: time.Now(), conns: map[net.Conn]struct{}{}}
		client := &scenarios.Client{ClientTimeout: scenarios.Duration{Duration: 5 * time.Second}}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		reqs := []PlannedRequest{{Path: "/"}, {Path: "/", Think: 3 * time.Second}}
		go g.visit(ctx, 1, "p", client, reqs, time.Hour)
		select {
		case d := <-linger:
			assert.Less(t, d, 500*time.Millisecond, "Apache would linger %v", d)
		case <-time.After(2500 * time.Millisecond):
			t.Fatal("the thinking client never closed the connection Apache closed")
		}
	})
	t.Run("replayed log", func(t *testing.T) {
		addr, linger := keepAliveServer(t, 100*time.Millisecond)
		g := &generator{addr: addr, host: addr, t0: time.Now(), conns: map[net.Conn]struct{}{}}
		client := &scenarios.Client{ClientTimeout: scenarios.Duration{Duration: 5 * time.Second}}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		q := &connQueue{wake: make(chan struct{}, 1)}
		q.push(PlannedRequest{Path: "/"}, false) // the log goes on: the connection stays open
		g.wg.Add(1)
		g.open.Add(1)
		go g.replayConn(ctx, 1, &workload.Population{Name: "log", Client: client, Stop: time.Hour}, q)
		select {
		case d := <-linger:
			assert.Less(t, d, 500*time.Millisecond, "Apache would linger %v", d)
		case <-time.After(2500 * time.Millisecond):
			t.Fatal("the replaying client never closed the connection Apache closed")
		}
		cancel()
		g.wg.Wait()
	})
}
