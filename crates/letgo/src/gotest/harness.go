// Package letgoharness is the leak check that `letgo test` compiles into a
// test package through `go test -overlay`, never on disk in the user's
// tree. letgo copies this file into the overlay with the package clause of
// the package's test files; every name starts with letgo so that it
// cannot clash with the package's own.
//
// Design: each top-level test runs through a wrapper (the tests of
// testing.M are rewrapped before m.Run) that notes the goroutine running
// the test and registers a cleanup; the cleanup runs after the test and
// all its subtests, parallel ones included. A goroutine belongs to the test
// whose goroutine is among its ancestors: letgo runs the tests with
// GODEBUG=tracebackancestors, so every goroutine's traceback lists the
// goroutines that created it, even those that have exited. The cleanup
// finds the goroutines the test left behind, reports them with t.Errorf
// and writes them as JSON lines for letgo's report.
package letgoharness

import (
	letgoBytes "bytes"
	letgoGzip "compress/gzip"
	letgoContext "context"
	letgoBinary "encoding/binary"
	letgoJSON "encoding/json"
	letgoFmt "fmt"
	letgoIO "io"
	letgoOS "os"
	letgoReflect "reflect"
	letgoRuntime "runtime"
	letgoMetrics "runtime/metrics"
	letgoPprof "runtime/pprof"
	letgoStrconv "strconv"
	letgoStrings "strings"
	letgoSync "sync"
	letgoTesting "testing"
	letgoTime "time"
	letgoUnsafe "unsafe"
)

// letgoImportPath is replaced by the package's import path.
const letgoImportPath = "LETGO_IMPORT_PATH"

// letgoSubtests maps the function literals passed to t.Run, by the name
// Go's tracebacks give them, to the subtest's name ("<subtest at
// file:line>" when computed at run time); letgo fills it from the source.
var letgoSubtests = map[string]string{ /* LETGO_SUBTESTS */ }

type letgoFrame struct {
	Func string `json:"func"`
	File string `json:"file"`
	Line int    `json:"line"`
}

type letgoAncestor struct {
	ID     int64        `json:"goid"`
	Frames []letgoFrame `json:"frames"`
}

type letgoGoroutine struct {
	ID        int64           `json:"goid"`
	State     string          `json:"state"`
	Leaked    bool            `json:"proved"`
	Frames    []letgoFrame    `json:"frames"`
	CreatedBy *letgoFrame     `json:"created_by,omitempty"`
	Creator   int64           `json:"creator"`
	Ancestors []letgoAncestor `json:"ancestors,omitempty"`
}

// letgoRecord is one leaked goroutine, as letgo reads it.
type letgoRecord struct {
	Package string `json:"package"`
	Test    string `json:"test"`
	Run     int    `json:"run"`
	TestID  int64  `json:"test_goid"`
	// Late: found after its test had ended (it blocked later).
	Late bool `json:"late"`
	// Stuck: the test itself can never finish (its goroutine, or a
	// subtest's, is blocked forever).
	Stuck bool `json:"stuck"`
	letgoGoroutine
}

type letgoTestRun struct {
	name  string
	run   int
	done  bool
	start letgoTime.Time
	// When the watchdog looks at this test next, counted from start.
	nextLook letgoTime.Duration
	// The test's goroutines as last seen all blocked, and since when.
	lastBlocked  string
	blockedSince letgoTime.Time
}

var letgoState struct {
	mu       letgoSync.Mutex
	tests    map[int64]*letgoTestRun
	runs     map[string]int
	reported map[int64]bool
	before   map[int64]bool
	out      *letgoOS.File
	found    int
}

// letgoLeakcheckRun stands where the package's TestMain called m.Run().
func letgoLeakcheckRun(m *letgoTesting.M) int {
	letgoState.tests = map[int64]*letgoTestRun{}
	letgoState.runs = map[string]int{}
	letgoState.reported = map[int64]bool{}
	letgoState.before = map[int64]bool{}
	for _, g := range letgoParse(letgoStacks()) {
		letgoState.before[g.ID] = true
	}
	if dir := letgoOS.Getenv("LETGO_LEAKCHECK_DIR"); dir != "" {
		name := letgoStrings.NewReplacer("/", "_", ".", "_").Replace(letgoImportPath)
		path := letgoFmt.Sprintf("%s/%s-%d.jsonl", dir, name, letgoOS.Getpid())
		f, err := letgoOS.Create(path)
		if err != nil {
			letgoFmt.Fprintf(letgoOS.Stderr, "letgo: %v\n", err)
		}
		letgoState.out = f
	}
	letgoWrapTests(m)
	if letgoPprof.Lookup("goroutineleak") != nil || letgoHang() > 0 {
		go letgoWatch()
	}
	code := m.Run()
	if n := letgoFinalCheck(); n > 0 && code == 0 {
		code = 1
		letgoSetExitCode(m, code)
	}
	if letgoState.out != nil {
		letgoState.out.Close()
	}
	return code
}

