package lg204

import tm "time"

func aliasImport(msgs <-chan string, handle func(string)) error {
	for {
		select {
		case m := <-msgs:
			handle(m)
		case <-tm.After(tm.Minute): // want "LG204"
			return nil
		}
	}
}

// ---- must stay quiet ----

// A method of the project called After is not time.After.
type deadlines struct{ c chan tm.Time }

func (d deadlines) After(tm.Duration) <-chan tm.Time { return d.c }

func projectAfter(d deadlines, msgs <-chan string, handle func(string)) error {
	for {
		select {
		case m := <-msgs:
			handle(m)
		case <-d.After(tm.Minute):
			return nil
		}
	}
}
