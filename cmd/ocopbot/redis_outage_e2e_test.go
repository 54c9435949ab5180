package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// retriedRE finds the log record of a fifth try of an update.
var retriedRE = regexp.MustCompile(`"msg":"update not handled, trying again"[^\n]*"attempt":4,`)

// redisServer is a redis-server of the test's own, without persistence,
// that the test stops and starts again (empty) on the same port.
type redisServer struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

// privateRedis starts a redis-server for the test alone; the test is
// skipped when none is installed (.ci/run installs it).
func privateRedis(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (apt-get install redis-server; .ci/run installs it): the Redis outage is played with a server of the test's own")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &redisServer{t: t, port: ln.Addr().(*net.TCPAddr).Port, dir: t.TempDir()}
	ln.Close()
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// start runs the server, empty, and waits until it answers.
func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if r.ping() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.t.Fatalf("redis-server on port %d does not answer", r.port)
}

func (r *redisServer) ping() bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.port), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// stop kills the server: what it held is gone.
func (r *redisServer) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// TestMatrixRedisOutageWhileRunning: Redis stops while people are in the
// middle of the registration, and comes back empty (no persistence),
// without the bot being restarted. Someone whose session this process
// holds goes on answering during the outage, and their form is not lost:
// it is in Redis again once Redis is back, and survives a restart of the
// bot then. Someone whose session only Redis had (the bot was restarted
// since) writes twice during the outage: nothing is answered until Redis
// is back, then both messages are, in order, and the lost form is told
// about plainly instead of the answer being misread.
func TestMatrixRedisOutageWhileRunning(t *testing.T) {
	for _, ch := range channels {
		t.Run(ch, func(t *testing.T) {
			rs := privateRedis(t)
			h := newMatrix(t, ch, "embedded")
			h.env["REDIS_URL"] = rs.url()
			h.env["REDIS_PREFIX"] = "ocopoutage:"
			h.start()
			held, lost := h.user(691, "An").consent(), h.user(692, "Bình").consent()
			for _, p := range []*person{lost, held} {
				p.Send("/dangky")
				p.Expect("register.ask_kind")
				p.Send("1")
				p.Expect("register.ask_name")
				p.Send("HTX Rau sạch " + p.chatID())
				p.Expect("register.ask_rep")
				if p == lost {
					h.restart() // this process never held the session of «lost»
				}
			}

			rs.stop()
			held.Send("Nguyễn Văn An")
			held.Expect("register.ask_phone")
			held.Send("0912 000 691")
			held.Expect("form.noted")
			held.Expect("register.ask_commune")
			lost.Send("Trần Thị Bình")
			lost.Send("/dangky")
			// The bot keeps trying «lost»'s first message, past the few
			// tries of other failures, and says nothing meanwhile.
			if !lost.waitUntil(func() bool { return retriedRE.MatchString(h.log.String()) }) {
				t.Fatalf("the message is not tried again and again while Redis is down:\n%s", h.log.tail(30))
			}
			lost.Quiet()
			rs.start()

			lost.Expect("form.lost")
			lost.Expect("register.ask_kind")
			if lost.count("error.unavailable") != 0 {
				t.Error("«lost» was told the system is busy")
			}

			// «held»'s session is in Redis again, and goes on after a restart.
			kv := h.kv()
			key := "sess:" + held.channel() + ":" + held.chatID()
			if !held.waitUntil(func() bool { _, ok, _ := kv.Get(context.Background(), key); return ok }) {
				t.Fatal("the session kept during the outage is not in Redis again")
			}
			h.restart()
			held.Send("binh minh")
			held.Expect("register.ask_regno")
			held.Press("Bỏ qua")
			held.Expect("register.ask_channels")
			held.Press("Bỏ qua")
			held.Expect("form.confirm_title")
			held.Press("Xác nhận")
			held.Expect("register.done")
			db := h.openDB()
			s, err := sqlite.NewSubjectStore(db).Get(context.Background(), held.stored(db).SubjectID)
			if err != nil || s.Representative != "Nguyễn Văn An" || s.Name != "HTX Rau sạch "+held.chatID() {
				t.Fatalf("the subject registered through the outage: %+v, %v", s, err)
			}
			if held.count("error.unavailable") != 0 || held.count("form.lost") != 0 {
				t.Error("«held» was told of a problem")
			}
			held.Quiet()
			lost.Quiet()
		})
	}
}
