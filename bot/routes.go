package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Access says who may use a route. Its zero value is no one: every route
// says who may use it, and registering one that does not fails.
type Access uint8

const (
	// Anyone who writes to the bot: producers and officers.
	Anyone Access = iota + 1
	// Officers of a commune or the province, and admins.
	Officers
	// Admins only.
	Admins
)

var accessNames = [...]string{"", "anyone", "officers", "admins"}

func (a Access) String() string {
	if a.valid() {
		return accessNames[a]
	}
	return "no one"
}

func (a Access) valid() bool { return a >= Anyone && a <= Admins }

// Allows reports whether u may use a route of this access.
func (a Access) Allows(u domain.User) bool {
	switch a {
	case Anyone:
		return true
	case Officers:
		return u.Role.IsOfficer()
	case Admins:
		return u.Role == domain.RoleAdmin
	}
	return false
}

// refusal is the message id of the answer to u, whom a route of this
// access refuses: an officer is told that only admins may (the admins'
// routes grant and remove roles), anyone else that only officers may.
func (a Access) refusal(u domain.User) string {
	if a == Admins && u.Role.IsOfficer() {
		return "officer.admins_only"
	}
	return "common.officers_only"
}

// refuse answers a user a route of this access refuses: an alert on the
// pressed button, a message otherwise.
func (a Access) refuse(ctx context.Context, c *Ctx) error {
	id := a.refusal(c.User)
	if c.Update.Callback != nil {
		return c.Answer(ctx, c.T(id), true)
	}
	return c.Say(ctx, id)
}

// Command is a slash command: its handler, or the form it starts or
// resumes.
type Command struct {
	Name    string   // "/dangky"
	Aliases []string // "/register"
	// Menu is the message id of the command's description in the
	// command menu (setMyCommands); empty keeps it out of the menu.
	Menu   string
	Access Access
	// Exactly one of Handle and Flow: a command with a Flow starts the
	// form, or resumes it where the user stopped.
	Handle HandlerFunc
	Flow   *Flow
}

// ButtonRoute sends the presses of the buttons whose data has Prefix (see
// ButtonData) to Handle, which reads the data from Ctx.Pressed.
type ButtonRoute struct {
	Prefix string
	Access Access
	Handle HandlerFunc
}

// FlowRoute is a form started by a button or a handler (StartFlow,
// StartFlowWith) rather than by a command of its own.
type FlowRoute struct {
	Access Access
	Flow   *Flow
}

// Table is everything a bot answers, in one place: commands (in the order
// of the menu), the forms started by buttons, the buttons' prefixes, each
// with who may use it; the middleware that runs before routing; and what
// answers the rest. Engine.Register adds it.
type Table struct {
	Commands []Command
	Flows    []FlowRoute
	Buttons  []ButtonRoute
	// Middleware runs after the user and the session are loaded, before
	// routing, in this order (after any added with Use before).
	Middleware []Middleware
	// Fallback answers text that is neither a command, a button nor an
	// answer to a form; Files the photos and documents sent outside a
	// form; Questions the questions typed in the middle of a form.
	Fallback  HandlerFunc
	Files     HandlerFunc
	Questions QuestionFunc
	// Menu gives the main menu's buttons for the user, shown under the
	// words that close a form (cancelled, nothing changed), so that
	// nobody is left without a way on.
	Menu func(c *Ctx) [][]Button
}

