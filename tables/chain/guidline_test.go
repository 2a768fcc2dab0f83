package chain

import (
	"fmt"
	"strings"
	"testing"
)

func TestLineMentions(t *testing.T) {
	mentions := lineMentions([]string{"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", "a1b2c3d4-0000-1111-2222-333344445555"})
	cases := []struct {
		line string
		want bool
	}{
		{`{"ProcessGuid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}","User":"x"}`, true},
		{`{"ProcessGuid":"{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"}`, true}, // any case
		{`{"process":{"entity_id":"{A1B2C3D4-0000-1111-2222-333344445555}"}}`, true},
		{`{"ProcessGuid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD8}"}`, false}, // another GUID
		{`{"Message":"a-b-c-d","ProcessGuid":"-5770385F-C22A-43E0-BF4C-06F5698FFBD9"}`, true},
		{`{"x":"5770385F-C22A-43E0-BF4C"}`, false}, // cut short
		{`-`, false},
		{``, false},
	}
	for _, c := range cases {
		if got := mentions([]byte(c.line)); got != c.want {
			t.Errorf("%s: %v, want %v", c.line, got, c.want)
		}
	}
}

// TestLineMentionsLinear: the cost of a line does not grow with the
// number of GUIDs looked for (the ProcessCreate pass over JSON lines was
// quadratic: every line searched for every GUID still missing a user).
func TestLineMentionsLinear(t *testing.T) {
	line := []byte(`{"EventID":1,"ProcessGuid":"{00000000-1111-2222-3333-444444444444}","ParentProcessGuid":"{55555555-1111-2222-3333-444444444444}","Message":"Process Create:\r\nRuleName: -"}`)
	allocs := func(n int) float64 {
		guids := make([]string, n)
		for i := range guids {
			guids[i] = fmt.Sprintf("{%08X-AAAA-BBBB-CCCC-DDDDDDDDDDDD}", i)
		}
		mentions := lineMentions(guids)
		return testing.AllocsPerRun(10, func() {
			if mentions(line) {
				t.Fatal("no GUID of the set is in the line")
			}
		})
	}
	if a := allocs(10000); a != 0 {
		t.Errorf("%v allocations a line", a)
	}
	small := testing.Benchmark(func(b *testing.B) {
		m := lineMentions([]string{"{00000001-AAAA-BBBB-CCCC-DDDDDDDDDDDD}"})
		for b.Loop() {
			m(line)
		}
	})
	guids := make([]string, 20000)
	for i := range guids {
		guids[i] = fmt.Sprintf("{%08X-AAAA-BBBB-CCCC-DDDDDDDDDDDD}", i+1)
	}
	big := testing.Benchmark(func(b *testing.B) {
		m := lineMentions(guids)
		for b.Loop() {
			m(line)
		}
	})
	if ratio := float64(big.NsPerOp()) / float64(max(small.NsPerOp(), 1)); ratio > 5 {
		t.Errorf("a line costs %.1fx more with 20000 GUIDs than with one (%v vs %v)", ratio, big, small)
	}
}

// TestLineMentionsBits: the bitset lineMentions asks first folds case as
// the set does: each of many GUIDs is found in either case, and GUIDs of
// no one are not.
func TestLineMentionsBits(t *testing.T) {
	var guids []string
	for i := range 5000 {
		guids = append(guids, fmt.Sprintf("{%08X-%04X-ABCD-EF01-%012X}", i*2654435761&0xffffffff, i, i*40503))
	}
	mentions := lineMentions(guids)
	for i, g := range guids {
		line := fmt.Sprintf(`{"ProcessGuid":"%s"}`, g)
		if i%2 == 1 {
			line = strings.ToLower(line)
		}
		if !mentions([]byte(line)) {
			t.Fatalf("%s not found", line)
		}
		other := fmt.Sprintf(`{"ProcessGuid":"{%08X-%04X-ABCD-EF01-%012X}"}`, i*2654435761&0xffffffff, i, i*40503+1)
		if mentions([]byte(other)) {
			t.Fatalf("%s found", other)
		}
	}
}
