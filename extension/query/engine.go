// Package query runs SQL over the table plugins on an embedded SQLite
// (modernc.org/sqlite): every table is a virtual table whose rows come from
// the same generate function osqueryd calls, with the WHERE clause's
// constraints passed down as osquery would pass them.
package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/osquery/osquery-go/plugin/table"
	_ "modernc.org/sqlite"
	"modernc.org/sqlite/vtab"

	"github.com/runkeyhunt/runkeyhunt/tables/host"
	"github.com/runkeyhunt/runkeyhunt/tables/schema"
	"github.com/runkeyhunt/runkeyhunt/tables/tablekit"
)

// Engine is an in-memory SQLite with the tables attached.
type Engine struct {
	db  *sql.DB
	run runContext
}

// runContext holds the context of the statement being run, so the virtual
// tables' generate calls (which SQLite's interface gives no context) stop
// when the caller cancels.
type runContext struct {
	mu  sync.Mutex
	ctx context.Context
	err error // the first generate error of the statement
}

func (r *runContext) set(ctx context.Context) {
	r.mu.Lock()
	r.ctx, r.err = ctx, nil
	r.mu.Unlock()
}

// fail records a generate error: SQLite passes it on only as text wrapped
// in "SQL logic error: ... (1)", which says nothing about the input.
func (r *runContext) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

// failure is the generate error of the statement, if any.
func (r *runContext) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *runContext) get() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx == nil {
		return context.Background()
	}
	return r.ctx
}

var registerOnce sync.Map // module name -> *module; modules are process-global in the driver

// Open creates the engine. Tables are registered as modules named after the
// table and declared as temp virtual tables of the same name, so nothing is
// ever written to disk.
func Open(ctx context.Context, tables ...tablekit.Table) (*Engine, error) {
	e := &Engine{}
	for _, t := range tables {
		name := "rkh_" + t.Schema.Name
		if m, loaded := registerOnce.Load(name); loaded {
			m.(*module).set(t, &e.run)
			continue
		}
		m := &module{}
		m.set(t, &e.run)
		registerOnce.Store(name, m)
		if err := vtab.RegisterModule(nil, name, m); err != nil {
			return nil, fmt.Errorf("register table %s: %w", t.Schema.Name, err)
		}
	}
	db, err := sql.Open("sqlite", "file:runkeyhunt?mode=memory")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// One connection: the temp virtual tables exist on it only.
	db.SetMaxOpenConns(1)
	for _, t := range tables {
		stmt := fmt.Sprintf("CREATE VIRTUAL TABLE temp.%q USING %q", t.Schema.Name, "rkh_"+t.Schema.Name)
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("create table %s: %w", t.Schema.Name, err)
		}
	}
	e.db = db
	return e, nil
}

// Close releases the database.
func (e *Engine) Close() error { return e.db.Close() }

// Result is a query's column names and rows, every value as text the way
// osqueryi prints it (NULL as empty).
type Result struct {
	Columns []string
	Rows    [][]string
}

// GenerateError is a table that could not make its rows: the input is at
// fault (a missing file, a bad hive), not the SQL.
type GenerateError struct {
	Table string
	Err   error
}

func (e *GenerateError) Error() string { return e.Table + ": " + e.Err.Error() }
func (e *GenerateError) Unwrap() error { return e.Err }

// Run executes one SQL statement. A table that cannot read its input fails
// the statement with a *GenerateError; a cancelled ctx stops the tables'
// generate calls.
func (e *Engine) Run(ctx context.Context, sqlText string) (*Result, error) {
	// The tables of the statement share one host per source: a JOIN of
	// both tables reads and correlates it once.
	ctx, end := host.Scope(ctx)
	defer end()
	e.run.set(ctx)
	defer e.run.set(nil)
	res, err := e.run1(ctx, sqlText)
	if err != nil {
		if gerr := e.run.failure(); gerr != nil {
			return nil, gerr
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return res, err
}

func (e *Engine) run1(ctx context.Context, sqlText string) (*Result, error) {
	rows, err := e.db.QueryContext(ctx, sqlText)
	if err != nil {
		return nil, cleanError(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, cleanError(err)
	}
	res := &Result{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, cleanError(err)
		}
		out := make([]string, len(cols))
		for i, v := range vals {
			out[i] = textOf(v)
		}
		res.Rows = append(res.Rows, out)
	}
	if err := rows.Err(); err != nil {
		return nil, cleanError(err)
	}
	return res, nil
}

func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return sqliteReal(x)
	default:
		return fmt.Sprint(x)
	}
}

