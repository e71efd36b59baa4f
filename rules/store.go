package rules

import (
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Store holds the current rule sets and swaps them all at once on reload:
// a reload that fails anywhere leaves the previous rule sets in place.
type Store struct {
	load func() (map[string]*RuleSet, error)

	mu   sync.Mutex // serialises reloads
	sets atomic.Pointer[map[string]*RuleSet]

	lastSuccess   prometheus.Gauge
	lastSuccessTS prometheus.Gauge
	configHash    prometheus.Gauge
}

// NewStore returns a store that loads with load. It exports the loaded
// rule sets' fingerprint as a gauge, so that a dashboard can tell which
// rules each replica runs.
func NewStore(load func() (map[string]*RuleSet, error), reg prometheus.Registerer) *Store {
	f := promauto.With(reg)
	return &Store{
		load: load,
		lastSuccess: f.NewGauge(prometheus.GaugeOpts{
			Name: "analyzer_config_last_reload_successful",
			Help: "Whether the last rules reload succeeded (1) or failed (0).",
		}),
		lastSuccessTS: f.NewGauge(prometheus.GaugeOpts{
			Name: "analyzer_config_last_reload_success_timestamp_seconds",
			Help: "Time of the last successful rules reload.",
		}),
		configHash: f.NewGauge(prometheus.GaugeOpts{
			Name: "analyzer_config_hash",
			Help: "Fingerprint of the loaded rule files.",
		}),
	}
}

// DirStore loads every rule file of dir for the environment env.
func DirStore(dir, env string, reg prometheus.Registerer) *Store {
	return NewStore(func() (map[string]*RuleSet, error) { return LoadDir(dir, env) }, reg)
}

// Reload loads the rule sets and, only if every file is valid, makes them
// current.
func (s *Store) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sets, err := s.load()
	if err != nil {
		s.lastSuccess.Set(0)
		return err
	}
	s.sets.Store(&sets)
	s.lastSuccess.Set(1)
	s.lastSuccessTS.Set(float64(time.Now().Unix()))
	s.configHash.Set(float64(fingerprint(sets)))
	return nil
}

// RuleSets returns the current rule sets, nil before the first successful
// load. The map must not be modified.
func (s *Store) RuleSets() map[string]*RuleSet {
	p := s.sets.Load()
	if p == nil {
		return nil
	}
	return *p
}

// RuleSet returns one rule set by name.
func (s *Store) RuleSet(name string) (*RuleSet, bool) {
	rs, ok := s.RuleSets()[name]
	return rs, ok
}

// fingerprint is a fingerprint of the loaded rule sets: each one's name,
// file name and revision (the hash of the file's content that was loaded),
// in a range a float64 gauge shows exactly.
func fingerprint(sets map[string]*RuleSet) uint64 {
	h := sha256.New()
	for _, name := range Names(sets) {
		rs := sets[name]
		h.Write([]byte(rs.Name + "\x00" + filepath.Base(rs.File) + "\x00" + rs.Revision + "\x00"))
	}
	return binary.BigEndian.Uint64(h.Sum(nil)) >> 11
}
