package hostile

import (
	"bufio"
	"fmt"
	"io"
)

// WriteMatrix writes a valid matrix answer of about size bytes (within one
// series' worth): series of 1,000 points each, for pods named like stable
// pods of the rollout web, at 15-second steps. It is written as it goes, so
// a 100 MB answer costs the server no memory.
func WriteMatrix(w io.Writer, size int64) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := &countingWriter{w: bw}
	fmt.Fprint(cw, `{"status":"success","data":{"resultType":"matrix","result":[`)
	for i := 0; cw.n < size; i++ {
		if i > 0 {
			fmt.Fprint(cw, ",")
		}
		fmt.Fprintf(cw, `{"metric":{"namespace":"shop","pod":"web-7c9d5b6f4d-%07d"},"values":[`, i)
		for j := range 1000 {
			if j > 0 {
				fmt.Fprint(cw, ",")
			}
			fmt.Fprintf(cw, `[%d,"%d.25"]`, 1795634220+15*j, j%97)
		}
		fmt.Fprint(cw, "]}")
		if cw.err != nil {
			return cw.err
		}
	}
	fmt.Fprint(cw, "]}}")
	if cw.err != nil {
		return cw.err
	}
	return bw.Flush()
}

// countingWriter counts the bytes written and keeps the first error.
type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