// letgoWrapTests routes every top-level test through letgoRunTest. The
// list is unexported in testing.M; it has had this name and type since
// Go 1.4.
func letgoWrapTests(m *letgoTesting.M) {
	field := letgoReflect.ValueOf(m).Elem().FieldByName("tests")
	if !field.IsValid() || field.Type() != letgoReflect.TypeOf([]letgoTesting.InternalTest{}) {
		letgoFmt.Fprintln(letgoOS.Stderr, "letgo: this toolchain's testing.M has no test list; leaks are checked after all tests")
		return
	}
	tests := *(*[]letgoTesting.InternalTest)(letgoUnsafe.Pointer(field.UnsafeAddr()))
	for i := range tests {
		f := tests[i].F
		tests[i].F = func(t *letgoTesting.T) { letgoRunTest(t, f) }
	}
}

func letgoSetExitCode(m *letgoTesting.M, code int) {
	field := letgoReflect.ValueOf(m).Elem().FieldByName("exitCode")
	if field.IsValid() && field.Kind() == letgoReflect.Int {
		*(*int)(letgoUnsafe.Pointer(field.UnsafeAddr())) = code
	}
}

func letgoRunTest(t *letgoTesting.T, f func(*letgoTesting.T)) {
	id := letgoCurrentID()
	letgoState.mu.Lock()
	letgoState.runs[t.Name()]++
	run := &letgoTestRun{
		name:     t.Name(),
		run:      letgoState.runs[t.Name()],
		start:    letgoTime.Now(),
		nextLook: letgoTime.Second,
	}
	letgoState.tests[id] = run
	letgoState.mu.Unlock()
	// Every goroutine the test starts inherits this label: counting the
	// labelled goroutines at the end is a cheap first look (unless the
	// test sets labels of its own, the tracebacks decide then).
	letgoPprof.SetGoroutineLabels(letgoPprof.WithLabels(letgoContext.Background(),
		letgoPprof.Labels("letgo.test", letgoStrconv.FormatInt(id, 10))))
	// Registered first, so it runs last: after the test's own cleanups
	// and after every subtest, parallel ones included.
	created, _ := letgoCreated()
	t.Cleanup(func() { letgoCheckTest(t, id, created) })
	f(t)
}

func letgoCheckTest(t *letgoTesting.T, id int64, created uint64) {
	leaks := letgoCollect(id, created)
	letgoState.mu.Lock()
	letgoState.tests[id].done = true
	letgoState.mu.Unlock()
	for _, text := range letgoDescribe(leaks) {
		t.Errorf("%s", text)
	}
}

// letgoCollect waits for the goroutines test id left behind to block or
// end, and returns those that leaked. With the goroutineleak profile
// (Go 1.26 with GOEXPERIMENT=goroutineleakprofile, Go 1.27 on) the garbage
// collector proves them blocked forever; without it they are the ones
// still there after the settle period.
func letgoCollect(id int64, created uint64) []letgoGoroutine {
	if letgoAlone(id, created) {
		return nil
	}
	settle := letgoSettle()
	deadline := letgoTime.Now().Add(settle)
	leakProfile := letgoPprof.Lookup("goroutineleak")
	wait := letgoTime.Millisecond
	for {
		gs := letgoOwned(letgoParseMentioning(letgoStacks(), id), id)
		if len(gs) == 0 {
			return nil
		}
		if leakProfile != nil && !letgoAnyRunning(gs) {
			if !letgoAnyBlocked(gs) {
				// Asleep or waiting on I/O: nothing the collector could
				// prove, so no leak-detecting GC for this test; a
				// goroutine that blocks later is found by a later check.
				return nil
			}
			break
		}
		if letgoTime.Now().After(deadline) {
			if leakProfile == nil {
				return letgoRecordAll(gs, id, false, false)
			}
			break
		}
		letgoTime.Sleep(wait)
		if wait < 100*letgoTime.Millisecond {
			wait *= 2
		}
	}
	return letgoProvedLeaks(leakProfile, id)
}

