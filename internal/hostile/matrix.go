package hostile

import (
	"bufio"
	"io"
	"strconv"
)

// pointsPerSeries is the number of points of each series WriteMatrix writes.
const pointsPerSeries = 1000

// seriesValues is the "values" member every series of WriteMatrix shares:
// 1,000 points 15 seconds apart from 1795634220 (the recorded fixtures'
// START), with values that cycle through 0.25 ... 96.25.
var seriesValues = func() []byte {
	b := []byte(`"values":[`)
	for j := range pointsPerSeries {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, 1795634220+15*int64(j), 10)
		b = append(b, `,"`...)
		b = strconv.AppendInt(b, int64(j%97), 10)
		b = append(b, `.25"]`...)
	}
	return append(b, "]}"...)
}()

// WriteMatrix writes a valid matrix answer of at least size bytes (at most
// one series more): series of 1,000 points each, for pods named like stable
// pods of the rollout web (web-7c9d5b6f4d-0000000, ...). It is written as it
// goes, so a 100 MB answer costs the server no memory.
func WriteMatrix(w io.Writer, size int64) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := int64(0)
	write := func(b []byte) {
		m, _ := bw.Write(b)
		n += int64(m)
	}
	write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[`))
	var head []byte
	for i := 0; n < size; i++ {
		head = head[:0]
		if i > 0 {
			head = append(head, ',')
		}
		head = append(head, `{"metric":{"namespace":"shop","pod":"web-7c9d5b6f4d-`...)
		head = append(head, []byte(strconv.Itoa(10_000_000 + i))[1:]...)
		head = append(head, `"},`...)
		write(head)
		write(seriesValues)
		if _, err := bw.Write(nil); err != nil {
			return err
		}
	}
	write([]byte("]}}"))
	return bw.Flush()
}
