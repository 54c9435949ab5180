package main

// The admin's command line: import, export and backup. Each reads the same
// configuration as the bot (environment and flags, parseConfig), works on
// the database while the bot may be running, and prints its messages from
// the locales (Vietnamese unless -lang en).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/importer"
	"github.com/ocop-tayninh/ocopbot/locales"
	"github.com/ocop-tayninh/ocopbot/storage/blob"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// adminCmd is a parsed admin command line.
type adminCmd struct {
	cfg  *Config
	arg  string // the one positional argument: a file or a directory
	lang string
	t    func(id string, data map[string]any) string
}

// forwarded are the configuration flags an admin command accepts besides
// the environment (the bot's other settings do not concern it).
var forwarded = []struct{ name, usage string }{
	{"db", "SQLite database file (env DB_PATH)"},
	{"places-file", "CSV of communes and wards (env PLACES_FILE)"},
	{"province-code", "province code in product codes (env PROVINCE_CODE)"},
	{"tz", "time zone (env TZ)"},
}

// parseAdmin parses "ocopbot <name> [flags] ARG [flags]": the command's own
// flags (define), the configuration flags of forwarded, and exactly one
// positional argument, in any order. The configuration is then read by
// parseConfig, as for the bot.
func parseAdmin(name, usageID string, args []string, getenv func(string) string, stderr io.Writer, define func(*flag.FlagSet)) (*adminCmd, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", domain.LocaleVI, "language of the messages: vi or en")
	values := map[string]*string{}
	for _, f := range forwarded {
		values[f.name] = fs.String(f.name, "", f.usage)
	}
	if define != nil {
		define(fs)
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		return nil, err
	}
	if *lang != domain.LocaleVI && *lang != domain.LocaleEN {
		return nil, fmt.Errorf("-lang: %q is not vi or en", *lang)
	}
	c := &adminCmd{lang: *lang, t: func(id string, data map[string]any) string { return tr.T(*lang, id, plain(data)) }}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return nil, errors.New(c.t(usageID, nil))
	}
	c.arg = pos[0]
	var cfgArgs []string
	fs.Visit(func(f *flag.Flag) {
		if _, ok := values[f.Name]; ok {
			cfgArgs = append(cfgArgs, "-"+f.Name+"="+f.Value.String())
		}
	})
	if c.cfg, err = parseConfig(name, cfgArgs, getenv, stderr); err != nil {
		return nil, err
	}
	return c, nil
}

// plain marks template data as not to be escaped: the command line prints
// plain text, not HTML.
func plain(data map[string]any) map[string]any {
	if len(data) == 0 {
		return nil
	}
	out := make(map[string]any, len(data))
	for k, v := range data {
		switch x := v.(type) {
		case string:
			out[k] = bot.HTML(x)
		case []string:
			out[k] = bot.HTML(strings.Join(x, ", "))
		default:
			out[k] = v
		}
	}
	return out
}

func (c *adminCmd) now() time.Time {
	if c.cfg.now != nil {
		return c.cfg.now()
	}
	return time.Now()
}

func (c *adminCmd) println(w io.Writer, id string, data map[string]any) {
	fmt.Fprintln(w, c.t(id, data))
}

// runImport loads a list of already-rated products: "ocopbot import FILE".
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var dryRun bool
	c, err := parseAdmin("import", "import.usage", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&dryRun, "dry-run", false, "check the file and report what would change, without saving")
	})
	if err != nil {
		return err
	}
	places, err := loadPlaces(c.cfg.PlacesFile)
	if err != nil {
		return err
	}
	rules, err := domain.DefaultRulebooks()
	if err != nil {
		return fmt.Errorf("rulebooks: %w", err)
	}
	f, err := os.Open(c.arg)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := importer.Read(f, c.arg, importer.Env{Places: places, Rules: rules, Location: c.cfg.Location, Now: c.now})
	var rejected *importer.RejectedError
	if errors.As(err, &rejected) {
		for _, p := range rejected.Problems {
			fmt.Fprintln(stderr, c.problem(p))
		}
		return errors.New(c.t("import.rejected", map[string]any{"File": c.arg, "Count": len(rejected.Problems)}))
	}
	if err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, c.cfg.DBPath, c.cfg.now)
	if err != nil {
		return fmt.Errorf("database %s: %w", c.cfg.DBPath, err)
	}
	defer db.Close()
	batch := make([]sqlite.ImportRow, len(rows))
	for i, r := range rows {
		batch[i] = sqlite.ImportRow(r)
	}
	res, err := sqlite.NewImportStore(db).ImportBatch(ctx, batch, sqlite.ImportOptions{ProvinceCode: c.cfg.ProvinceCode, DryRun: dryRun})
	var conflicts *sqlite.ImportConflicts
	if errors.As(err, &conflicts) {
		for _, r := range conflicts.Rows {
			reason := c.t("import.phone_held", map[string]any{"Phone": domain.FormatPhone(r.Phone), "Stored": r.Stored, "Name": r.Name})
			fmt.Fprintln(stderr, c.t("import.problem_row", map[string]any{"Line": r.Line, "Reason": reason}))
		}
		return errors.New(c.t("import.rejected", map[string]any{"File": c.arg, "Count": len(conflicts.Rows)}))
	}
	if err != nil {
		return err
	}
	for _, r := range res.Rows {
		data := map[string]any{"Line": r.Line, "Code": r.Product.Code, "Name": r.Product.Name}
		switch r.Outcome {
		case sqlite.ImportCreated:
			c.println(stdout, "import.row_created", data)
		case sqlite.ImportUpdated:
			c.println(stdout, "import.row_updated", data)
		}
	}
	summary := "import.done"
	if dryRun {
		summary = "import.dry_run"
	}
	c.println(stdout, summary, map[string]any{"File": c.arg, "Created": res.Created, "Updated": res.Updated, "Unchanged": res.Unchanged})
	return nil
}