// letgoAlone: no goroutine other than the checks carries test id's label,
// and none has labels of the test's own making. It looks at goroutine
// counts, not tracebacks: first the number of goroutines created since
// the test began (none: nothing can be left), then the goroutine profile's
// counts per label, one profile shared by the checks that ask together.
// Tracebacks of every goroutine with its ancestors cost far more, and
// are read only when this says no.
func letgoAlone(id int64, created uint64) bool {
	if now, ok := letgoCreated(); ok && now == created {
		return true
	}
	// Before Go 1.24 the goroutine profile may pair labels with the wrong
	// stacks (seen on Go 1.21 and 1.22): no shortcut there.
	var minor int
	letgoFmt.Sscanf(letgoRuntime.Version(), "go1.%d", &minor)
	if minor < 24 {
		return false
	}
	counts := letgoLabelCounts()
	return counts.ok && !counts.foreign && counts.byTest[letgoStrconv.FormatInt(id, 10)] == 0
}

// letgoCreated: goroutines created since the program started (Go 1.26 on).
func letgoCreated() (uint64, bool) {
	sample := []letgoMetrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	letgoMetrics.Read(sample)
	if sample[0].Value.Kind() != letgoMetrics.KindUint64 {
		return 0, false
	}
	return sample[0].Value.Uint64(), true
}

// letgoCounts: goroutines per value of the letgo.test label, the checks
// asking left out.
type letgoCounts struct {
	byTest map[string]int
	// A goroutine with labels but not ours: the test set labels of its
	// own, so labels cannot tell whose its goroutines are.
	foreign bool
	ok      bool
}

type letgoCountsBatch struct {
	done   bool
	counts letgoCounts
}

// letgoBatches: checks that ask while a profile is being read wait for
// the next one and share it (it starts after each of them asked).
var letgoBatches struct {
	mu      letgoSync.Mutex
	cond    *letgoSync.Cond
	next    *letgoCountsBatch
	reading bool
}

func letgoLabelCounts() letgoCounts {
	b := &letgoBatches
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cond == nil {
		b.cond = letgoSync.NewCond(&b.mu)
	}
	if b.next == nil {
		b.next = &letgoCountsBatch{}
	}
	mine := b.next
	for !mine.done {
		if b.reading {
			b.cond.Wait()
			continue
		}
		// Not started, so still b.next: this check reads it for all.
		b.reading, b.next = true, nil
		b.mu.Unlock()
		counts := letgoReadCounts()
		b.mu.Lock()
		mine.counts, mine.done, b.reading = counts, true, false
		b.cond.Broadcast()
	}
	return mine.counts
}

// letgoReadCounts reads the goroutine profile in its protobuf form: its
// stacks are symbolized once per program counter, where the text form
// symbolizes and formats every goroutine whose labels differ (each
// paused parallel test's).
func letgoReadCounts() letgoCounts {
	var buf letgoBytes.Buffer
	if err := letgoPprof.Lookup("goroutine").WriteTo(&buf, 0); err != nil {
		return letgoCounts{}
	}
	zr, err := letgoGzip.NewReader(&buf)
	if err != nil {
		return letgoCounts{}
	}
	data, err := letgoIO.ReadAll(zr)
	if err != nil {
		return letgoCounts{}
	}
	p, ok := letgoParseProfile(data)
	if !ok {
		return letgoCounts{}
	}
	return p.counts()
}

type letgoProfileSample struct {
	locs   []uint64
	count  int64
	labels [][2]uint64 // string table indexes of key and value
}

// letgoProfile: the parts of a pprof profile the counts need.
type letgoProfile struct {
	samples   []letgoProfileSample
	locFuncs  map[uint64][]uint64 // location id: function ids
	funcNames map[uint64]uint64   // function id: string index
	strings   []string
}

