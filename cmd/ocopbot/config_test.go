package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigDefaultsAndFlagsOverEnv(t *testing.T) {
	cfg, err := parseConfig("serve", []string{"-db", "/tmp/x.db"}, env(map[string]string{"DB_PATH": "/tmp/env.db", "ADMIN_IDS": " 12, 34 "}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DBPath != "/tmp/x.db" {
		t.Errorf("flag did not win over env: %q", cfg.DBPath)
	}
	if !cfg.Console {
		t.Error("no token should mean the console")
	}
	if len(cfg.AdminIDs) != 2 || cfg.AdminIDs[0] != "12" || cfg.AdminIDs[1] != "34" {
		t.Errorf("admins: %v", cfg.AdminIDs)
	}
	if cfg.HTTPAddr != ":8080" || cfg.TelegramAPIURL != "https://api.telegram.org" || cfg.TZ != "Asia/Ho_Chi_Minh" || cfg.RedisPrefix != "ocop:" ||
		cfg.BroadcastRate != 25 || cfg.TelegramRate != 0 {
		t.Errorf("defaults: %+v", cfg)
	}
	cfg, err = parseConfig("serve", []string{"-telegram-rate", "300"}, env(map[string]string{"BROADCAST_RATE": "250"}), io.Discard)
	if err != nil || cfg.TelegramRate != 300 || cfg.BroadcastRate != 250 {
		t.Errorf("rates: %v, %+v", err, cfg)
	}
}

func TestConfigRejectsBadValuesClearly(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"TELEGRAM_BOT_TOKEN": "nope"}, "TELEGRAM_BOT_TOKEN"},
		{map[string]string{"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"},
		{map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_URL": "https://bot.example/hook"}, "TELEGRAM_WEBHOOK_SECRET"},
		{map[string]string{"TELEGRAM_WEBHOOK_URL": "not a url"}, "TELEGRAM_WEBHOOK_URL"},
		{map[string]string{"ADMIN_IDS": "12,abc"}, `ADMIN_IDS: "abc"`},
		{map[string]string{"HTTP_ADDR": "8080"}, "HTTP_ADDR"},
		{map[string]string{"HTTP_MAX_CONNS": "2"}, "HTTP_MAX_CONNS"},
		{map[string]string{"TZ": "Mars/Olympus"}, "TZ"},
		{map[string]string{"REDIS_URL": "http://x"}, "REDIS_URL"},
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{map[string]string{"TELEGRAM_RATE": "fast"}, "TELEGRAM_RATE"},
		{map[string]string{"BROADCAST_RATE": "250", "TELEGRAM_RATE": "200"}, "below BROADCAST_RATE"},
		{map[string]string{"ZALO_APP_ID": "1", "ZALO_OA_SECRET": "s"}, "ZALO_APP_SECRET and ZALO_REFRESH_TOKEN"},
		{map[string]string{"ZALO_RATE": "100"}, "ZALO_RATE"},
		{map[string]string{"ZALO_API_URL": "openapi.zalo.me"}, "ZALO_API_URL"},
		{map[string]string{"ZALO_WEBHOOK_PATH": "zalo"}, "ZALO_WEBHOOK_PATH"},
		{map[string]string{"ADMIN_IDS": "zalo:abc"}, `ADMIN_IDS: "zalo:abc"`},
		{map[string]string{"PUBLIC_URL": "ocop.example"}, "PUBLIC_URL"},
	} {
		_, err := parseConfig("serve", nil, env(tc.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.want)
		}
	}
	if _, err := parseConfig("serve", []string{"extra"}, env(nil), io.Discard); err == nil {
		t.Error("a stray argument was accepted")
	}
}

func TestSecretsNeverShowInLogs(t *testing.T) {
	cfg, err := parseConfig("serve", nil, env(map[string]string{"TELEGRAM_BOT_TOKEN": "123:SECRETTOKEN", "REDIS_URL": "redis://:pw@127.0.0.1:6379/0",
		"ZALO_APP_ID": "42", "ZALO_APP_SECRET": "SECRETAPP", "ZALO_OA_SECRET": "SECRETOA", "ZALO_REFRESH_TOKEN": "SECRETREFRESH"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("cfg", "token", cfg.TelegramToken, "redis", cfg.RedisURL, "all", cfg)
	if strings.Contains(b.String(), "SECRET") || strings.Contains(b.String(), "pw@") {
		t.Fatalf("a secret leaked into the log: %s", b.String())
	}
}

func TestRunRejectsUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"ocopbot", "frobnicate"}, env(nil), strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("err = %v", err)
	}
}

// TestConsoleRegistration is `make run` without a token: the registration
// can be completed in the terminal, buttons typed as numbers.
func TestConsoleRegistration(t *testing.T) {
	dir := t.TempDir()
	in := strings.Join([]string{
		"1", // consent: Đồng ý
		"1", // menu: Đăng ký
		"1", // Hợp tác xã
		"HTX Bánh tráng phơi sương",
		"Võ Thị Hạnh",
		"1",            // share contact
		"0912 345 678", // the console asks for the number
		"go dau",       // several matches
		"1",            // Phường Gò Dầu
		"bo qua",       // no registration number
		"1 3",          // supermarket and e-commerce
		"xong",
		"1", // Xác nhận
		"/trangthai",
	}, "\n") + "\n"
	var out syncBuffer
	getenv := env(map[string]string{"DB_PATH": dir + "/ocop.db"})
	if err := run(context.Background(), []string{"ocopbot", "console", "--user", "77"}, getenv, strings.NewReader(in), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"[1] Đồng ý", "Bước 1/7", "[1] Phường Gò Dầu", "Đăng ký xong", "Điện thoại: 0912 345 678 (đã xác thực)",
		"Kênh bán hàng: Siêu thị, Sàn thương mại điện tử", "Thông tin cơ sở",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("console output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

// The Zalo channel: all four credentials start it (beside Telegram when a
// token is set too, and then there is no console); zalo:<id> admins are
// keyed apart from Telegram's.
func TestConfigZalo(t *testing.T) {
	zalo := map[string]string{"ZALO_APP_ID": "42", "ZALO_APP_SECRET": "a", "ZALO_OA_SECRET": "o", "ZALO_REFRESH_TOKEN": "r",
		"ADMIN_IDS": "12, zalo:5000000000000000001", "PUBLIC_URL": "https://ocop.example/"}
	cfg, err := parseConfig("serve", nil, env(zalo), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Zalo() || cfg.Console || cfg.ZaloRate != 20 || cfg.ZaloWebhookPath != "/zalo/webhook" || cfg.ZaloAPIURL != "https://openapi.zalo.me" ||
		cfg.ZaloOAuthURL != "https://oauth.zaloapp.com" || cfg.PublicURL != "https://ocop.example" {
		t.Fatalf("zalo settings: %+v", cfg)
	}
	keys := cfg.AdminKeys()
	if !keys["telegram:12"] || !keys["console:12"] || !keys["zalo:5000000000000000001"] || keys["telegram:5000000000000000001"] || len(keys) != 3 {
		t.Fatalf("admin keys: %v", keys)
	}
	zalo["TELEGRAM_BOT_TOKEN"] = "1:abc"
	if cfg, err := parseConfig("serve", nil, env(zalo), io.Discard); err != nil || cfg.Console || !cfg.Zalo() {
		t.Fatalf("both channels: %v, %+v", err, cfg)
	}
	if cfg, err := parseConfig("console", []string{"--channel", "zalo"}, env(zalo), io.Discard); err != nil || !cfg.Console || cfg.ConsoleChannel != "zalo" {
		t.Fatalf("console --channel zalo: %v, %+v", err, cfg)
	}
	if _, err := parseConfig("console", []string{"--channel", "viber"}, env(nil), io.Discard); err == nil {
		t.Fatal("an unknown console channel was accepted")
	}
}
