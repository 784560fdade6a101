package validate

import (
	"fmt"
	"strings"
	"time"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// firstTouches is the touch probe's sample as results records it.
func firstTouches(s TouchSample) results.FirstTouches {
	f := results.FirstTouches{StepMiB: float64(s.Step) / float64(scenarios.MiB)}
	for _, c := range s.CPU {
		f.MSPerMiB = append(f.MSPerMiB, float64(c)/float64(time.Millisecond)/max(f.StepMiB, 1e-9))
	}
	return f
}

// deriveTouch reads the touch probe (docs/model.md §8.5,
// results.FirstTouches.Split): the CPU per MiB of a first touch while the
// host backs the memory, beyond it, and how much it backed. Without a run
// of dear steps, cold costs what warm does (no extra cost), and warm is all
// that was touched.
func deriveTouch(s TouchSample) (warm, cold time.Duration, pool scenarios.Size) {
	if s.Step <= 0 || len(s.CPU) == 0 {
		return 0, 0, 0
	}
	w, c, mib, _ := firstTouches(s).Split()
	ms := func(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }
	return ms(w), ms(c), scenarios.Size(mib * float64(scenarios.MiB))
}

// touchNote says what the touch probe measured, step by step.
func touchNote(s TouchSample, p Profile) string {
	var b strings.Builder
	for i, c := range firstTouches(s).MSPerMiB {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.2f", c)
	}
	verdict := fmt.Sprintf("no dearer run of steps: memory_touch_cold_cpu = memory_touch_cpu (no extra cost), at least %s warm", p.MemoryWarm)
	if p.MemoryTouchColdCPU > p.MemoryTouchCPU {
		verdict = fmt.Sprintf("%v per MiB while the host backs it, %v beyond the first %s", p.MemoryTouchCPU, p.MemoryTouchColdCPU, p.MemoryWarm)
	}
	return fmt.Sprintf("first touches of fresh memory, one process, %s a step, ms of CPU per MiB: %s; %s",
		scenarios.Size(s.Step), b.String(), verdict)
}