func letgoParseProfile(data []byte) (letgoProfile, bool) {
	p := letgoProfile{locFuncs: map[uint64][]uint64{}, funcNames: map[uint64]uint64{}}
	ok := letgoProtoFields(data, func(field int, v uint64, msg []byte) bool {
		switch field {
		case 2:
			var s letgoProfileSample
			ok := letgoProtoFields(msg, func(field int, v uint64, msg []byte) bool {
				switch field {
				case 1:
					return letgoProtoVarints(v, msg, func(x uint64) { s.locs = append(s.locs, x) })
				case 2:
					return letgoProtoVarints(v, msg, func(x uint64) { s.count += int64(x) })
				case 3:
					var kv [2]uint64
					ok := letgoProtoFields(msg, func(field int, v uint64, _ []byte) bool {
						if field == 1 || field == 2 {
							kv[field-1] = v
						}
						return true
					})
					s.labels = append(s.labels, kv)
					return ok
				}
				return true
			})
			p.samples = append(p.samples, s)
			return ok
		case 4:
			var id uint64
			var funcs []uint64
			ok := letgoProtoFields(msg, func(field int, v uint64, msg []byte) bool {
				switch field {
				case 1:
					id = v
				case 4:
					return letgoProtoFields(msg, func(field int, v uint64, _ []byte) bool {
						if field == 1 {
							funcs = append(funcs, v)
						}
						return true
					})
				}
				return true
			})
			p.locFuncs[id] = funcs
			return ok
		case 5:
			var id, name uint64
			ok := letgoProtoFields(msg, func(field int, v uint64, _ []byte) bool {
				switch field {
				case 1:
					id = v
				case 2:
					name = v
				}
				return true
			})
			p.funcNames[id] = name
			return ok
		case 6:
			p.strings = append(p.strings, string(msg))
		}
		return true
	})
	return p, ok
}

func (p letgoProfile) str(i uint64) string {
	if i < uint64(len(p.strings)) {
		return p.strings[i]
	}
	return ""
}

func (p letgoProfile) counts() letgoCounts {
	out := letgoCounts{byTest: map[string]int{}, ok: true}
	for _, s := range p.samples {
		if p.inCheck(s) {
			continue
		}
		ours := false
		for _, kv := range s.labels {
			if p.str(kv[0]) == "letgo.test" {
				out.byTest[p.str(kv[1])] += int(s.count)
				ours = true
			}
		}
		if len(s.labels) > 0 && !ours {
			out.foreign = true
		}
	}
	return out
}

// inCheck: the goroutine is a test's, in its check, waiting for counts.
func (p letgoProfile) inCheck(s letgoProfileSample) bool {
	for _, loc := range s.locs {
		for _, fn := range p.locFuncs[loc] {
			if letgoStrings.HasSuffix(p.str(p.funcNames[fn]), ".letgoLabelCounts") {
				return true
			}
		}
	}
	return false
}

// letgoProtoFields calls f with each field of a protobuf message: its
// number, its value (varint) or its bytes (length-delimited).
func letgoProtoFields(b []byte, f func(field int, v uint64, msg []byte) bool) bool {
	for len(b) > 0 {
		key, n := letgoBinary.Uvarint(b)
		if n <= 0 {
			return false
		}
		b = b[n:]
		var v uint64
		var msg []byte
		switch key & 7 {
		case 0:
			v, n = letgoBinary.Uvarint(b)
			if n <= 0 {
				return false
			}
			b = b[n:]
		case 2:
			size, n := letgoBinary.Uvarint(b)
			if n <= 0 || size > uint64(len(b)-n) {
				return false
			}
			msg, b = b[n:n+int(size)], b[n+int(size):]
		case 1:
			if len(b) < 8 {
				return false
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return false
			}
			b = b[4:]
		default:
			return false
		}
		if !f(int(key>>3), v, msg) {
			return false
		}
	}
	return true
}

// letgoProtoVarints reads a repeated integer field, packed (msg) or not.
func letgoProtoVarints(v uint64, msg []byte, f func(uint64)) bool {
	if msg == nil {
		f(v)
		return true
	}
	for len(msg) > 0 {
		x, n := letgoBinary.Uvarint(msg)
		if n <= 0 {
			return false
		}
		f(x)
		msg = msg[n:]
	}
	return true
}

// letgoProvedLeaks reads the goroutineleak profile: leaked goroutines of
// test id are returned, those of ended tests are recorded as late.
func letgoProvedLeaks(profile *letgoPprof.Profile, id int64) []letgoGoroutine {
	var buf letgoBytes.Buffer
	if err := profile.WriteTo(&buf, 2); err != nil {
		letgoFmt.Fprintf(letgoOS.Stderr, "letgo: goroutineleak profile: %v\n", err)
		return nil
	}
	var mine []letgoGoroutine
	for _, g := range letgoParse(buf.Bytes()) {
		if !g.Leaked || letgoIgnored(g) {
			continue
		}
		owner := letgoOwner(g)
		if owner == id {
			mine = append(mine, g)
			continue
		}
		letgoState.mu.Lock()
		run := letgoState.tests[owner]
		ended := run != nil && run.done && !letgoState.reported[g.ID]
		letgoState.mu.Unlock()
		if ended {
			letgoRecordAll([]letgoGoroutine{g}, owner, true, false)
		}
	}
	return letgoRecordAll(mine, id, false, false)
}

