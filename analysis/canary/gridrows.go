package canary

import (
	"math"
	"slices"
)

// rowRange returns [from, to).
func rowRange(from, to int) []int {
	out := make([]int, 0, to-from)
	for r := from; r < to; r++ {
		out = append(out, r)
	}
	return out
}

// without returns the rows of all that are not in drop.
func without(all, drop []int) []int {
	var out []int
	for _, r := range all {
		if !slices.Contains(drop, r) {
			out = append(out, r)
		}
	}
	return out
}

// countPresent counts the present samples of the given rows.
func countPresent(present [][]bool, rows []int) int {
	n := 0
	for _, r := range rows {
		for _, ok := range present[r] {
			if ok {
				n++
			}
		}
	}
	return n
}

// presentValues returns, per grid row, whether the value is present (not
// NaN).
func presentValues(y [][]float64) [][]bool {
	out := make([][]bool, len(y))
	for r, row := range y {
		out[r] = make([]bool, len(row))
		for i, v := range row {
			out[r][i] = !math.IsNaN(v)
		}
	}
	return out
}

// firstPresent returns the index of the first true in row, or -1.
func firstPresent(row []bool) int {
	for i, ok := range row {
		if ok {
			return i
		}
	}
	return -1
}

// clonePresent copies a presence mask.
func clonePresent(present [][]bool) [][]bool {
	out := make([][]bool, len(present))
	for r := range present {
		out[r] = slices.Clone(present[r])
	}
	return out
}