// sqliteReal prints a REAL as SQLite's sqlite3_column_text does (printf
// "%!.15g": 15 significant digits, and always a decimal point), which is
// what osqueryi prints: 0.0, 4.5, 100.0, 1.0e+20.
func sqliteReal(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64) // SQLite has neither as a value
	}
	s := strconv.FormatFloat(f, 'g', 15, 64)
	mantissa, exp, hasExp := strings.Cut(s, "e")
	if !strings.Contains(mantissa, ".") {
		mantissa += ".0"
	}
	if hasExp {
		return mantissa + "e" + exp
	}
	return mantissa
}

// sqliteWrapping is how the driver dresses SQLite's message: "SQL logic
// error: no such table: x (1)".
var sqliteWrapping = regexp.MustCompile(`^SQL logic error: (.*) \(1\)$`)

// cleanError keeps SQLite's own message, as osqueryi prints it.
func cleanError(err error) error {
	msg := strings.TrimSpace(err.Error())
	if m := sqliteWrapping.FindStringSubmatch(msg); m != nil {
		msg = m[1]
	}
	return errors.New(msg)
}

// module adapts a tablekit.Table to SQLite's virtual-table interface.
type module struct {
	mu  sync.Mutex
	t   tablekit.Table
	run *runContext
}

func (m *module) set(t tablekit.Table, run *runContext) {
	m.mu.Lock()
	m.t, m.run = t, run
	m.mu.Unlock()
}

func (m *module) get() (tablekit.Table, *runContext) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t, m.run
}

func (m *module) Create(ctx vtab.Context, args []string) (vtab.Table, error) {
	return m.Connect(ctx, args)
}

func (m *module) Connect(ctx vtab.Context, args []string) (vtab.Table, error) {
	t, run := m.get()
	if err := ctx.Declare(t.Schema.CreateSQL()); err != nil {
		return nil, fmt.Errorf("declare %s: %w", t.Schema.Name, err)
	}
	return &vtable{t: t, run: run, cache: map[string]*generated{}}, nil
}

type vtable struct {
	t     tablekit.Table
	run   *runContext
	mu    sync.Mutex
	cache map[string]*generated // generate results by parameter values, for joins that rescan
	next  int64                 // first rowid of the next generated row set
}

// generated is one generate call's rows and the rowid of the first. Rowids
// must be unique within a statement: SQLite's OR and IN plans merge several
// scans and drop rows whose rowid it has already seen, so rowids restarting
// at 0 on every scan lost whole sources. A row keeps its rowid when a scan
// reuses the cached set, so a row two OR terms both match is still one row.
type generated struct {
	rows  tablekit.RowSet
	first int64
}

// Operators passed down, as osquery passes them.
var opNames = map[vtab.ConstraintOp]table.Operator{
	vtab.OpEQ: table.OperatorEquals, vtab.OpGT: table.OperatorGreaterThan, vtab.OpLE: table.OperatorLessThanOrEquals,
	vtab.OpLT: table.OperatorLessThan, vtab.OpGE: table.OperatorGreaterThanOrEquals, vtab.OpLIKE: table.OperatorLike,
	vtab.OpGLOB: table.OperatorGlob, vtab.OpREGEXP: table.OperatorRegexp, vtab.OpMATCH: table.OperatorMatch,
}

// BestIndex passes every usable constraint down. SQLite still re-checks
// them (Omit stays false), exactly as osquery re-applies the WHERE clause.
// Plans with an equality on a parameter column are much cheaper, so SQLite
// feeds source and window from the other side of a join when it can.
func (v *vtable) BestIndex(info *vtab.IndexInfo) error {
	var parts []string
	arg := 0
	cost := 1e6
	for i := range info.Constraints {
		c := &info.Constraints[i]
		op, ok := opNames[c.Op]
		if !c.Usable || !ok || c.Column < 0 || c.Column >= len(v.t.Schema.Columns) {
			continue
		}
		c.ArgIndex = arg
		arg++
		parts = append(parts, fmt.Sprintf("%d:%d", c.Column, op))
		if op == table.OperatorEquals {
			switch v.t.Schema.Columns[c.Column].Name {
			case "source", "window":
				cost /= 100
			default:
				cost /= 2
			}
		}
	}
	info.IdxStr = strings.Join(parts, ",")
	info.EstimatedCost = cost
	return nil
}