// letgoFinalCheck looks, after all tests, for leaks that blocked after
// their test ended, and reports them on standard output.
func letgoFinalCheck() int {
	letgoState.mu.Lock()
	before := letgoState.found
	letgoState.mu.Unlock()
	var late []letgoGoroutine
	if profile := letgoPprof.Lookup("goroutineleak"); profile != nil {
		letgoProvedLeaks(profile, -1)
	} else {
		deadline := letgoTime.Now().Add(letgoSettle())
		for {
			late = letgoOwned(letgoParse(letgoStacks()), -1)
			if len(late) == 0 || letgoTime.Now().After(deadline) {
				break
			}
			letgoTime.Sleep(10 * letgoTime.Millisecond)
		}
		for _, g := range late {
			letgoRecordAll([]letgoGoroutine{g}, letgoOwner(g), true, false)
		}
	}
	letgoState.mu.Lock()
	defer letgoState.mu.Unlock()
	return letgoState.found - before
}

// letgoWatch looks at tests that run long (after 1s, 2s, 4s, ... of
// running) for a test that can never finish: its own goroutine, or one
// of its subtests', proved blocked forever. Such a test would hang until
// -timeout; its leaks are reported and the test binary exits. With
// --hang D it also stops a test whose goroutines have all stayed blocked,
// unchanged, for D (not a proof: nothing wakes them, as far as it saw).
func letgoWatch() {
	profile := letgoPprof.Lookup("goroutineleak")
	hang := letgoHang()
	rest := 100 * letgoTime.Millisecond
	for {
		letgoTime.Sleep(rest)
		rest = 100 * letgoTime.Millisecond
		now := letgoTime.Now()
		var prove, watch []int64
		letgoState.mu.Lock()
		for id, run := range letgoState.tests {
			if run.done {
				continue
			}
			if profile != nil && now.Sub(run.start) >= run.nextLook {
				run.nextLook *= 2
				prove = append(prove, id)
			}
			if hang > 0 && now.Sub(run.start) >= hang/2 {
				watch = append(watch, id)
			}
		}
		letgoState.mu.Unlock()
		if len(prove) == 0 && len(watch) == 0 {
			continue
		}
		var dump []byte
		if len(prove) > 0 {
			var buf letgoBytes.Buffer
			if err := profile.WriteTo(&buf, 2); err != nil {
				return
			}
			dump = buf.Bytes()
			// The leak profile is a garbage collection that stops the
			// world: at most one per twenty times what it took, so that
			// the watch costs the tests 5% at most (parallel tests paused
			// in t.Parallel look long-running to it, hundreds in net/http).
			if took := letgoTime.Since(now); 20*took > rest {
				rest = 20 * took
			}
		} else {
			dump = letgoStacks()
		}
		gs := letgoParse(dump)
		for _, id := range prove {
			letgoStuck(gs, id)
		}
		for _, id := range watch {
			letgoHung(gs, id, now, hang)
		}
		if len(watch) > 0 {
			letgoTime.Sleep(900 * letgoTime.Millisecond)
		}
	}
}

// letgoHung stops test id when all its goroutines have stayed blocked,
// with the same stacks, for hang.
func letgoHung(gs []letgoGoroutine, id int64, now letgoTime.Time, hang letgoTime.Duration) {
	var mine []letgoGoroutine
	var seen letgoStrings.Builder
	blocked := true
	for _, g := range gs {
		if (g.ID != id && letgoOwner(g) != id) || letgoUserIgnored(g) {
			continue
		}
		mine = append(mine, g)
		blocked = blocked && letgoBlockedState(g.State)
		letgoFmt.Fprintf(&seen, "%d %s %v;", g.ID, g.State, g.Frames)
	}
	letgoState.mu.Lock()
	run := letgoState.tests[id]
	if !blocked || len(mine) == 0 || run.done || seen.String() != run.lastBlocked {
		run.lastBlocked, run.blockedSince = seen.String(), now
		if !blocked {
			run.lastBlocked = ""
		}
		letgoState.mu.Unlock()
		return
	}
	long := now.Sub(run.blockedSince) >= hang
	letgoState.mu.Unlock()
	if long {
		letgoStop(id, letgoRecordAll(mine, id, false, true), "its goroutines have all been blocked for "+hang.String())
	}
}

