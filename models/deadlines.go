package models

import "github.com/forkcast/forkcast/sim"

// deadlines are a population's client timeouts: a request is given up
// client_timeout after it was sent, unless answered first. Every client of
// a population waits the same client_timeout, so the deadlines fall due in
// the order the requests were sent, and they are kept as the kernel's
// deferred set is (deferExpired): a FIFO under one timer, set for its
// earliest live deadline. An answered request's entry is marked stale in
// place (its client knows where it is) rather than taken out of the
// calendar, as a timer per request would be, an insertion and a removal
// per request; it is skipped when it comes to the front, and the entries
// are swept (the live ones moved, in order, to the front of the array)
// once the stale ones outnumber the live ones three to one or those gone
// from the front fill half the array, so the queue's memory stays
// proportional to the requests in flight (32 bytes an entry). The hour at
// 500 requests/s (BenchmarkRunHour) runs 2% faster so.
//
// Each entry holds the ticket its request's own timer would have taken
// (sim.Ticket), so an expiry fires where that timer would have among the
// others due at the same instant, and every other timer keeps its sequence
// number: runs are the same, event for event, as with a timer per request,
// but for the queue's timer firing now and then for a stale entry at the
// front, which does nothing.
type deadlines struct {
	items []deadline // in the order armed, from head; a stale entry's c is nil
	head  int
	live  int // entries whose client still waits for them
	t     sim.Timer
}

// A deadline is client c's timeout for its outstanding request, with the
// ticket the request's own timer would have taken. c.deadline is the
// entry's index in items, plus one, while c waits for it.
type deadline struct {
	at     sim.Time
	c      *client
	ticket sim.Ticket
}

// deadlineSweep is the queue's length below which stale entries are left
// to go at the front.
const deadlineSweep = 64

// arm gives c's outstanding request its deadline, d from now; a deadline c
// was waiting for goes stale.
func (dl *deadlines) arm(s *sim.Sim, c *client, d sim.Time) {
	dl.stop(c)
	if n := len(dl.items); n >= deadlineSweep && (n-dl.head >= 4*dl.live || 2*dl.head >= n) {
		dl.sweep()
	}
	e := deadline{s.Later(d), c, s.Ticket()}
	dl.items = append(dl.items, e)
	c.deadline = len(dl.items)
	dl.live++
	if !dl.t.Pending() {
		dl.t.ResetAtTicket(e.at, e.ticket)
	}
}

// stop cancels c's deadline, if it waits for one: its entry goes stale.
func (dl *deadlines) stop(c *client) {
	if c.deadline != 0 {
		dl.items[c.deadline-1].c = nil
		c.deadline = 0
		dl.live--
	}
}

// sweep moves the live entries, in their order, to the front of items,
// dropping the stale ones and those already gone from the front.
func (dl *deadlines) sweep() {
	live := dl.items[:0]
	for _, e := range dl.items[dl.head:] {
		if e.c != nil {
			live = append(live, e)
			e.c.deadline = len(live)
		}
	}
	clear(dl.items[len(live):])
	dl.items, dl.head = live, 0
}

// expire gives up the request whose deadline is now and sets the timer for
// the next live one, even if it is due now too: its ticket puts it after
// any other timer due now that was scheduled before it was sent.
func (pop *population) expire() {
	dl := &pop.deadlines
	now, due := pop.s.sim.Now(), true
	for dl.head < len(dl.items) {
		e := dl.items[dl.head]
		if e.c == nil {
			dl.head++ // answered, or sent again
			continue
		}
		if e.at > now || !due {
			dl.t.ResetAtTicket(e.at, e.ticket)
			return
		}
		dl.stop(e.c)
		dl.head++ // before giveUp, which might arm (and sweep)
		e.c.giveUp()
		due = false
	}
	dl.items, dl.head = dl.items[:0], 0
}
