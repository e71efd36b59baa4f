package report

import (
	"sync"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
)

// Entry is one judgement in the recent list.
type Entry struct {
	At          time.Time
	Link        Link
	URL         string
	Environment string
	Verdict     analysis.Verdict
	Score       float64
	Reason      string
}

// recent keeps the last max judgements in memory, newest first.
type recent struct {
	mu      sync.Mutex
	max     int
	entries []Entry // a ring: next is the slot written next
	next    int
}

func (r *recent) add(e Entry) {
	if r.max <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.entries) < r.max {
		r.entries = append(r.entries, e)
	} else {
		r.entries[r.next] = e
	}
	r.next = (r.next + 1) % r.max
}

// list returns the entries, newest first.
func (r *recent) list() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Entry, 0, len(r.entries))
	for i := range r.entries {
		k := (r.next - 1 - i + 2*len(r.entries)) % len(r.entries)
		out = append(out, r.entries[k])
	}
	return out
}

// entryOf makes the entry of a judgement.
func entryOf(at time.Time, l Link, url string, resp *wire.Response) Entry {
	return Entry{At: at, Link: l, URL: url, Environment: resp.Environment, Verdict: resp.Verdict, Score: resp.Score, Reason: resp.Reason}
}
