package sim

import (
	"fmt"
	"math/bits"
)

// check verifies the calendar's invariants: every timer due at or after
// last, in the bucket of the highest bit in which its instant differs
// from last, located where at says, and the count and bitmap right.
func (c *calendar) check() error {
	n := 0
	for b, bk := range c.buckets {
		for i, e := range bk {
			n++
			switch {
			case c.at[e.slot()] != uint32(b<<24|i):
				return fmt.Errorf("slot %d located at %x, found in bucket %d at %d", e.slot(), c.at[e.slot()], b, i)
			case e.at < c.last:
				return fmt.Errorf("timer due at %v before last %v", e.at, c.last)
			case bits.Len64(uint64(e.at^c.last)) != b:
				return fmt.Errorf("timer due at %v in bucket %d, last %v", e.at, b, c.last)
			}
		}
		if (len(bk) > 0) != (c.used&(1<<b) != 0) {
			return fmt.Errorf("bucket %d holds %d, its bit disagrees", b, len(bk))
		}
	}
	if n != c.n {
		return fmt.Errorf("count %d, found %d", c.n, n)
	}
	return nil
}