func (v *vtable) Open() (vtab.Cursor, error) { return &cursor{v: v}, nil }
func (v *vtable) Disconnect() error          { return nil }
func (v *vtable) Destroy() error             { return nil }

type cursor struct {
	v     *vtable
	rows  tablekit.RowSet
	n     int // rows.Len()
	first int64
	pos   int
}

func (c *cursor) Filter(idxNum int, idxStr string, vals []vtab.Value) error {
	qc := table.QueryContext{Constraints: map[string]table.ConstraintList{}}
	cols := c.v.t.Schema.Columns
	if idxStr != "" {
		for i, part := range strings.Split(idxStr, ",") {
			colText, opText, _ := strings.Cut(part, ":")
			col, _ := strconv.Atoi(colText)
			op, _ := strconv.Atoi(opText)
			if i >= len(vals) || col < 0 || col >= len(cols) {
				continue
			}
			list := qc.Constraints[cols[col].Name]
			list.Affinity = affinity(cols[col].Type)
			list.Constraints = append(list.Constraints, table.Constraint{Operator: table.Operator(op), Expression: textOf(vals[i])})
			qc.Constraints[cols[col].Name] = list
		}
	}
	key := cacheKey(qc)
	c.v.mu.Lock()
	gen, ok := c.v.cache[key]
	c.v.mu.Unlock()
	if !ok {
		rows, err := c.v.t.Generate(c.v.run.get(), qc)
		if err != nil {
			gerr := &GenerateError{Table: c.v.t.Schema.Name, Err: err}
			c.v.run.fail(gerr)
			return gerr
		}
		if rows == nil {
			rows = noRows{}
		}
		c.v.mu.Lock()
		gen = &generated{rows: rows, first: c.v.next}
		c.v.next += int64(rows.Len())
		c.v.cache[key] = gen
		c.v.mu.Unlock()
	}
	c.rows, c.n, c.first, c.pos = gen.rows, gen.rows.Len(), gen.first, 0
	return nil
}

// noRows is the row set of a generate call that gave none.
type noRows struct{}

func (noRows) Len() int                      { return 0 }
func (noRows) Value(int, int) (string, bool) { return "", false }

// cacheKey identifies a generate call by its parameter columns only: the
// tables' rows depend on source and window, every other constraint is
// re-applied by SQLite, so a join that rescans reuses the rows.
func cacheKey(qc table.QueryContext) string {
	var b strings.Builder
	for _, col := range []string{"source", "window"} {
		b.WriteString(col)
		b.WriteByte('=')
		b.WriteString(strings.Join(tablekit.Equals(qc, col), "\x00"))
		b.WriteByte(';')
	}
	return b.String()
}

func affinity(t schema.Type) table.ColumnType {
	switch t {
	case schema.Integer:
		return table.ColumnTypeInteger
	case schema.BigInt:
		return table.ColumnTypeBigInt
	case schema.Double:
		return table.ColumnTypeDouble
	}
	return table.ColumnTypeText
}

func (c *cursor) Next() error { c.pos++; return nil }
func (c *cursor) Eof() bool   { return c.pos >= c.n }

// Column converts osquery's string values to the declared SQLite type, as
// osquery does, so numeric comparisons work. The value is rendered from
// the table's row here, for the columns the statement reads only.
func (c *cursor) Column(col int) (vtab.Value, error) {
	schemaCols := c.v.t.Schema.Columns
	if col < 0 || col >= len(schemaCols) {
		return nil, nil
	}
	s, ok := c.rows.Value(c.pos, col)
	if !ok {
		return nil, nil
	}
	switch schemaCols[col].Type {
	case schema.Integer, schema.BigInt:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		return nil, nil
	case schema.Double:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, nil
		}
		return nil, nil
	}
	return s, nil
}

func (c *cursor) Rowid() (int64, error) { return c.first + int64(c.pos), nil }
func (c *cursor) Close() error          { return nil }
