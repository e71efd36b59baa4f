package analysis

import (
	"encoding/json"
	"fmt"
	"math"
)

// refNum is a reference number written by the R and SciPy generators in
// testdata/: a JSON number, or one of the strings "NaN", "Inf", "-Inf"
// (JSON has no such numbers).
type refNum float64

func (r *refNum) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch s {
		case "NaN":
			*r = refNum(math.NaN())
		case "Inf":
			*r = refNum(math.Inf(1))
		case "-Inf":
			*r = refNum(math.Inf(-1))
		default:
			return fmt.Errorf("unknown reference number %q", s)
		}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*r = refNum(f)
	return nil
}
