package plots

// queuesFigure shows connections waiting in the listen backlog (no free
// Apache worker) and requests waiting for a mod_wsgi daemon process.
func queuesFigure(v view) *figure {
	s := v.s
	f := newFigure("queues")
	rows := v.rows(qListen, qDaemonWait)
	x := v.ax.mid(s, rows)

	p := newPlot(title("Requests waiting in queues", s), v.ax.label(), "waiting (connections or requests)")
	listen := column(rows, "listen_queue")
	l := line(xys(x, listen), blue, nil)
	p.Add(l)
	f.series("listen backlog", blue, l)
	ymax := maxOf(listen)
	daemon := column(rows, "daemon_queue")
	if s.Mode != "embedded" || anyNonZero(daemon) {
		d := line(xys(x, daemon), vermilion, dashed)
		p.Add(d)
		f.series("daemon queue", vermilion, d)
		ymax = max(ymax, maxOf(daemon))
	}
	p.X.Min, p.X.Max = 0, v.end
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 1)
	return f
}
