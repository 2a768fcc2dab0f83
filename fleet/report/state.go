package report

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// State is the --state database (SQLite): the engine's state, how far each
// log file was read, and the history of hosts, incidents and prevalence.
// A run opens it, reads only the lines after where the last run stopped,
// and saves it once the report is written.
type State struct {
	db    *sql.DB
	path  string
	files map[string]fileRead // by identity
	seen  map[string]fileRead // read in this run
}

// fileRead is how far one log file was read. A file is known by its first
// line, so it stays the same file when rotation renames or compresses it.
type fileRead struct {
	identity, path      string
	inode, size, offset int64
	rotations           int64
}

const stateSchema = `
CREATE TABLE IF NOT EXISTS engine (id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB NOT NULL, saved INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS files (identity TEXT PRIMARY KEY, path TEXT NOT NULL, inode INTEGER NOT NULL, size INTEGER NOT NULL, offset INTEGER NOT NULL, rotations INTEGER NOT NULL, updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (run INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, lines INTEGER NOT NULL, incidents INTEGER NOT NULL, new_incidents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, host_name TEXT NOT NULL, worst TEXT NOT NULL, first_run INTEGER NOT NULL, last_run INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (id TEXT PRIMARY KEY, host TEXT NOT NULL, path TEXT NOT NULL, verdict TEXT NOT NULL, status TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, first_run INTEGER NOT NULL, last_run INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS prevalence (run INTEGER NOT NULL, pattern TEXT NOT NULL, hosts INTEGER NOT NULL, inventory_hosts INTEGER NOT NULL, PRIMARY KEY (run, pattern));
`

// OpenState opens (or creates) the state database at path.
func OpenState(path string) (*State, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(stateSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	s := &State{db: db, path: path, files: map[string]fileRead{}, seen: map[string]fileRead{}}
	rows, err := db.Query(`SELECT identity, path, inode, size, offset, rotations FROM files`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f fileRead
		if err := rows.Scan(&f.identity, &f.path, &f.inode, &f.size, &f.offset, &f.rotations); err != nil {
			db.Close()
			return nil, fmt.Errorf("state %s: %w", path, err)
		}
		s.files[f.identity] = f
	}
	return s, rows.Err()
}

// Close closes the database.
func (s *State) Close() error { return s.db.Close() }

// Engine returns the engine saved by the last run, or a new one.
func (s *State) Engine() (*Engine, error) {
	var data []byte
	err := s.db.QueryRow(`SELECT data FROM engine WHERE id = 1`).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return New(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", s.path, err)
	}
	e, err := UnmarshalState(data)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", s.path, err)
	}
	return e, nil
}

// Open is a resultlog.Handler Open: it hands over the complete lines of
// path after where an earlier run stopped, and notes how far it got.
func (s *State) Open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	content, closeContent, err := decompressed(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	br := bufio.NewReaderSize(content, 64<<10)
	first, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		err = nil // a long first line: its start names the file
	}
	if err != nil { // no complete line yet: nothing to read
		closeContent()
		f.Close()
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	h := fnv.New64a()
	h.Write(first)
	id := strconv.FormatUint(h.Sum64(), 16)
	prev, known := s.files[id]
	fr := fileRead{identity: id, path: path, inode: inodeOf(st), size: st.Size(), rotations: prev.rotations}
	if known && prev.path != path {
		fr.rotations++
	}
	// The first line is read; what comes after the last run's offset is new.
	var skip int64
	start := io.Reader(io.MultiReader(bytes.NewReader(bytes.Clone(first)), br))
	if known {
		skip = prev.offset
	}
	if _, err := io.CopyN(io.Discard, start, skip); err != nil {
		// Shorter than what was read before: a new file under an old
		// first line; read it whole next time.
		skip = 0
		closeContent()
		f.Close()
		fr.offset = 0
		s.seen[id] = fr
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	cl := &completeLines{r: start}
	return &stateReader{completeLines: cl, done: func() {
		fr.offset = skip + cl.n
		s.seen[id] = fr
		closeContent()
		f.Close()
	}}, nil
}

func decompressed(f *os.File) (io.Reader, func(), error) {
	br := bufio.NewReader(f)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() { zr.Close() }, nil
	}
	return br, func() {}, nil
}

type stateReader struct {
	*completeLines
	done   func()
	closed bool
}

