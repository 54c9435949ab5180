package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Secret is a configuration value that never shows in logs.
type Secret string

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// String hides the value from fmt.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "REDACTED"
}

// MarshalJSON hides the value from encoders (a Config logged whole).
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// Config is the bot's configuration, from environment variables and flags
// (a flag wins over its variable).
type Config struct {
	TelegramToken  Secret
	TelegramAPIURL string
	WebhookURL     string
	WebhookSecret  Secret
	WebhookPath    string
	DBPath         string
	RedisURL       Secret // may carry a password
	RedisPrefix    string
	AdminIDs       []string
	HTTPAddr       string
	HTTPMaxConns   int // open connections of HTTP_ADDR at most
	PlacesFile     string
	PlanFile       string       // PLAN_FILE: "" is the embedded Tây Ninh plan
	Plan           *domain.Plan // the plan read from PlanFile, nil for the default
	Rules          string       // pinned rulebook of new dossiers, "" = by date
	ProvinceCode   string
	TZ             string
	Location       *time.Location
	LogLevel       slog.Level
	// BroadcastRate is the most bulk messages a second (announcements,
	// invitations, reminders).
	BroadcastRate float64
	// TelegramRate is the most messages a second the messenger allows
	// overall, replies and bulk together (TELEGRAM_RATE; 0: 30, or
	// BroadcastRate+5 when that is higher).
	TelegramRate float64
	// Zalo Official Account (DESIGN §3b): the channel runs when ZaloAppID,
	// ZaloAppSecret, ZaloOASecret and ZaloRefreshToken are set.
	ZaloAppID        string
	ZaloAppSecret    Secret // OAuth (secret_key header)
	ZaloOASecret     Secret // webhook signature
	ZaloRefreshToken Secret // the first refresh token; later ones are in the database
	ZaloAPIURL       string
	ZaloOAuthURL     string
	ZaloWebhookPath  string
	// ZaloRate is the most bulk messages a second to Zalo users.
	ZaloRate float64
	// PublicURL is where the outside world reaches HTTP_ADDR (download
	// links, product pages), without a trailing slash; "" when not set.
	PublicURL string
	// PublicRate is the most public page requests (/sp) a second from one
	// address (PUBLIC_RATE).
	PublicRate float64
	// UserRate is how many messages a minute one person may send before
	// the bot asks them to slow down (half of it may come at once); 0: no
	// limit.
	UserRate int
	// Console: chat in the terminal instead of Telegram; ConsoleUser is the
	// user id to chat as; ConsoleChannel is "console" or "zalo" (the Zalo
	// experience: plain text, at most 5 buttons, no edits).
	Console        bool
	ConsoleUser    int64
	ConsoleChannel string
	// now replaces the clock in tests.
	now func() time.Time
}

// setting is one variable and its flag.
type setting struct {
	env, flag, def, usage string
	dst                   *string
}

