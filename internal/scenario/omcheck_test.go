package scenario

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// omSample is one parsed sample line.
type omSample struct {
	name   string
	labels map[string]string
	value  float64
	ts     int64
}

// omSeries is every sample of one series, in file order.
type omSeries struct {
	name   string
	labels map[string]string
	values []float64
	ts     []int64
}

// omFile is a parsed OpenMetrics file.
type omFile struct {
	types  map[string]string    // family -> type
	series map[string]*omSeries // series key -> samples
}

func seriesKey(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		b.WriteString(",")
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(labels[k])
	}
	return b.String()
}

// parseSample parses `name{k="v",...} value ts`.
func parseSample(line string) (omSample, error) {
	var s omSample
	open := strings.IndexByte(line, '{')
	if open <= 0 {
		return s, fmt.Errorf("no label set")
	}
	s.name = line[:open]
	s.labels = map[string]string{}
	i := open + 1
	for line[i] != '}' {
		eq := strings.IndexByte(line[i:], '=')
		if eq <= 0 || line[i+eq+1] != '"' {
			return s, fmt.Errorf("bad label at %d", i)
		}
		key := line[i : i+eq]
		j := i + eq + 2
		var val strings.Builder
		for ; line[j] != '"'; j++ {
			if line[j] == '\\' {
				j++
			}
			val.WriteByte(line[j])
		}
		if _, dup := s.labels[key]; dup {
			return s, fmt.Errorf("duplicate label %s", key)
		}
		s.labels[key] = val.String()
		i = j + 1
		if line[i] == ',' {
			i++
		}
	}
	rest := strings.Fields(line[i+1:])
	if len(rest) != 2 {
		return s, fmt.Errorf("want value and timestamp, got %q", line[i+1:])
	}
	v, err := strconv.ParseFloat(rest[0], 64)
	if err != nil {
		return s, err
	}
	ts, err := strconv.ParseInt(rest[1], 10, 64)
	if err != nil {
		return s, fmt.Errorf("timestamp %q is not whole Unix seconds: %w", rest[1], err)
	}
	s.value, s.ts = v, ts
	return s, nil
}

// validSuffix reports whether a sample name belongs to a family of a type.
func validSuffix(family, typ, name string) bool {
	switch typ {
	case "counter":
		return name == family+"_total"
	case "gauge":
		return name == family
	case "histogram":
		return name == family+"_bucket" || name == family+"_count" || name == family+"_sum"
	}
	return false
}

// parseOpenMetrics parses data and checks the OpenMetrics rules the
// generator must keep:
//   - HELP and TYPE precede a family's samples; each family appears once;
//   - sample names carry the suffix their family type requires (a counter
//     family is declared without _total, its samples have it);
//   - a series' timestamps strictly increase and its samples are contiguous
//     groups (no metric interleaved with another of the same family);
//   - a histogram point at one timestamp lists its buckets with ascending
//     le, non-decreasing values, ends at le="+Inf", then _count equal to it,
//     then _sum;
//   - counter-like values are non-negative, bucket and count values integral;
//   - the file ends with "# EOF\n" and nothing follows.
func parseOpenMetrics(data []byte) (*omFile, error) {
	f := &omFile{types: map[string]string{}, series: map[string]*omSeries{}}
	if !bytes.HasSuffix(data, []byte("\n# EOF\n")) {
		return nil, fmt.Errorf("file does not end with # EOF")
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	var family, typ string
	seenGroups := map[string]bool{}
	lastGroup := ""
	// Histogram point state.
	var hGroup string
	var hTS int64
	var hLe, hCum float64
	hStage := 0 // 0 none, 1 buckets, 2 after +Inf, 3 after count
	endHist := func() error {
		if hStage != 0 {
			return fmt.Errorf("histogram point %s at %d is incomplete (stage %d)", hGroup, hTS, hStage)
		}
		hStage = 0
		return nil
	}
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d: %s: %q", lineNo, fmt.Sprintf(format, args...), line)
		}
		if line == "# EOF" {
			if sc.Scan() {
				return nil, fail("data after # EOF")
			}
			if err := endHist(); err != nil {
				return nil, err
			}
			break
		}
		if strings.HasPrefix(line, "# ") {
			parts := strings.SplitN(line, " ", 4)
			if len(parts) < 4 {
				return nil, fail("short metadata line")
			}
			switch parts[1] {
			case "HELP":
				if err := endHist(); err != nil {
					return nil, err
				}
				if _, dup := f.types[parts[2]]; dup || parts[2] == family {
					return nil, fail("family %s declared twice", parts[2])
				}
				family, typ = parts[2], ""
			case "TYPE":
				if parts[2] != family || typ != "" {
					return nil, fail("TYPE without its HELP")
				}
				typ = parts[3]
				f.types[family] = typ
			default:
				return nil, fail("unknown metadata")
			}
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return nil, fail("%v", err)
		}
		if typ == "" || !validSuffix(family, typ, s.name) {
			return nil, fail("sample %s does not belong to %s family %s", s.name, typ, family)
		}
		if s.value < 0 || math.IsNaN(s.value) {
			return nil, fail("negative or NaN value")
		}
		// Group: the labels without le, under the family.
		groupLabels := map[string]string{}
		for k, v := range s.labels {
			if k != "le" {
				groupLabels[k] = v
			}
		}
		group := seriesKey(family, groupLabels)
		if group != lastGroup {
			if seenGroups[group] {
				return nil, fail("metric %s interleaved with another", group)
			}
			seenGroups[group] = true
			lastGroup = group
		}
		key := seriesKey(s.name, s.labels)
		ser := f.series[key]
		if ser == nil {
			ser = &omSeries{name: s.name, labels: s.labels}
			f.series[key] = ser
		}
		if n := len(ser.ts); n > 0 && s.ts <= ser.ts[n-1] {
			return nil, fail("timestamp %d not after %d", s.ts, ser.ts[n-1])
		}
		ser.values = append(ser.values, s.value)
		ser.ts = append(ser.ts, s.ts)

		if typ != "histogram" {
			continue
		}
		switch s.name {
		case family + "_bucket":
			if s.value != math.Trunc(s.value) {
				return nil, fail("bucket value not integral")
			}
			le, err := strconv.ParseFloat(s.labels["le"], 64)
			if err != nil {
				return nil, fail("bad le")
			}
			if hStage == 0 || group != hGroup || s.ts != hTS {
				if err := endHist(); err != nil {
					return nil, err
				}
				hGroup, hTS, hStage, hLe, hCum = group, s.ts, 1, math.Inf(-1), 0
			}
			if hStage != 1 || le <= hLe || s.value < hCum {
				return nil, fail("bucket out of order")
			}
			hLe, hCum = le, s.value
			if math.IsInf(le, 1) {
				if s.labels["le"] != "+Inf" {
					return nil, fail("+Inf bucket spelled %q", s.labels["le"])
				}
				hStage = 2
			}
		case family + "_count":
			if hStage != 2 || group != hGroup || s.ts != hTS || s.value != hCum {
				return nil, fail("_count does not follow its +Inf bucket with the same value")
			}
			hStage = 3
		case family + "_sum":
			if hStage != 3 || group != hGroup || s.ts != hTS {
				return nil, fail("_sum does not follow _count")
			}
			hStage = 0
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return f, nil
}
