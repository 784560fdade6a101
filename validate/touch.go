package validate

import (
	"fmt"
	"strings"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// A step of the touch probe is cold when it cost more than touchColdRatio
// times the warm steps, and the memory the host backs has run out at the
// first of touchColdRun cold steps in a row (one dear step alone is the
// machine's noise: a burst of another tenant, a page-table allocation).
const (
	touchWarmSteps = 5
	touchColdRatio = 2.0
	touchColdRun   = 3
)

// deriveTouch reads the touch probe (docs/model.md §8.5): the CPU per MiB
// of a first touch while the host backs the memory (the median of the
// first steps), and, once touchColdRun steps in a row cost more than
// touchColdRatio times that, the median of the steps from there on and the
// memory touched before them: what the host still backed. Without such a
// run, cold costs what warm does (no extra cost), and warm is all that was
// touched.
func deriveTouch(s TouchSample) (warm, cold time.Duration, pool scenarios.Size) {
	if s.Step <= 0 || len(s.CPU) == 0 {
		return 0, 0, 0
	}
	perMiB := make([]float64, len(s.CPU))
	for i, c := range s.CPU {
		perMiB[i] = float64(c) * float64(scenarios.MiB) / float64(s.Step)
	}
	w := median(perMiB[:min(touchWarmSteps, len(perMiB))])
	warm = time.Duration(w)
	for k := 1; k+touchColdRun <= len(perMiB); k++ {
		run := true
		for _, c := range perMiB[k : k+touchColdRun] {
			run = run && c > touchColdRatio*w
		}
		if run {
			return warm, time.Duration(median(perMiB[k:])), scenarios.Size(int64(k) * s.Step)
		}
	}
	return warm, warm, scenarios.Size(int64(len(perMiB)) * s.Step)
}

// touchNote says what the touch probe measured, step by step.
func touchNote(s TouchSample, p Profile) string {
	var b strings.Builder
	for i, c := range s.CPU {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.2f", float64(c)/float64(time.Millisecond)*float64(scenarios.MiB)/float64(max(1, s.Step)))
	}
	verdict := fmt.Sprintf("no dearer run of steps: memory_touch_cold_cpu = memory_touch_cpu (no extra cost), at least %s warm", p.MemoryWarm)
	if p.MemoryTouchColdCPU > p.MemoryTouchCPU {
		verdict = fmt.Sprintf("%v per MiB while the host backs it, %v beyond the first %s", p.MemoryTouchCPU, p.MemoryTouchColdCPU, p.MemoryWarm)
	}
	return fmt.Sprintf("first touches of fresh memory, one process, %s a step, ms of CPU per MiB: %s; %s",
		scenarios.Size(s.Step), b.String(), verdict)
}
