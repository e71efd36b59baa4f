package lokitest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// fixtures holds byte-for-byte copies of the recorded Loki exchanges and
// pushed data in <repo>/../shared/fixtures/loki (see testdata/README.md);
// TestFixtureCopiesMatchShared keeps them honest.
//
//go:embed testdata/README.md testdata/push/*.json testdata/cases/*.json
var fixtures embed.FS

// The recording's data window (testdata/README.md: START and END) and its
// pods.
var (
	FixtureStart = time.Unix(1795634220, 0).UTC()
	FixtureEnd   = time.Unix(1795636020, 0).UTC()
)

// Pods of the recording: namespace shop, rollout web.
const (
	FixtureNamespace  = "shop"
	FixtureRollout    = "web"
	FixtureCanaryHash = "5f6b7c8d9e"
	FixtureStableHash = "7c9d5b6f4d"
	FixtureCanaryPod  = "web-5f6b7c8d9e-zzzzz"
)

// FixtureStablePods are the recording's three stable pods.
var FixtureStablePods = []string{"web-7c9d5b6f4d-aaaaa", "web-7c9d5b6f4d-bbbbb", "web-7c9d5b6f4d-ccccc"}

// Case is one recorded request and Loki's answer (testdata/cases/*.json).
type Case struct {
	Name        string `json:"-"`
	Description string `json:"description"`
	Request     struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Query   map[string]string `json:"query"`
		Headers map[string]string `json:"headers"`
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"response"`
}

// Cases returns every recorded case by name (the file name without .json).
func Cases() (map[string]Case, error) {
	entries, err := fixtures.ReadDir("testdata/cases")
	if err != nil {
		return nil, err
	}
	out := map[string]Case{}
	for _, e := range entries {
		c, err := LoadCase(strings.TrimSuffix(e.Name(), ".json"))
		if err != nil {
			return nil, err
		}
		out[c.Name] = c
	}
	return out, nil
}

// LoadCase reads the recorded case testdata/cases/<name>.json strictly
// (unknown fields are an error).
func LoadCase(name string) (Case, error) {
	var c Case
	b, err := fixtures.ReadFile(path.Join("testdata/cases", name+".json"))
	if err != nil {
		return c, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("lokitest: case %s: %w", name, err)
	}
	c.Name = name
	return c, nil
}

// CaseNames returns the names of the recorded cases, sorted.
func CaseNames() ([]string, error) {
	cs, err := Cases()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(cs))
	for n := range cs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// ShopStore returns the recording's data of tenant "fake": the four pods of
// namespace shop, every pushed line.
func ShopStore() (*Store, error) {
	s := &Store{}
	for _, pod := range append([]string{FixtureCanaryPod}, FixtureStablePods...) {
		if err := loadPushFile(s, "shop-"+pod+".json"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// TeamAStore returns the data pushed as tenant team-a (30 access lines).
func TeamAStore() (*Store, error) {
	s := &Store{}
	return s, loadPushFile(s, "team-a-shop.json")
}

func loadPushFile(s *Store, name string) error {
	b, err := fixtures.ReadFile(path.Join("testdata/push", name))
	if err != nil {
		return err
	}
	if err := s.LoadPush(bytes.NewReader(b)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// FixtureFiles lists the embedded fixture files, relative to testdata.
func FixtureFiles() ([]string, error) {
	var out []string
	for _, dir := range []string{"testdata", "testdata/push", "testdata/cases"} {
		entries, err := fixtures.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !e.IsDir() {
				out = append(out, strings.TrimPrefix(path.Join(dir, e.Name()), "testdata/"))
			}
		}
	}
	return out, nil
}

// FixtureFile returns one embedded fixture file, by its path relative to
// testdata.
func FixtureFile(name string) ([]byte, error) {
	return fixtures.ReadFile(path.Join("testdata", name))
}
