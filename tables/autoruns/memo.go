package autoruns

import (
	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
	"github.com/runkeyhunt/runkeyhunt/tables/payload"
)

// scanMemo remembers what the pure parts of scoring computed, for the
// length of one Scan and no longer. A streamed .reg is scanned again
// after the keys its references named are fetched: the second round meets
// the same commands and payloads, and only what the fetch changed is
// computed again. Values that repeat (svchost lines across services, one
// payload named by many values) are scored once. Every cached function is
// a function of its key alone; text is cached only up to memoMaxText
// bytes, so a huge payload is never held twice.
type scanMemo struct {
	payloads map[string]payloadFacts // by raw payload bytes
	text     map[string][]string     // payload.TextIndicators by text
}

// memoMaxText bounds the texts and payloads the memo keeps.
const memoMaxText = 64 << 10

// payloadFacts is what a raw payload gives whatever refers to it.
type payloadFacts struct {
	decoded payload.Result
	sha256  string
	entropy float64
}

func newScanMemo() *scanMemo {
	return &scanMemo{payloads: map[string]payloadFacts{}, text: map[string][]string{}}
}

// envMemo is the part of a scanMemo that depends on one hive's
// environment (commands expand %VAR% with it). A nil envMemo computes
// everything afresh (ValueIndicators scores one value).
type envMemo struct {
	shared   *scanMemo
	env      map[string]string
	refs     map[string][]cmdline.Ref
	commands map[commandKey][]string
	ps       map[string]payload.PowerShellRun
	splits   map[string]cmdline.Command
}

type commandKey struct{ valueName, data string }

func (m *scanMemo) forEnv(env map[string]string) *envMemo {
	return &envMemo{shared: m, env: env, refs: map[string][]cmdline.Ref{}, commands: map[commandKey][]string{},
		ps: map[string]payload.PowerShellRun{}, splits: map[string]cmdline.Command{}}
}

func cacheable(s string) bool { return len(s) <= memoMaxText }

func (m *envMemo) extractRefs(text string, env map[string]string) []cmdline.Ref {
	if m == nil || !cacheable(text) {
		return cmdline.ExtractRefs(text, env)
	}
	refs, ok := m.refs[text]
	if !ok {
		refs = cmdline.ExtractRefs(text, env)
		m.refs[text] = refs
	}
	return refs
}

func (m *envMemo) commandIndicators(valueName, data string, env map[string]string) []string {
	if m == nil || !cacheable(data) {
		return payload.CommandIndicators(valueName, data, env)
	}
	k := commandKey{valueName, data}
	ids, ok := m.commands[k]
	if !ok {
		ids = payload.CommandIndicators(valueName, data, env)
		m.commands[k] = ids
	}
	return ids
}

func (m *envMemo) parsePowerShell(line string, env map[string]string) payload.PowerShellRun {
	if m == nil || !cacheable(line) {
		return payload.ParsePowerShell(line, env)
	}
	run, ok := m.ps[line]
	if !ok {
		run = payload.ParsePowerShell(line, env)
		m.ps[line] = run
	}
	return run
}

func (m *envMemo) split(line string, env map[string]string) cmdline.Command {
	if m == nil || !cacheable(line) {
		return cmdline.Split(line, env)
	}
	cmd, ok := m.splits[line]
	if !ok {
		cmd = cmdline.Split(line, env)
		m.splits[line] = cmd
	}
	return cmd
}

// payload decodes and measures a raw payload.
func (m *envMemo) payload(raw []byte) payloadFacts {
	if m != nil && len(raw) <= memoMaxText {
		if f, ok := m.shared.payloads[string(raw)]; ok {
			return f
		}
	}
	f := payloadFacts{decoded: payload.Decode(raw), sha256: payload.SHA256Hex(raw), entropy: payload.Entropy(raw)}
	if m != nil && len(raw) <= memoMaxText {
		m.shared.payloads[string(raw)] = f
	}
	return f
}

func (m *envMemo) textIndicators(text string) []string {
	if m == nil || !cacheable(text) {
		return payload.TextIndicators(text)
	}
	ids, ok := m.shared.text[text]
	if !ok {
		ids = payload.TextIndicators(text)
		m.shared.text[text] = ids
	}
	return ids
}