// letgoBlockedState: waits only another goroutine can end (not a sleep,
// a system call or network I/O).
func letgoBlockedState(state string) bool {
	for _, prefix := range []string{"chan ", "select", "sync.", "semacquire"} {
		if letgoStrings.HasPrefix(state, prefix) {
			return true
		}
	}
	return false
}

func letgoHang() letgoTime.Duration {
	d, err := letgoTime.ParseDuration(letgoOS.Getenv("LETGO_LEAKCHECK_HANG"))
	if err != nil {
		return 0
	}
	return d
}

// letgoStuck reports test id and exits when it can never finish.
func letgoStuck(gs []letgoGoroutine, id int64) {
	var mine []letgoGoroutine
	stuck := false
	for _, g := range gs {
		if !g.Leaked || letgoUserIgnored(g) {
			continue
		}
		if g.ID == id || letgoOwner(g) == id {
			mine = append(mine, g)
			stuck = stuck || g.ID == id || letgoRunsTest(g)
		}
	}
	if !stuck {
		return
	}
	letgoStop(id, letgoRecordAll(mine, id, false, true), "its goroutine is proved blocked forever")
}

// letgoStop reports the leaks of a test that cannot finish, as go test
// would its failure, and ends the test binary.
func letgoStop(id int64, kept []letgoGoroutine, why string) {
	letgoState.mu.Lock()
	run := letgoState.tests[id]
	name, elapsed := run.name, letgoTime.Since(run.start)
	letgoState.mu.Unlock()
	letgoFmt.Printf("--- FAIL: %s (%.2fs)\n", name, elapsed.Seconds())
	for _, text := range letgoDescribe(kept) {
		text = letgoStrings.ReplaceAll(text, "\n", "\n    ")
		letgoFmt.Printf("    letgo: the test can never finish (%s): %s\n", why, text)
	}
	letgoFmt.Println("FAIL")
	if letgoState.out != nil {
		letgoState.out.Close()
	}
	letgoOS.Exit(1)
}

// letgoRunsTest: a goroutine running a test or subtest function.
func letgoRunsTest(g letgoGoroutine) bool {
	n := len(g.Frames)
	return n > 0 && g.Frames[n-1].Func == "testing.tRunner"
}

// letgoOwned: the goroutines test id started, directly or through other
// goroutines, not yet reported; id -1 stands for every test.
func letgoOwned(gs []letgoGoroutine, id int64) []letgoGoroutine {
	letgoState.mu.Lock()
	defer letgoState.mu.Unlock()
	self := letgoCurrentID()
	var out []letgoGoroutine
	for _, g := range gs {
		if g.ID == self || letgoState.reported[g.ID] || letgoState.before[g.ID] || letgoIgnored(g) {
			continue
		}
		owner := letgoOwnerLocked(g)
		if owner == 0 || (id != -1 && owner != id) {
			continue
		}
		if _, isTest := letgoState.tests[g.ID]; isTest {
			continue
		}
		out = append(out, g)
	}
	return out
}

func letgoOwner(g letgoGoroutine) int64 {
	letgoState.mu.Lock()
	defer letgoState.mu.Unlock()
	return letgoOwnerLocked(g)
}

// letgoOwnerLocked: the closest ancestor that ran a top-level test, or 0.
func letgoOwnerLocked(g letgoGoroutine) int64 {
	if _, ok := letgoState.tests[g.Creator]; ok {
		return g.Creator
	}
	for _, a := range g.Ancestors {
		if _, ok := letgoState.tests[a.ID]; ok {
			return a.ID
		}
	}
	return 0
}

func letgoAnyRunning(gs []letgoGoroutine) bool {
	for _, g := range gs {
		if g.State == "running" || g.State == "runnable" || letgoStrings.HasPrefix(g.State, "syscall") {
			return true
		}
	}
	return false
}

func letgoAnyBlocked(gs []letgoGoroutine) bool {
	for _, g := range gs {
		if letgoBlockedState(g.State) {
			return true
		}
	}
	return false
}

// letgoIgnored: goroutines of the testing package (subtests ending),
// and those letgoUserIgnored skips.
func letgoIgnored(g letgoGoroutine) bool {
	for _, f := range g.Frames {
		switch f.Func {
		case "testing.tRunner", "testing.(*T).Run", "testing.runTests":
			return true
		}
	}
	return letgoUserIgnored(g)
}

