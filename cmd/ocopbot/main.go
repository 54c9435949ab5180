// Command ocopbot runs Trợ lý OCOP: the Telegram bot, or the same
// conversations in the terminal (console).
//
//	ocopbot [flags]            serve Telegram (console when no token is set)
//	ocopbot console [--user N] chat with the bot in the terminal
//	ocopbot import FILE        load already-rated products (.xlsx or .csv)
//	ocopbot export FILE.xlsx   write the report workbook
//	ocopbot backup DIR         online copy of the database and uploaded files
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // TZ works on machines without a zoneinfo database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ocopbot:", err)
		os.Exit(1)
	}
}

// usage is printed by "ocopbot help".
const usage = `Trợ lý OCOP — the OCOP programme's chatbot.

Usage:
  ocopbot [flags]              serve Telegram (the console when TELEGRAM_BOT_TOKEN is empty)
  ocopbot console [--user ID]  chat with the bot in this terminal as user ID
  ocopbot import [-dry-run] FILE.xlsx|FILE.csv
                               load already-rated products and their subjects
  ocopbot export FILE.xlsx     write the report workbook
  ocopbot backup DIR           copy the database and uploaded files into
                               DIR/ocop-YYYYMMDD-HHMMSS while the bot runs
  ocopbot help                 this text

Every flag also reads an environment variable; "ocopbot -h" lists them.
`

// run is the whole program; main only calls it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd, rest := "serve", args[1:]
	if len(rest) > 0 && !isFlag(rest[0]) {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "help":
		_, err := io.WriteString(stdout, usage)
		return err
	case "serve", "console":
		cfg, err := parseConfig(cmd, rest, getenv, stderr)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stdin, stdout, stderr)
	case "import":
		return runImport(ctx, rest, getenv, stdout, stderr)
	case "export":
		return runExport(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, getenv, stdout, stderr)
	}
	return fmt.Errorf("unknown command %q (try: ocopbot help)", cmd)
}

func isFlag(s string) bool { return len(s) > 0 && s[0] == '-' }