// parseConfig reads the configuration of the "serve" or "console" command.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	var raw struct {
		token, api, hook, secret, path, db, redis, prefix, admins, addr, places, plan, rules, province, tz, level, broadcast, telegramRate   string
		zaloApp, zaloAppSecret, zaloOASecret, zaloRefresh, zaloAPI, zaloOAuth, zaloPath, zaloRate, publicURL, publicRate, maxConns, userRate string
	}
	settings := []setting{
		{"TELEGRAM_BOT_TOKEN", "telegram-token", "", "token from BotFather; empty: console", &raw.token},
		{"TELEGRAM_API_URL", "telegram-api-url", "https://api.telegram.org", "Bot API server", &raw.api},
		{"TELEGRAM_WEBHOOK_URL", "webhook-url", "", "public webhook URL; empty: long polling", &raw.hook},
		{"TELEGRAM_WEBHOOK_SECRET", "webhook-secret", "", "secret token Telegram sends with each webhook call", &raw.secret},
		{"TELEGRAM_WEBHOOK_PATH", "webhook-path", "", "path served on HTTP_ADDR for the webhook (default: the URL's path)", &raw.path},
		{"DB_PATH", "db", "data/ocop.db", "SQLite database file", &raw.db},
		{"REDIS_URL", "redis-url", "", "Redis URL; empty: embedded store in the SQLite file", &raw.redis},
		{"REDIS_PREFIX", "redis-prefix", "ocop:", "prefix of every Redis key (several bots can share a server)", &raw.prefix},
		{"ADMIN_IDS", "admin-ids", "", "comma-separated user ids that are admins: 123 (Telegram) or zalo:456 (Zalo)", &raw.admins},
		{"HTTP_ADDR", "http-addr", ":8080", "address for /healthz and the webhook", &raw.addr},
		{"HTTP_MAX_CONNS", "http-max-conns", "256", "open connections of HTTP_ADDR at most; at the bound the longest idle or slowest is closed", &raw.maxConns},
		{"PLACES_FILE", "places-file", "", "CSV of communes and wards (default: embedded Tây Ninh 2025)", &raw.places},
		{"PLAN_FILE", "plan-file", "", "JSON plan: targets, budget, crafts (default: embedded Tây Ninh plan 2023–2025)", &raw.plan},
		{"RULES", "rules", "", "pin the rulebook of new dossiers (e.g. qd148-2023); default: the one in force that day", &raw.rules},
		{"PROVINCE_CODE", "province-code", "80", "province code in product codes and receipt numbers (Tây Ninh since 1/7/2025: 80)", &raw.province},
		{"TZ", "tz", "Asia/Ho_Chi_Minh", "time zone of deadlines and reminders", &raw.tz},
		{"LOG_LEVEL", "log-level", "info", "debug, info, warn or error", &raw.level},
		{"BROADCAST_RATE", "broadcast-rate", "25", "bulk messages a second (announcements, invitations, reminders)", &raw.broadcast},
		{"ZALO_APP_ID", "zalo-app-id", "", "Zalo app id (developers.zalo.me)", &raw.zaloApp},
		{"ZALO_APP_SECRET", "zalo-app-secret", "", "Zalo app secret key (OAuth token refresh)", &raw.zaloAppSecret},
		{"ZALO_OA_SECRET", "zalo-oa-secret", "", "Zalo OA secret key (webhook signature)", &raw.zaloOASecret},
		{"ZALO_REFRESH_TOKEN", "zalo-refresh-token", "", "the first OA refresh token; later ones are rotated and kept in the database", &raw.zaloRefresh},
		{"ZALO_API_URL", "zalo-api-url", "https://openapi.zalo.me", "Zalo OA API base", &raw.zaloAPI},
		{"ZALO_OAUTH_URL", "zalo-oauth-url", "https://oauth.zaloapp.com", "Zalo OAuth base", &raw.zaloOAuth},
		{"ZALO_WEBHOOK_PATH", "zalo-webhook-path", "/zalo/webhook", "path of the Zalo webhook on HTTP_ADDR", &raw.zaloPath},
		{"ZALO_RATE", "zalo-rate", "20", "bulk messages a second to Zalo users", &raw.zaloRate},
		{"PUBLIC_URL", "public-url", "", "the address the outside world reaches HTTP_ADDR at (download links, product pages)", &raw.publicURL},
		{"PUBLIC_RATE", "public-rate", "5", "public product pages (/sp) a second from one address; a short burst of 4 times that passes", &raw.publicRate},
		{"USER_RATE", "user-rate", "120", "messages a minute one person may send (half of them at once) before being asked to slow down; 0: no limit", &raw.userRate},
		{"TELEGRAM_RATE", "telegram-rate", "", "messages a second the Bot API allows overall, replies and bulk together; empty: 30 (raise it for paid broadcasts or a local Bot API server)", &raw.telegramRate},
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range settings {
		def := s.def
		if v, ok := lookup(getenv, s.env); ok {
			def = v
		}
		fs.StringVar(s.dst, s.flag, def, s.usage+" (env "+s.env+")")
	}
	cfg := &Config{}
	console := name == "console"
	fs.Int64Var(&cfg.ConsoleUser, "user", 1, "console: the user id to chat as")
	fs.StringVar(&cfg.ConsoleChannel, "channel", "console", "console: console, or zalo to see replies as Zalo shows them")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg.TelegramToken = Secret(strings.TrimSpace(raw.token))
	cfg.TelegramAPIURL = strings.TrimRight(strings.TrimSpace(raw.api), "/")
	cfg.WebhookURL = strings.TrimSpace(raw.hook)
	cfg.WebhookSecret = Secret(raw.secret)
	cfg.WebhookPath = strings.TrimSpace(raw.path)
	cfg.DBPath = strings.TrimSpace(raw.db)
	cfg.RedisURL = Secret(strings.TrimSpace(raw.redis))
	cfg.RedisPrefix = raw.prefix
	cfg.HTTPAddr = strings.TrimSpace(raw.addr)
	cfg.PlacesFile = strings.TrimSpace(raw.places)
	cfg.PlanFile = strings.TrimSpace(raw.plan)
	cfg.TZ = strings.TrimSpace(raw.tz)
	cfg.Rules = strings.TrimSpace(raw.rules)
	cfg.ProvinceCode = strings.TrimSpace(raw.province)
	cfg.ZaloAppID = strings.TrimSpace(raw.zaloApp)
	cfg.ZaloAppSecret = Secret(strings.TrimSpace(raw.zaloAppSecret))
	cfg.ZaloOASecret = Secret(strings.TrimSpace(raw.zaloOASecret))
	cfg.ZaloRefreshToken = Secret(strings.TrimSpace(raw.zaloRefresh))
	cfg.ZaloAPIURL = strings.TrimRight(strings.TrimSpace(raw.zaloAPI), "/")
	cfg.ZaloOAuthURL = strings.TrimRight(strings.TrimSpace(raw.zaloOAuth), "/")
	cfg.ZaloWebhookPath = strings.TrimSpace(raw.zaloPath)
	cfg.PublicURL = strings.TrimRight(strings.TrimSpace(raw.publicURL), "/")
	cfg.Console = console || (cfg.TelegramToken == "" && !cfg.Zalo())

	var errs []error
	bad := func(env, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{env}, a...)...))
	}
	if cfg.TelegramToken != "" && !tokenRE.MatchString(string(cfg.TelegramToken)) {
		bad("TELEGRAM_BOT_TOKEN", "does not look like a BotFather token (digits:letters)")
	}
	if u, err := url.Parse(cfg.TelegramAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("TELEGRAM_API_URL", "%q is not an http(s) URL", cfg.TelegramAPIURL)
	}
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("TELEGRAM_WEBHOOK_URL", "%q is not an http(s) URL", cfg.WebhookURL)
		} else if cfg.WebhookPath == "" {
			cfg.WebhookPath = u.EscapedPath()
		}
		if cfg.WebhookPath == "" {
			cfg.WebhookPath = "/"
		}
		if !secretRE.MatchString(string(cfg.WebhookSecret)) {
			bad("TELEGRAM_WEBHOOK_SECRET", "is required with a webhook: 1 to 256 characters A-Z, a-z, 0-9, _ or -")
		}
	}
	if cfg.WebhookPath != "" && !strings.HasPrefix(cfg.WebhookPath, "/") {
		bad("TELEGRAM_WEBHOOK_PATH", "%q must start with /", cfg.WebhookPath)
	}
	if cfg.DBPath == "" {
		bad("DB_PATH", "must not be empty")
	}
	if r := string(cfg.RedisURL); r != "" {
		if u, err := url.Parse(r); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			bad("REDIS_URL", "must be a redis://, rediss:// or unix:// URL")
		}
	}
	for _, id := range strings.Split(raw.admins, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if z, ok := strings.CutPrefix(id, "zalo:"); ok {
			if _, err := strconv.ParseUint(z, 10, 64); err != nil {
				bad("ADMIN_IDS", "%q is not zalo: and a numeric Zalo user id", id)
				continue
			}
			cfg.AdminIDs = append(cfg.AdminIDs, id)
			continue
		}
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
			bad("ADMIN_IDS", "%q is not a numeric Telegram user id (or zalo:<id>)", id)
			continue
		}
		cfg.AdminIDs = append(cfg.AdminIDs, id)
	}
	var zaloMissing []string
	zaloCreds := []struct{ env, v string }{{"ZALO_APP_ID", cfg.ZaloAppID}, {"ZALO_APP_SECRET", string(cfg.ZaloAppSecret)},
		{"ZALO_OA_SECRET", string(cfg.ZaloOASecret)}, {"ZALO_REFRESH_TOKEN", string(cfg.ZaloRefreshToken)}}
	for _, c := range zaloCreds {
		if c.v == "" {
			zaloMissing = append(zaloMissing, c.env)
		}
	}
	if n := len(zaloMissing); n > 0 && n < len(zaloCreds) {
		list := strings.Join(zaloMissing[:n-1], ", ")
		if n > 1 {
			list += " and "
		}
		list += zaloMissing[n-1]
		bad("ZALO_APP_ID", "the Zalo channel needs all four credentials: missing %s", list)
	}
	for env, v := range map[string]string{"ZALO_API_URL": cfg.ZaloAPIURL, "ZALO_OAUTH_URL": cfg.ZaloOAuthURL} {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(env, "%q is not an http(s) URL", v)
		}
	}
	if !strings.HasPrefix(cfg.ZaloWebhookPath, "/") {
		bad("ZALO_WEBHOOK_PATH", "%q must start with /", cfg.ZaloWebhookPath)
	} else if cfg.Zalo() && cfg.WebhookURL != "" && cfg.ZaloWebhookPath == cfg.WebhookPath {
		bad("ZALO_WEBHOOK_PATH", "%q is also Telegram's webhook path", cfg.ZaloWebhookPath)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(raw.userRate)); err != nil || n < 0 || n > 100000 {
		bad("USER_RATE", "%q is not a number of messages a minute from 0 to 100000", raw.userRate)
	} else {
		cfg.UserRate = n
	}
	if r, err := strconv.ParseFloat(strings.TrimSpace(raw.publicRate), 64); err != nil || r < 0.1 || r > 100000 {
		bad("PUBLIC_RATE", "%q is not a number of requests a second from 0.1 to 100000", raw.publicRate)
	} else {
		cfg.PublicRate = r
	}
	if r, err := strconv.ParseFloat(strings.TrimSpace(raw.zaloRate), 64); err != nil || r < 1 || r > 66 {
		bad("ZALO_RATE", "%q is not a number of messages a second from 1 to 66 (Zalo allows 4,000 a minute)", raw.zaloRate)
	} else {
		cfg.ZaloRate = r
	}
	if cfg.PublicURL != "" {
		if u, err := url.Parse(cfg.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("PUBLIC_URL", "%q is not an http(s) URL", cfg.PublicURL)
		}
	}
	if cfg.ConsoleChannel != "console" && cfg.ConsoleChannel != "zalo" {
		bad("--channel", "%q is not console or zalo", cfg.ConsoleChannel)
	}
	if _, _, err := net.SplitHostPort(cfg.HTTPAddr); err != nil {
		bad("HTTP_ADDR", "%q is not host:port (e.g. :8080)", cfg.HTTPAddr)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(raw.maxConns)); err != nil || n < 8 || n > 100000 {
		bad("HTTP_MAX_CONNS", "%q is not a number of connections from 8 to 100000", raw.maxConns)
	} else {
		cfg.HTTPMaxConns = n
	}
	if !provinceRE.MatchString(cfg.ProvinceCode) {
		bad("PROVINCE_CODE", "%q is not a 2-digit province code", cfg.ProvinceCode)
	}
	loc, err := time.LoadLocation(cfg.TZ)
	if err != nil || cfg.TZ == "" {
		bad("TZ", "unknown time zone %q (e.g. Asia/Ho_Chi_Minh)", cfg.TZ)
	}
	cfg.Location = loc
	if r, err := strconv.ParseFloat(strings.TrimSpace(raw.broadcast), 64); err != nil || r < 1 || r > 1000 {
		bad("BROADCAST_RATE", "%q is not a number of messages a second from 1 to 1000", raw.broadcast)
	} else {
		cfg.BroadcastRate = r
	}
	if v := strings.TrimSpace(raw.telegramRate); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		switch {
		case err != nil || r < 1 || r > 10000:
			bad("TELEGRAM_RATE", "%q is not a number of messages a second from 1 to 10000", raw.telegramRate)
		case cfg.BroadcastRate > 0 && r < cfg.BroadcastRate:
			bad("TELEGRAM_RATE", "%g is below BROADCAST_RATE (%g): bulk messages alone would exceed it", r, cfg.BroadcastRate)
		default:
			cfg.TelegramRate = r
		}
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(raw.level)); err != nil {
		bad("LOG_LEVEL", "%q is not debug, info, warn or error", raw.level)
	}
	if console && cfg.ConsoleUser <= 0 {
		errs = append(errs, errors.New("--user: must be a positive id"))
	}
	if cfg.PlanFile != "" {
		if cfg.Plan, err = readPlan(cfg.PlanFile); err != nil {
			bad("PLAN_FILE", "%v", err)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// Zalo reports whether the Zalo channel is configured.
func (c *Config) Zalo() bool { return c.ZaloAppID != "" && c.ZaloOASecret != "" }

// AdminKeys are the admins as the engine keys users ("telegram:123",
// "zalo:456"); a plain id is a Telegram user's, and the console user's
// with that number.
func (c *Config) AdminKeys() map[string]bool {
	keys := map[string]bool{}
	for _, id := range c.AdminIDs {
		if strings.HasPrefix(id, "zalo:") {
			keys[id] = true
			continue
		}
		keys["telegram:"+id] = true
		keys["console:"+id] = true
	}
	return keys
}

var (
	tokenRE    = regexp.MustCompile(`^\d+:[A-Za-z0-9_-]+$`)
	secretRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	provinceRE = regexp.MustCompile(`^\d{2}$`)
)

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}
