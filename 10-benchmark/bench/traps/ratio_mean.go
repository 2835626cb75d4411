//go:build ignore

// Exercise 2: taking the mean of the rounds' ratios, which one odd round drags, where the median holds

package bench

import "slices"

func pairedRatio(ours, theirs []float64) Spread {
	ratios := make([]float64, len(ours))
	sum := 0.0
	for r := range ours {
		ratios[r] = ours[r] / theirs[r]
		sum += ratios[r]
	}
	return Spread{Median: sum / float64(len(ratios)), Min: slices.Min(ratios), Max: slices.Max(ratios)}
}