// Register adds the table's routes. A command name or alias, a button
// prefix or a form id registered twice, a route that does not say who may
// use it or has nothing to run, and a second fallback, file or question
// handler are errors, all of them reported; the engine is then not to be
// used.
func (e *Engine) Register(t Table) error {
	var errs []error
	for _, c := range t.Commands {
		errs = append(errs, e.Command(c))
	}
	for _, f := range t.Flows {
		if f.Flow == nil {
			errs = append(errs, errors.New("routes: a flow route without its flow"))
			continue
		}
		if f.Flow.Command != "" {
			errs = append(errs, fmt.Errorf("routes: flow %q has command %s: list it with the commands", f.Flow.ID, f.Flow.Command))
			continue
		}
		f.Flow.Access = f.Access
		errs = append(errs, e.Flow(f.Flow))
	}
	for _, b := range t.Buttons {
		errs = append(errs, e.Callback(b.Prefix, b.Access, b.Handle))
	}
	for _, h := range []struct {
		name string
		set  bool
		had  bool
	}{{"fallback", t.Fallback != nil, e.fallback != nil}, {"file handler", t.Files != nil, e.files != nil}, {"question handler", t.Questions != nil, e.questions != nil},
		{"menu", t.Menu != nil, e.menu != nil}} {
		if h.set && h.had {
			errs = append(errs, fmt.Errorf("routes: a second %s", h.name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, mw := range t.Middleware {
		e.Use(mw)
	}
	if t.Fallback != nil {
		e.Fallback(t.Fallback)
	}
	if t.Files != nil {
		e.Files(t.Files)
	}
	if t.Questions != nil {
		e.Questions(t.Questions)
	}
	if t.Menu != nil {
		e.menu = t.Menu
	}
	return nil
}

// Command registers a command and its aliases (and its form, if it has
// one); a name taken already is an error.
func (e *Engine) Command(c Command) error {
	if !strings.HasPrefix(c.Name, "/") || len(c.Name) < 2 {
		return fmt.Errorf("routes: command %q does not start with /", c.Name)
	}
	if !c.Access.valid() {
		return fmt.Errorf("routes: command %s does not say who may use it", c.Name)
	}
	if (c.Handle == nil) == (c.Flow == nil) {
		return fmt.Errorf("routes: command %s needs a handler or a flow, not both", c.Name)
	}
	var names []string
	for _, n := range append([]string{c.Name}, c.Aliases...) {
		n = strings.ToLower(n)
		if e.commands[n] != nil || slices.Contains(names, n) {
			return fmt.Errorf("routes: command %s registered twice", n)
		}
		names = append(names, n)
	}
	if f := c.Flow; f != nil {
		if f.Command != "" && f.Command != c.Name {
			return fmt.Errorf("routes: flow %q has command %s, not %s", f.ID, f.Command, c.Name)
		}
		f.Command, f.Menu, f.Access = c.Name, c.Menu, c.Access
		if err := e.addFlow(f); err != nil {
			return err
		}
		id := f.ID
		c.Handle = func(ctx context.Context, cx *Ctx) error { return e.StartFlow(ctx, cx, id) }
	}
	cc := c
	e.order = append(e.order, &cc)
	for _, n := range names {
		e.commands[n] = &cc
	}
	e.routes = append(e.routes, Route{Kind: "command", Name: c.Name, Access: c.Access})
	return nil
}

// Callback registers the handler of buttons whose data has this prefix
// (see ButtonData); the handler reads the data from Ctx.Pressed. A prefix
// taken already (or the forms' own) is an error.
func (e *Engine) Callback(prefix string, access Access, h HandlerFunc) error {
	switch {
	case !isWord(prefix):
		return fmt.Errorf("routes: button prefix %q is not a word", prefix)
	case prefix == formPrefix:
		return fmt.Errorf("routes: button prefix %q is the forms' own", prefix)
	case !access.valid():
		return fmt.Errorf("routes: button prefix %q does not say who may press it", prefix)
	case h == nil:
		return fmt.Errorf("routes: button prefix %q has no handler", prefix)
	}
	if _, ok := e.callbacks[prefix]; ok {
		return fmt.Errorf("routes: button prefix %q registered twice", prefix)
	}
	e.callbacks[prefix] = callbackRoute{access: access, h: h}
	e.routes = append(e.routes, Route{Kind: "button", Name: prefix, Access: access})
	return nil
}

// Flow registers a form and, when it names one, its command (as Command
// with the flow does).
func (e *Engine) Flow(f *Flow) error {
	if f.Command != "" {
		return e.Command(Command{Name: f.Command, Menu: f.Menu, Access: f.Access, Flow: f})
	}
	return e.addFlow(f)
}

func (e *Engine) addFlow(f *Flow) error {
	switch {
	case f.ID == "" || !isWord(f.ID):
		return fmt.Errorf("routes: flow id %q is not a word", f.ID)
	case !f.Access.valid():
		return fmt.Errorf("routes: flow %q does not say who may use it", f.ID)
	case e.flows[f.ID] != nil:
		return fmt.Errorf("routes: flow %q registered twice", f.ID)
	}
	e.flows[f.ID] = f
	e.routes = append(e.routes, Route{Kind: "flow", Name: f.ID, Access: f.Access})
	return nil
}

// Route is a registered command, button prefix or form.
type Route struct {
	Kind   string // "command", "button" or "flow"
	Name   string // "/duyet", "r", a form's id
	Access Access
}

// Routes lists what is registered, in the order it was: the
// authorization test tries each route as each role.
func (e *Engine) Routes() []Route { return append([]Route(nil), e.routes...) }
