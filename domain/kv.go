package domain

import (
	"context"
	"time"
)

// KVOpKind is what a KVOp does.
type KVOpKind int

const (
	KVGet   KVOpKind = iota // read Key: Val and OK (found)
	KVSet                   // store Val under Key for TTL (0: no expiry)
	KVSetNX                 // store Val under Key only when absent: OK (stored)
	KVDel                   // delete Key
)

// KVOp is one operation of a KV batch, and its result.
type KVOp struct {
	Kind KVOpKind
	Key  string
	Val  []byte
	TTL  time.Duration
	OK   bool
}

// KVBatcher is a key-value store that runs several operations, in order,
// in one round trip (Redis: a pipeline; SQLite: one transaction). The
// bot's hot path uses it to claim an update and read the session at once,
// then to save the session and mark the update done at once.
type KVBatcher interface {
	Batch(ctx context.Context, ops []*KVOp) error
}
