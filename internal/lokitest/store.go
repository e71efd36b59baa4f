package lokitest

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// Entry is one stored log line. T is in Unix nanoseconds.
type Entry struct {
	T    int64
	Line string
}

// Stream is one stored stream: its labels and its entries in time order.
type Stream struct {
	Labels  model.LabelSet
	Entries []Entry
}

// Store holds the log streams of one tenant. The zero value is empty and
// ready to use; a Store is not safe for concurrent writes, but a Server only
// reads it.
type Store struct {
	streams map[model.Fingerprint]*Stream
}

// serviceNameSources is the order in which Loki's default
// discover_service_name looks for a label to copy into service_name.
var serviceNameSources = []model.LabelName{
	"service", "app", "application", "app_name", "name", "app_kubernetes_io_name",
	"container", "container_name", "k8s_container_name", "component", "workload",
	"job", "k8s_job_name",
}

// pushBody is the JSON body of Loki's /loki/api/v1/push.
type pushBody struct {
	Streams []struct {
		Stream map[string]string `json:"stream"`
		Values [][]any           `json:"values"`
	} `json:"streams"`
}

// LoadPush adds the streams of a Loki push body (JSON) to the store.
func (s *Store) LoadPush(r io.Reader) error {
	var body pushBody
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return fmt.Errorf("lokitest: decoding push body: %w", err)
	}
	for _, st := range body.Streams {
		ls := model.LabelSet{}
		for k, v := range st.Stream {
			ls[model.LabelName(k)] = model.LabelValue(v)
		}
		for _, v := range st.Values {
			if len(v) < 2 {
				return fmt.Errorf("lokitest: push entry %v has no line", v)
			}
			tsText, ok1 := v[0].(string)
			line, ok2 := v[1].(string)
			if !ok1 || !ok2 {
				return fmt.Errorf("lokitest: push entry %v is not [\"<ns>\", \"<line>\", ...]", v)
			}
			ns, err := strconv.ParseInt(tsText, 10, 64)
			if err != nil {
				return fmt.Errorf("lokitest: push entry time %q: %w", tsText, err)
			}
			s.Add(ls, Entry{T: ns, Line: line})
		}
	}
	return nil
}

// AddEntries adds log entries (as a provider returns them, or a generator
// makes them) to the store.
func (s *Store) AddEntries(es []providers.LogEntry) {
	for _, e := range es {
		s.Add(e.Labels, Entry{T: e.Time.UnixNano(), Line: e.Line})
	}
}

// Add adds one entry to the stream with the given pushed labels; Loki's
// service_name is added as Loki would.
func (s *Store) Add(pushed model.LabelSet, e Entry) {
	if s.streams == nil {
		s.streams = map[model.Fingerprint]*Stream{}
	}
	ls := pushed.Clone()
	if _, ok := ls["service_name"]; !ok {
		ls["service_name"] = "unknown_service"
		for _, n := range serviceNameSources {
			if v, ok := pushed[n]; ok && v != "" {
				ls["service_name"] = v
				break
			}
		}
	}
	fp := ls.Fingerprint()
	st := s.streams[fp]
	if st == nil {
		st = &Stream{Labels: ls}
		s.streams[fp] = st
	}
	i := sort.Search(len(st.Entries), func(i int) bool { return st.Entries[i].T > e.T })
	st.Entries = append(st.Entries, Entry{})
	copy(st.Entries[i+1:], st.Entries[i:])
	st.Entries[i] = e
}

// between returns the stream's entries with from < T <= through.
func (st *Stream) between(from, through int64) []Entry {
	lo := sort.Search(len(st.Entries), func(i int) bool { return st.Entries[i].T > from })
	hi := sort.Search(len(st.Entries), func(i int) bool { return st.Entries[i].T > through })
	return st.Entries[lo:hi]
}

// Streams returns the stored streams, sorted by their labels.
func (s *Store) Streams() []*Stream {
	out := make([]*Stream, 0, len(s.streams))
	for _, st := range s.streams {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Labels.Before(out[j].Labels) })
	return out
}

// Relabel returns a new store with every stream's labels passed through f;
// a stream for which f returns nil is left out. The service_name label is
// given to f like the others. Tests use it to make one stable pod of the
// recording play the canary.
func (s *Store) Relabel(f func(model.LabelSet) model.LabelSet) *Store {
	out := &Store{}
	for _, st := range s.Streams() {
		ls := f(st.Labels.Clone())
		if ls == nil {
			continue
		}
		for _, e := range st.Entries {
			out.Add(ls, e)
		}
	}
	return out
}

// Len returns the number of stored entries.
func (s *Store) Len() int {
	n := 0
	for _, st := range s.streams {
		n += len(st.Entries)
	}
	return n
}