func (r *stateReader) Close() error {
	if !r.closed {
		r.closed = true
		r.done()
	}
	return nil
}

// completeLines passes on only bytes up to the last newline: a line the
// writer has not finished is left for the next run.
type completeLines struct {
	r       io.Reader
	pending []byte
	out     []byte
	eof     bool
	n       int64
}

func (c *completeLines) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.eof {
			return 0, io.EOF
		}
		buf := make([]byte, 64<<10)
		k, err := c.r.Read(buf)
		data := append(c.pending, buf[:k]...)
		if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
			c.out, c.pending = data[:i+1], bytes.Clone(data[i+1:])
		} else {
			c.pending = data
		}
		if err == io.EOF {
			c.eof = true
		} else if err != nil {
			return 0, err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	c.n += int64(n)
	return n, nil
}

// NewIncidents returns the incidents of r that no earlier run reported.
func (s *State) NewIncidents(r *Report) (map[string]bool, error) {
	known := map[string]bool{}
	rows, err := s.db.Query(`SELECT id FROM incidents`)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		known[id] = true
	}
	out := map[string]bool{}
	for _, in := range r.Incidents {
		if !known[in.ID] {
			out[in.ID] = true
		}
	}
	return out, rows.Err()
}

// MarkNew flags the incidents first reported by this run.
func MarkNew(r *Report, ids map[string]bool) {
	r.Summary.IncidentsNew = 0
	for i := range r.Incidents {
		r.Incidents[i].New = ids[r.Incidents[i].ID]
		if r.Incidents[i].New {
			r.Summary.IncidentsNew++
		}
	}
	r.HasState = true
}

// Save writes the engine, the files' progress and this run's history in
// one transaction.
func (s *State) Save(ctx context.Context, e *Engine, r *Report) error {
	data, err := e.MarshalState()
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("state %s: %w", s.path, err)
	}
	defer tx.Rollback()
	now := time.Now().Unix()
	exec := func(q string, args ...any) {
		if err == nil {
			_, err = tx.ExecContext(ctx, q, args...)
		}
	}
	exec(`INSERT INTO engine (id, data, saved) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, saved = excluded.saved`, data, now)
	for _, f := range s.seen {
		exec(`INSERT INTO files (identity, path, inode, size, offset, rotations, updated) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (identity) DO UPDATE SET path = excluded.path, inode = excluded.inode, size = excluded.size, offset = excluded.offset, rotations = excluded.rotations, updated = excluded.updated`,
			f.identity, f.path, f.inode, f.size, f.offset, f.rotations, now)
	}
	if err != nil {
		return fmt.Errorf("state %s: %w", s.path, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO runs (time, lines, incidents, new_incidents) VALUES (?, ?, ?, ?)`, now, r.Summary.Lines, r.Summary.Incidents, r.Summary.IncidentsNew)
	if err != nil {
		return fmt.Errorf("state %s: %w", s.path, err)
	}
	run, _ := res.LastInsertId()
	worst, names := map[string]string{}, map[string]string{}
	for _, in := range r.Incidents {
		names[in.Host] = in.HostName
		exec(`INSERT INTO incidents (id, host, path, verdict, status, first_seen, last_seen, first_run, last_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET verdict = excluded.verdict, status = excluded.status, first_seen = excluded.first_seen, last_seen = excluded.last_seen, last_run = excluded.last_run`,
			in.ID, in.Host, in.Path, in.Verdict, in.Status, in.FirstSeen, in.LastSeen, run, run)
		if in.Open() && Severity(in.Verdict) >= Severity(worst[in.Host]) {
			worst[in.Host] = in.Verdict
		}
	}
	patterns := map[string]int{}
	for _, in := range r.Incidents {
		patterns[in.Pattern] = in.PatternHosts
	}
	for p, n := range patterns {
		exec(`INSERT INTO prevalence (run, pattern, hosts, inventory_hosts) VALUES (?, ?, ?, ?)`, run, p, n, r.InventoryHosts)
	}
	for host, v := range worst {
		exec(`INSERT INTO hosts (host, host_name, worst, first_run, last_run) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (host) DO UPDATE SET host_name = excluded.host_name, worst = excluded.worst, last_run = excluded.last_run`, host, names[host], v, run, run)
	}
	if err != nil {
		return fmt.Errorf("state %s: %w", s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("state %s: %w", s.path, err)
	}
	s.seen = map[string]fileRead{}
	return nil
}
