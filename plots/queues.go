package plots

import (
	"github.com/forkcast/forkcast/results"
)

// queuesFigure shows connections waiting in the listen backlog (no free
// Apache worker) and requests waiting for a mod_wsgi daemon process.
func queuesFigure(run results.Run) *figure {
	s, rows := run.Summary, run.Rows
	f := newFigure("queues")
	x := midTimes(s, rows)
	end := endTime(s, rows)

	p := newPlot(title("Requests waiting in queues", s), timeLabel, "waiting (connections or requests)")
	listen := column(rows, "listen_queue")
	l := line(xys(x, listen), blue, nil)
	p.Add(l)
	f.legend.Add("listen backlog", l)
	ymax := maxOf(listen)
	daemon := column(rows, "daemon_queue")
	if s.Mode != "embedded" || anyNonZero(daemon) {
		d := line(xys(x, daemon), vermilion, dashed)
		p.Add(d)
		f.legend.Add("daemon queue", d)
		ymax = max(ymax, maxOf(daemon))
	}
	p.X.Min, p.X.Max = 0, end
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 1)
	return f
}