// letgoUserIgnored: os/signal's goroutine, and those holding a function
// of --ignore.
func letgoUserIgnored(g letgoGoroutine) bool {
	ignore := letgoStrings.Split(letgoOS.Getenv("LETGO_LEAKCHECK_IGNORE"), ",")
	for _, f := range g.Frames {
		switch f.Func {
		case "os/signal.signal_recv", "os/signal.loop":
			return true
		}
		for _, name := range ignore {
			if name != "" && f.Func == name {
				return true
			}
		}
	}
	return len(g.Frames) == 0
}

// letgoRecordAll marks gs reported, blamed on test id, and writes them.
func letgoRecordAll(gs []letgoGoroutine, id int64, late, stuck bool) []letgoGoroutine {
	letgoState.mu.Lock()
	var kept []letgoGoroutine
	test := ""
	for _, g := range gs {
		if letgoState.reported[g.ID] {
			continue
		}
		letgoState.reported[g.ID] = true
		letgoState.found++
		kept = append(kept, g)
		rec := letgoRecord{Package: letgoImportPath, TestID: id, Late: late, Stuck: stuck, letgoGoroutine: g}
		if run := letgoState.tests[id]; run != nil {
			rec.Test, rec.Run = run.name, run.run
		}
		test = rec.Test
		if letgoState.out != nil {
			line, _ := letgoJSON.Marshal(rec)
			letgoState.out.Write(append(line, '\n'))
		}
	}
	// Unlocked: describing a goroutine looks up its owner.
	letgoState.mu.Unlock()
	if late && len(kept) > 0 {
		for _, text := range letgoDescribe(kept) {
			letgoFmt.Printf("letgo: %s leaked a goroutine that blocked after the test ended:\n%s\n", test, text)
		}
	}
	return kept
}

// letgoDescribe: one message per distinct stack, as t.Errorf prints it.
func letgoDescribe(gs []letgoGoroutine) []string {
	var order []string
	count := map[string]int{}
	for _, g := range gs {
		var b letgoStrings.Builder
		for _, f := range g.Frames {
			if letgoStrings.Contains(f.Func, "."+"letgo") {
				continue // the harness's own frames
			}
			letgoFmt.Fprintf(&b, "\n    %s\n        %s:%d", f.Func, f.File, f.Line)
		}
		if c := g.CreatedBy; c != nil {
			letgoFmt.Fprintf(&b, "\n    created by %s\n        %s:%d", c.Func, c.File, c.Line)
		}
		how := "still running after the settle period"
		if g.Leaked {
			how = "proved blocked forever by the goroutineleak profile"
		} else if letgoPprof.Lookup("goroutineleak") != nil {
			how = "blocked, not proved forever"
		}
		key := g.State + "|" + how + "|" + letgoSubtestPath(g) + "|" + b.String()
		if count[key] == 0 {
			order = append(order, key)
		}
		count[key]++
	}
	var out []string
	for _, key := range order {
		parts := letgoStrings.SplitN(key, "|", 4)
		state, how, subtest, stack := parts[0], parts[1], parts[2], parts[3]
		out = append(out, letgoFmt.Sprintf("letgo: %d goroutine(s) leaked%s [%s], %s:%s", count[key], subtest, state, how, stack))
	}
	return out
}

// letgoSubtestPath: " by subtest leaky/inner" when subtests of the test
// started g (their goroutines are g's ancestors running testing.tRunner).
func letgoSubtestPath(g letgoGoroutine) string {
	owner := letgoOwner(g)
	letgoState.mu.Lock()
	if _, isTest := letgoState.tests[g.ID]; isTest {
		owner = g.ID
	}
	letgoState.mu.Unlock()
	var names []string
	name := func(frames []letgoFrame) {
		n := len(frames)
		if n < 2 || frames[n-1].Func != "testing.tRunner" {
			return
		}
		f := frames[n-2]
		sub, ok := letgoSubtests[f.Func]
		if !ok {
			sub = letgoFmt.Sprintf("<subtest at %s:%d>", f.File, f.Line)
		}
		names = append([]string{sub}, names...)
	}
	if g.ID != owner {
		name(g.Frames)
	}
	for _, a := range g.Ancestors {
		if a.ID == owner {
			break
		}
		name(a.Frames)
	}
	if len(names) == 0 {
		return ""
	}
	return " by subtest " + letgoStrings.Join(names, "/")
}

