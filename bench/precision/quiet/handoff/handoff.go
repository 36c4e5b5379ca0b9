// Package handoff: a lazily opened table whose ensureOpen returns holding
// the read lock on success, by contract; every caller defers the RUnlock.
// And a lookup whose early return covers the branch an if/else-if leaves
// out. No lock is left held (LG110 must stay quiet).
package handoff

import (
	"errors"
	"sync"
)

// Table is opened on first use and can be closed and reopened.
type Table struct {
	mu   sync.RWMutex
	rows map[string]int
}

// ensureOpen returns with t.mu read-locked when it returns nil; the
// caller must RUnlock it.
func (t *Table) ensureOpen() error {
	for {
		t.mu.RLock()
		if t.rows != nil {
			return nil
		}
		t.mu.RUnlock()
		t.mu.Lock()
		if t.rows == nil {
			if err := t.load(); err != nil {
				t.mu.Unlock()
				return err
			}
		}
		t.mu.Unlock()
	}
}

// load fills the table; t.mu must be held.
func (t *Table) load() error {
	if t.rows != nil {
		return errors.New("already loaded")
	}
	t.rows = map[string]int{}
	return nil
}

// Get reads one row.
func (t *Table) Get(k string) (int, error) {
	if err := t.ensureOpen(); err != nil {
		return 0, err
	}
	defer t.mu.RUnlock()
	v, ok := t.rows[k]
	if !ok {
		return 0, errors.New("no row " + k)
	}
	return v, nil
}

// Cluster has one of two consensus back ends, or none.
type Cluster struct {
	mu     sync.RWMutex
	legacy []string
	modern map[string]bool
}

// Members lists the members of whichever back end is set.
func (c *Cluster) Members() []string {
	var out []string
	c.mu.RLock()
	if c.legacy == nil && c.modern == nil {
		c.mu.RUnlock()
		return nil
	}
	if c.modern != nil {
		for m := range c.modern {
			out = append(out, m)
		}
		c.mu.RUnlock()
	} else if c.legacy != nil {
		out = append(out, c.legacy...)
		c.mu.RUnlock()
	}
	return out
}
