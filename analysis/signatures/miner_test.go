package signatures

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// loadErrorLog reads testdata/signature_errorlog.tsv: every error-log line
// of the recorded Loki fixture (../shared/fixtures/loki/push/shop-*.json,
// the streams with stream="error"), one per row as pod, timestamp in
// nanoseconds and line, separated by tabs.
func loadErrorLog(t testing.TB) (canary, stable []analysis.LogLine) {
	t.Helper()
	f, err := os.Open("../testdata/signature_errorlog.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			t.Fatalf("bad row %q", sc.Text())
		}
		ns, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		l := analysis.LogLine{Pod: parts[0], T: ns / 1e6, Line: parts[2]}
		if strings.HasPrefix(l.Pod, "web-5f6b7c8d9e-") {
			canary = append(canary, l)
		} else {
			stable = append(stable, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(canary) != 32 || len(stable) != 24 {
		t.Fatalf("read %d canary and %d stable lines, want 32 and 24 (fixture README)", len(canary), len(stable))
	}
	return canary, stable
}

// TestSignatureMinerFixture mines the recorded error log: the fixture's
// README names the signatures it holds (AH00037, AH00126, AH00957+AH01114,
// the canary's AH01630 and its two start-up notices AH00489 and AH00094).
func TestSignatureMinerFixture(t *testing.T) {
	t.Parallel()
	canary, stable := loadErrorLog(t)
	var m Miner
	count := map[string]int{}
	for _, l := range append(stable, canary...) {
		count[m.Template(m.Add(l.Line))]++
	}
	want := map[string]int{
		`[core:error] [pid <NUM>:tid <NUM>] [client <IP>] AH00037: Symbolic link not allowed or link target not accessible: /var/www/html/static`:            26,
		`[core:error] [pid <NUM>:tid <NUM>] [client <IP>] AH00126: Invalid URI in request GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/<NUM>`:                4,
		`[proxy:error] [pid <NUM>:tid <NUM>] (<NUM>)Connection refused: AH00957: http: attempt to connect to <IP> (api.shop.svc.cluster.local:<NUM>) failed`: 3,
		`[proxy_http:error] [pid <NUM>:tid <NUM>] [client <IP>] AH01114: HTTP: failed to make connection to backend: api.shop.svc.cluster.local`:             3,
		`[authz_core:error] [pid <NUM>:tid <NUM>] [client <IP>] AH01630: client denied by server configuration: /var/www/html/config.json`:                   18,
		`[mpm_event:notice] [pid <NUM>:tid <NUM>] AH00489: Apache/<NUM> (Unix) configured -- resuming normal operations`:                                     1,
		`[core:notice] [pid <NUM>:tid <NUM>] AH00094: Command line: '<STR>'`:                                                                                 1,
	}
	if m.Len() != len(want) {
		t.Errorf("%d signatures, want %d: %v", m.Len(), len(want), count)
	}
	for sig, n := range want {
		if count[sig] != n {
			t.Errorf("signature %q: %d lines, want %d", sig, count[sig], n)
		}
	}
}

func TestSignatureMinerMerges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		lines []string
		// want lists the final templates, in order of first appearance.
		want []string
		// ids are the signature ids of the lines.
		ids []int
	}{
		{
			name:  "a differing word becomes a wildcard",
			lines: []string{"user alice logged in from web", "user bob logged in from web", "user carol logged in from api"},
			want:  []string{"user <*> logged in from <*>"},
			ids:   []int{0, 0, 0},
		},
		{
			name:  "too different: two signatures",
			lines: []string{"cache miss for key", "cache evicted all old entries"},
			want:  []string{"cache miss for key", "cache evicted all old entries"},
			ids:   []int{0, 1},
		},
		{
			name: "below the similarity: two signatures",
			lines: []string{
				"worker started job alpha on queue one",
				"worker stopped task beta in region two",
			},
			want: []string{"worker started job alpha on queue one", "worker stopped task beta in region two"},
			ids:  []int{0, 1},
		},
		{
			name: "different message codes never merge",
			lines: []string{
				"[core:error] [client 10.0.0.1:5] AH00037: link not allowed: /a",
				"[core:error] [client 10.0.0.2:6] AH00038: link not allowed: /a",
			},
			want: []string{
				"[core:error] [client <IP>] AH00037: link not allowed: /a",
				"[core:error] [client <IP>] AH00038: link not allowed: /a",
			},
			ids: []int{0, 1},
		},
		{
			name:  "a code never takes a wildcard's place",
			lines: []string{"failed x at a b c", "failed y at a b c", "failed E1234 at a b c"},
			want:  []string{"failed <*> at a b c", "failed E1234 at a b c"},
			ids:   []int{0, 0, 1},
		},
		{
			name:  "different lengths never merge",
			lines: []string{"disk full", "disk full again"},
			want:  []string{"disk full", "disk full again"},
			ids:   []int{0, 1},
		},
		{
			name:  "different first tokens never merge",
			lines: []string{"ERROR db down now", "WARN db down now"},
			want:  []string{"ERROR db down now", "WARN db down now"},
			ids:   []int{0, 1},
		},
		{
			name:  "masked values are the same token",
			lines: []string{"took 12ms for 3 rows", "took 900ms for 12000 rows"},
			want:  []string{"took <NUM> for <NUM> rows"},
			ids:   []int{0, 0},
		},
		{
			name:  "empty lines share a signature",
			lines: []string{"", "  \t "},
			want:  []string{""},
			ids:   []int{0, 0},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m Miner
			var ids []int
			for _, l := range c.lines {
				ids = append(ids, m.Add(l))
			}
			var got []string
			for id := range m.Len() {
				got = append(got, m.Template(id))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("templates %q, want %q", got, c.want)
			}
			if !slices.Equal(ids, c.ids) {
				t.Errorf("ids %v, want %v", ids, c.ids)
			}
		})
	}
}

func TestSignatureMinerMaxSignatures(t *testing.T) {
	t.Parallel()
	m := Miner{MaxSignatures: 2}
	ids := []int{m.Add("alpha one"), m.Add("beta two"), m.Add("gamma three"), m.Add("delta four"), m.Add("alpha one")}
	if want := []int{0, 1, 2, 2, 0}; !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	if m.Template(2) != OtherSignature {
		t.Errorf("template 2 is %q, want %q", m.Template(2), OtherSignature)
	}
}

func TestSignatureMinerTemplatePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Template(0) of an empty miner did not panic")
		}
	}()
	var m Miner
	m.Template(0)
}

// Len returns the number of signatures (for the tests).
func (m *Miner) Len() int { return len(m.sigs) }
