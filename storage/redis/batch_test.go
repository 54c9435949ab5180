package redis

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	goredis "github.com/redis/go-redis/v9"
)

// pipelineGate counts the pipelines sent and holds the first one until
// release is closed.
type pipelineGate struct {
	mu      sync.Mutex
	sizes   []int
	release chan struct{}
}

func (g *pipelineGate) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (g *pipelineGate) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook { return next }

func (g *pipelineGate) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if n := cmds[0].Name(); n == "hello" || n == "client" || n == "auth" || n == "select" {
			return next(ctx, cmds) // a new connection's greeting
		}
		g.mu.Lock()
		g.sizes = append(g.sizes, len(cmds))
		first := len(g.sizes) == 1
		g.mu.Unlock()
		if first {
			<-g.release
		}
		return next(ctx, cmds)
	}
}

// Batch calls made while a pipeline is on the wire go together in the
// next one, and each caller gets its own results.
func TestBatchCallsShareAPipeline(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	gate := &pipelineGate{release: make(chan struct{})}
	s.rdb.AddHook(gate)

	const callers = 20
	for i := range callers {
		if err := s.Set(ctx, fmt.Sprint("k", i), []byte(fmt.Sprint("v", i)), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	first := make(chan error, 1)
	go func() { // its pipeline is held until the others wait behind it
		first <- s.Batch(ctx, []*domain.KVOp{{Kind: domain.KVSet, Key: "lead", Val: []byte("x")}})
	}()
	for gateSize(gate) == 0 {
		time.Sleep(time.Millisecond)
	}
	ops := make([][]*domain.KVOp, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		ops[i] = []*domain.KVOp{
			{Kind: domain.KVGet, Key: fmt.Sprint("k", i)},
			{Kind: domain.KVSetNX, Key: fmt.Sprint("k", i), Val: []byte("no")},
			{Kind: domain.KVGet, Key: fmt.Sprint("absent", i)},
		}
		wg.Go(func() { errs[i] = s.Batch(ctx, ops[i]) })
	}
	for waitingCalls(s) < callers {
		time.Sleep(time.Millisecond)
	}
	close(gate.release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		got := ops[i]
		if !got[0].OK || string(got[0].Val) != fmt.Sprint("v", i) {
			t.Errorf("caller %d read %q (found %v), want v%d", i, got[0].Val, got[0].OK, i)
		}
		if got[1].OK {
			t.Errorf("caller %d: SET NX of an existing key reported stored", i)
		}
		if got[2].OK {
			t.Errorf("caller %d: an absent key was found", i)
		}
	}
	gate.mu.Lock()
	defer gate.mu.Unlock()
	if len(gate.sizes) != 2 || gate.sizes[1] != 3*callers {
		t.Errorf("pipelines sent (commands in each): %v, want [1 %d]", gate.sizes, 3*callers)
	}
}

func gateSize(g *pipelineGate) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sizes)
}

func waitingCalls(s *Store) int {
	s.batch.mu.Lock()
	defer s.batch.mu.Unlock()
	return len(s.batch.waiting)
}
