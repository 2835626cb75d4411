//go:build ignore

// Exercise 2: dividing the median of our rounds by the median of Redis's, which pairs figures from different rounds

package bench

import "slices"

func pairedRatio(ours, theirs []float64) Spread {
	mid := func(v []float64) float64 {
		s := slices.Sorted(slices.Values(v))
		if len(s)%2 == 0 {
			return (s[len(s)/2-1] + s[len(s)/2]) / 2
		}
		return s[len(s)/2]
	}
	lo, hi := slices.Min(ours)/slices.Max(theirs), slices.Max(ours)/slices.Min(theirs)
	return Spread{Median: mid(ours) / mid(theirs), Min: lo, Max: hi}
}
