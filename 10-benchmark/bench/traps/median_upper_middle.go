//go:build ignore

// Exercise 2: taking the upper of the two middle ratios as the median of an even number of rounds, where it is their mean

package bench

import "slices"

func pairedRatio(ours, theirs []float64) Spread {
	ratios := make([]float64, len(ours))
	for r := range ours {
		ratios[r] = ours[r] / theirs[r]
	}
	slices.Sort(ratios)
	return Spread{Median: ratios[len(ratios)/2], Min: ratios[0], Max: ratios[len(ratios)-1]}
}
