package models

import (
	"fmt"
	"os"
	"testing"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

func TestDevRun(t *testing.T) {
	path := os.Getenv("FC_SCENARIO")
	if path == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(path)
	sc, err := scenarios.Parse(path, data, os.Getenv("FC_VARIANT"))
	if err != nil {
		t.Fatal(err)
	}
	run, err := Simulate(sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range run.Rows {
		fmt.Printf("t=%3.0f ch=%6.1f st=%5.1f idle=%5.1f busy=%5.1f imp=%5.1f ka=%5.1f cl=%4.1f lq=%6.1f pss=%7.1f cpu=%.2f arr=%4.0f ok=%4.0f fail=%3.0f sp=%2.0f k=%1.0f p50=%7.1f p99=%7.1f\n",
			r.TimeS, r.ApacheChildren, r.Starting, r.Idle, r.Busy, r.Importing, r.KeepAlive, r.Closing, r.ListenQueue, r.PSSMB, r.CPUUtil, r.Arrivals, r.Completions, r.Failures, r.Spawns, r.Kills, r.LatencyP50MS, r.LatencyP99MS)
	}
	fmt.Printf("%+v\n", run.Summary)
	for _, l := range run.Log {
		fmt.Println(l.Format(results.SimulatorEpoch))
	}
}
