// Package cache keeps session data in memory.
package cache

import "sync"

// Cache maps keys to values. Nothing ever removes an entry, so a
// long-lived Cache only grows (LG302).
type Cache struct {
	mu    sync.Mutex
	items map[string][]byte
	log   []string
}

// New returns an empty cache.
func New() *Cache {
	return &Cache{items: make(map[string][]byte)}
}

// Put stores v under k and records the key (LG301: the log only grows).
func (c *Cache) Put(k string, v []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[k] = v
	c.log = append(c.log, k)
}

// Get returns the value stored under k.
func (c *Cache) Get(k string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.items[k]
	return v, ok
}
