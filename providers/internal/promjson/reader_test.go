package promjson

import (
	"bytes"
	"io"
)

// bytesReader reads b.
func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