func letgoSettle() letgoTime.Duration {
	if d, err := letgoTime.ParseDuration(letgoOS.Getenv("LETGO_LEAKCHECK_SETTLE")); err == nil {
		return d
	}
	return letgoTime.Second
}

func letgoStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := letgoRuntime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

func letgoCurrentID() int64 {
	buf := make([]byte, 64)
	buf = buf[:letgoRuntime.Stack(buf, false)]
	fields := letgoStrings.Fields(string(buf))
	if len(fields) < 2 {
		return 0
	}
	id, _ := letgoStrconv.ParseInt(fields[1], 10, 64)
	return id
}

// letgoParse reads a debug=2 traceback of every goroutine, with the
// ancestors GODEBUG=tracebackancestors adds.
func letgoParse(dump []byte) []letgoGoroutine {
	return letgoParseMentioning(dump, -1)
}

// letgoParseMentioning parses only the goroutines whose traceback names
// goroutine id as creator or ancestor (all with -1): a test's check reads
// a few of the dump's goroutines, not all of them with their ancestors.
func letgoParseMentioning(dump []byte, id int64) []letgoGoroutine {
	var out []letgoGoroutine
	creator := " in goroutine " + letgoStrconv.FormatInt(id, 10) + "\n"
	ancestor := "[originating from goroutine " + letgoStrconv.FormatInt(id, 10) + "]"
	for _, block := range letgoStrings.Split(string(dump), "\n\n") {
		if id >= 0 && !letgoStrings.Contains(block, creator) && !letgoStrings.Contains(block, ancestor) {
			continue
		}
		lines := letgoStrings.Split(letgoStrings.TrimSpace(block), "\n")
		g, ok := letgoHeader(lines[0])
		if !ok {
			continue
		}
		var frames *[]letgoFrame = &g.Frames
		for i := 1; i < len(lines); i++ {
			line := lines[i]
			switch {
			case letgoStrings.HasPrefix(line, "[originating from goroutine "):
				id, _ := letgoStrconv.ParseInt(letgoStrings.TrimSuffix(letgoStrings.TrimPrefix(line, "[originating from goroutine "), "]:"), 10, 64)
				g.Ancestors = append(g.Ancestors, letgoAncestor{ID: id})
				frames = &g.Ancestors[len(g.Ancestors)-1].Frames
			case letgoStrings.HasPrefix(line, "created by "):
				f := letgoFrameAt(lines, i, letgoStrings.TrimPrefix(line, "created by "))
				if len(g.Ancestors) == 0 {
					name, creator, _ := letgoStrings.Cut(f.Func, " in goroutine ")
					f.Func = name
					g.Creator, _ = letgoStrconv.ParseInt(creator, 10, 64)
					g.CreatedBy = &f
				}
				i++
			case letgoStrings.HasPrefix(line, "\t") || letgoStrings.HasPrefix(line, "..."):
			default:
				name := line
				if j := letgoStrings.LastIndex(name, "("); j > 0 {
					name = name[:j]
				}
				*frames = append(*frames, letgoFrameAt(lines, i, name))
				i++
			}
		}
		out = append(out, g)
	}
	return out
}

// letgoHeader: `goroutine 18 [chan receive (leaked), 2 minutes]:`.
func letgoHeader(line string) (letgoGoroutine, bool) {
	var g letgoGoroutine
	rest, ok := letgoStrings.CutPrefix(line, "goroutine ")
	if !ok {
		return g, false
	}
	idText, rest, ok := letgoStrings.Cut(rest, " [")
	if !ok {
		return g, false
	}
	g.ID, _ = letgoStrconv.ParseInt(idText, 10, 64)
	end := letgoStrings.Index(rest, "]")
	if end < 0 {
		return g, false
	}
	state := rest[:end]
	if i := letgoStrings.Index(state, ","); i >= 0 {
		state = state[:i]
	}
	if s, found := letgoStrings.CutSuffix(state, " (leaked)"); found {
		state, g.Leaked = s, true
	}
	g.State = state
	return g, true
}

func letgoFrameAt(lines []string, i int, name string) letgoFrame {
	f := letgoFrame{Func: name}
	if i+1 < len(lines) {
		loc := letgoStrings.TrimSpace(lines[i+1])
		if j := letgoStrings.LastIndex(loc, " +0x"); j > 0 {
			loc = loc[:j]
		}
		if j := letgoStrings.LastIndex(loc, ":"); j > 0 {
			f.File = loc[:j]
			f.Line, _ = letgoStrconv.Atoi(loc[j+1:])
		}
	}
	return f
}
