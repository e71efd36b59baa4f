package signatures

import (
	"regexp"
	"strconv"
	"strings"
)

// Defaults of Miner.
const (
	DefaultSimilarity    = 0.5
	DefaultMaxSignatures = 1000
)

// OtherSignature is the template of the catch-all signature that takes the
// lines a full Miner cannot give a signature of their own.
const OtherSignature = "(other lines: too many signatures)"

// maxTokens caps the tokens of a line that are mined.
const maxTokens = 256

// codeToken is a message code (Apache's AH01630:, Oracle's ORA-00942:,
// E1234): letters, an optional '-', at least three digits and an optional
// punctuation mark. Lines with different codes in one position never share
// a signature.
var codeToken = regexp.MustCompile(`^[A-Z][A-Za-z]{0,7}-?\d{3,}[:.,;]?$`)

// Miner reduces log lines to signatures (templates): it masks the
// variable parts of each line (MaskLine), then groups lines that are alike
// token by token, in the manner of Drain (He, Zhu, Zheng and Lyu, "Drain: An
// Online Log Parsing Approach with Fixed Depth Tree", ICWS 2017).
//
// A masked line is split into tokens at white space. Lines are grouped by
// their number of tokens and their first token (Drain's fixed-depth tree with
// depth one). Within its group a line joins the signature whose template has
// the most equal tokens, position by position, if at least Similarity of its
// tokens are equal and no message code (codeToken) differs; the template's
// tokens that differ from the line's then become MaskAny. Otherwise the line
// starts a signature of its own. A signature's template only ever gains
// wildcards, so every line that joined it matches its final template.
//
// The result depends on the order of the lines; callers that compare sides
// feed the lines in a fixed order. The zero value is ready to use with the
// defaults. A Miner is not safe for concurrent use.
type Miner struct {
	// Similarity is the least share (0 to 1) of a line's tokens that must
	// equal a template's for the line to join it (Drain's similarity
	// threshold). Zero means DefaultSimilarity.
	Similarity float64
	// MaxSignatures bounds the number of signatures; once it is reached,
	// lines that would start a new one get the signature OtherSignature.
	// Zero means DefaultMaxSignatures.
	MaxSignatures int

	groups map[string][]int
	sigs   [][]string
	other  int // id of the OtherSignature signature plus one; 0 while none
}

// Add masks line, gives it a signature and returns the signature's id, a
// number from 0 to Len()-1.
func (m *Miner) Add(line string) int {
	if m.groups == nil {
		m.groups = map[string][]int{}
	}
	tokens := strings.Fields(MaskLine(line))
	if len(tokens) > maxTokens {
		tokens = tokens[:maxTokens]
	}
	key := groupKey(tokens)
	best, bestSim := -1, -1.0
	for _, id := range m.groups[key] {
		if sim, ok := similarity(m.sigs[id], tokens); ok && sim > bestSim {
			best, bestSim = id, sim
		}
	}
	if best >= 0 && bestSim >= m.similarity() {
		t := m.sigs[best]
		for i := range t {
			if t[i] != tokens[i] {
				t[i] = MaskAny
			}
		}
		return best
	}
	if len(m.sigs) >= m.maxSignatures() {
		if m.other == 0 {
			m.sigs = append(m.sigs, []string{OtherSignature})
			m.other = len(m.sigs)
		}
		return m.other - 1
	}
	m.sigs = append(m.sigs, tokens)
	id := len(m.sigs) - 1
	m.groups[key] = append(m.groups[key], id)
	return id
}

// Template returns the template of signature id: the masked tokens joined
// by single spaces, MaskAny where the lines differ. It panics if id is out
// of range.
func (m *Miner) Template(id int) string {
	if id < 0 || id >= len(m.sigs) {
		panic("signatures: signature id out of range")
	}
	return strings.Join(m.sigs[id], " ")
}

func (m *Miner) similarity() float64 {
	if m.Similarity > 0 {
		return m.Similarity
	}
	return DefaultSimilarity
}

func (m *Miner) maxSignatures() int {
	if m.MaxSignatures > 0 {
		return m.MaxSignatures
	}
	return DefaultMaxSignatures
}

// groupKey is the group of a tokenised line: its length and first token.
func groupKey(tokens []string) string {
	if len(tokens) == 0 {
		return "0"
	}
	return strconv.Itoa(len(tokens)) + "\x00" + tokens[0]
}

// similarity is Drain's sequence similarity of a template and a line of the
// same length: the share of positions where both hold the same token (a
// wildcard in the template is not a match). ok is false when a message code
// differs, or stands where the template has a wildcard.
func similarity(template, tokens []string) (sim float64, ok bool) {
	if len(template) != len(tokens) {
		return 0, false
	}
	if len(tokens) == 0 {
		return 1, true
	}
	same := 0
	for i, t := range template {
		if t == tokens[i] {
			same++
			continue
		}
		if codeToken.MatchString(tokens[i]) || codeToken.MatchString(t) {
			return 0, false
		}
	}
	return float64(same) / float64(len(tokens)), true
}