// problem renders one reason a file was rejected.
func (c *adminCmd) problem(p importer.Problem) string {
	data := map[string]any{}
	for k, v := range p.Data {
		data[k] = v
	}
	if cols, ok := data["Columns"].([]string); ok {
		names := make([]string, len(cols))
		for i, k := range cols {
			names[i] = c.t("import.column."+k, nil)
		}
		data["Columns"] = names
	}
	reason := c.t(p.MsgID, data)
	switch {
	case p.Line == 0 || p.MsgID == "import.missing_columns":
		return reason
	case p.Column == "":
		return c.t("import.problem_row", map[string]any{"Line": p.Line, "Reason": reason})
	}
	return c.t("import.problem", map[string]any{"Line": p.Line, "Column": c.t("import.column."+p.Column, nil), "Reason": reason})
}

// runBackup writes a consistent copy of the database and the uploaded
// files into DIR/ocop-YYYYMMDD-HHMMSS: "ocopbot backup DIR".
//
// The database is copied first, from one snapshot (VACUUM INTO), then the
// files. Files are stored before any row refers to them and are never
// changed, so every file the snapshot refers to is in the copy; the copy is
// checked for that before it is given its final name. Until then it is a
// hidden ".ocop-....partial" directory, so a directory named ocop-... is
// always a complete backup.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseAdmin("backup", "backup.usage", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	if _, err := os.Stat(c.cfg.DBPath); err != nil {
		return errors.New(c.t("backup.no_database", map[string]any{"Path": c.cfg.DBPath}))
	}
	stamp := c.now().In(c.cfg.Location).Format("20060102-150405")
	final := filepath.Join(c.arg, "ocop-"+stamp)
	partial := filepath.Join(c.arg, ".ocop-"+stamp+".partial")
	if _, err := os.Lstat(final); err == nil {
		return errors.New(c.t("backup.exists", map[string]any{"Dir": final}))
	}
	if err := os.MkdirAll(c.arg, 0o750); err != nil {
		return err
	}
	if err := os.Mkdir(partial, 0o750); err != nil {
		if errors.Is(err, os.ErrExist) {
			return errors.New(c.t("backup.exists", map[string]any{"Dir": partial}))
		}
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(partial)
		}
	}()

	db, err := sqlite.Open(ctx, c.cfg.DBPath, c.cfg.now)
	if err != nil {
		return fmt.Errorf("database %s: %w", c.cfg.DBPath, err)
	}
	dbFile := filepath.Join(partial, filepath.Base(c.cfg.DBPath))
	err = db.BackupTo(ctx, dbFile)
	db.Close()
	if err != nil {
		return fmt.Errorf("backup of %s: %w", c.cfg.DBPath, err)
	}
	if err := os.Chmod(dbFile, 0o640); err != nil { // personal data
		return err
	}
	blobs, err := blob.Open(filepath.Join(filepath.Dir(c.cfg.DBPath), "files"))
	if err != nil {
		return err
	}
	filesDir := filepath.Join(partial, "files")
	if err := os.Mkdir(filesDir, 0o750); err != nil {
		return err
	}
	files, _, err := blobs.CopyTo(filesDir)
	if err != nil {
		return err
	}
	if err := checkBackup(ctx, c, dbFile, filesDir); err != nil {
		return err
	}
	if err := os.Rename(partial, final); err != nil {
		return err
	}
	ok = true
	syncDir(c.arg)
	size := int64(0)
	if fi, err := os.Stat(filepath.Join(final, filepath.Base(c.cfg.DBPath))); err == nil {
		size = fi.Size()
	}
	c.println(stdout, "backup.done", map[string]any{"Dir": final, "Size": humanSize(size), "Files": files})
	return nil
}

// checkBackup opens the copied database and checks that every file it
// refers to was copied.
func checkBackup(ctx context.Context, c *adminCmd, dbFile, filesDir string) error {
	snap, err := sqlite.Open(ctx, dbFile, c.cfg.now)
	if err != nil {
		return fmt.Errorf("the copy does not open: %w", err)
	}
	sums, err := snap.ReferencedBlobs(ctx)
	snap.Close()
	if err != nil {
		return err
	}
	var missing []string
	for _, s := range sums {
		if !blob.HasIn(filesDir, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return errors.New(c.t("backup.missing_files", map[string]any{"Count": len(missing), "Example": missing[0]}))
	}
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// humanSize writes a size in bytes for people: "1,5 MB".
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, units := float64(n)/unit, "KMGT"
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	return strings.Replace(fmt.Sprintf("%.1f %cB", v, units[i]), ".", ",", 1)
}

// runExport writes the report workbook: "ocopbot export FILE.xlsx".
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseAdmin("export", "export.usage", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	if !strings.EqualFold(filepath.Ext(c.arg), ".xlsx") {
		return errors.New(c.t("export.not_xlsx", map[string]any{"File": c.arg}))
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := build(ctx, c.cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	wb, err := exportWorkbook(ctx, a)
	if err != nil {
		return err
	}
	defer wb.Close()
	if err := writeAtomically(c.arg, func(w io.Writer) error { _, err := wb.WriteTo(w); return err }); err != nil {
		return err
	}
	c.println(stdout, "export.done", map[string]any{"File": c.arg})
	return nil
}

// writeAtomically writes a file through a temporary one beside it, renamed
// into place once complete.
func writeAtomically(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o640); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
