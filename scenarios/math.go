package scenarios

import "math"

func sin2pi(x float64) float64 { return math.Sin(2 * math.Pi * x) }
