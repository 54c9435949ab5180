package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/ocop-tayninh/ocopbot/bench/parts"
)

// partsCommon is what the announcement and figures runs share with the rest.
func (e *env) partsCommon(ctx context.Context) (parts.Common, error) {
	bin, err := e.binary(ctx, fullPkg)
	if err != nil {
		return parts.Common{}, err
	}
	c := parts.Common{Bin: bin, GoTool: e.o.goTool, TempDir: e.dir, Keep: e.o.keep, LogLevel: e.o.logLevel, Log: e.stderr}
	if e.redis != nil {
		c.RedisURL = e.o.redisURL
	}
	return c, nil
}

// runAnnounce is part 3: an announcement to -announce-recipients users with
// the fake enforcing a limit and BROADCAST_RATE just under it, while a few
// users chat.
func runAnnounce(ctx context.Context, e *env) error {
	common, err := e.partsCommon(ctx)
	if err != nil {
		return err
	}
	figs, err := parts.Announce(ctx, parts.AnnounceConfig{Common: common, Recipients: e.o.recipients})
	for _, f := range figs {
		e.figure(f.Name, f.Value, f.Unit)
	}
	return err
}

// runFigures is part 4: /thongke and /baocao on a generated data set.
func runFigures(ctx context.Context, e *env) error {
	common, err := e.partsCommon(ctx)
	if err != nil {
		return err
	}
	figs, err := parts.Figures(ctx, parts.FiguresConfig{Common: common, Products: e.o.products, Subjects: e.o.products / 2})
	for _, f := range figs {
		e.figure(f.Name, f.Value, f.Unit)
	}
	return err
}

func announceTarget(r view) ([]string, string) {
	f, ok := r.get("announce_finish_over_ideal")
	if !ok {
		return nil, "not measured in this run"
	}
	shown := r.show("announce_recipients", "announce_finish_s", f.name, "announce_effective_rate", "announce_429", "announce_missing",
		"announce_duplicates", "announce_interactive_p99", "announce_interactive_lost")
	if r.o.recipients != 10000 {
		return shown, fmt.Sprintf("not judged: %d recipients (-announce-recipients 10000 for the target)", r.o.recipients)
	}
	tooMany, _ := r.get("announce_429")
	p99, _ := r.get("announce_interactive_p99")
	return shown, verdict(f.value <= 1.05 && tooMany.value == 0 && p99.value <= 1000)
}

func figuresTarget(r view) ([]string, string) {
	st, ok := r.get("thongke_ms")
	if !ok {
		return nil, "not measured in this run"
	}
	shown := r.show("figures_products", "figures_subjects", st.name, "thongke_cold_ms", "baocao_ms", "baocao_cold_ms", "db_size_mb")
	if r.o.products != 100000 {
		return shown, fmt.Sprintf("not judged: %d products (-figures-products 100000 for the target)", r.o.products)
	}
	bc, ok := r.get("baocao_ms")
	if !ok {
		return shown, "**missed** (/baocao did not finish)"
	}
	// A round whose /baocao did not finish took longer than any limit:
	// the median of the others would hide it.
	if unfinished := r.lacking("baocao_ms", st.name); len(unfinished) > 0 {
		return shown, fmt.Sprintf("**missed** (/baocao did not finish in round %s)", strings.Join(unfinished, ", "))
	}
	return shown, verdict(st.value <= maxThongkeMS && bc.value <= maxBaocaoMS)
}

// runPublic is the public product page (/sp/<code>) at -sp-rate requests
// a second on -sp-products products, with the bot chatting meanwhile.
func runPublic(ctx context.Context, e *env) error {
	common, err := e.partsCommon(ctx)
	if err != nil {
		return err
	}
	figs, err := parts.Public(ctx, parts.PublicConfig{Common: common, Products: e.o.spProducts, Rate: e.o.spRate, Duration: e.o.spDuration})
	for _, f := range figs {
		e.figure(f.Name, f.Value, f.Unit)
	}
	return err
}

func publicTarget(r view) ([]string, string) {
	p99, ok := r.get("sp_p99")
	if !ok {
		return nil, "not measured in this run"
	}
	shown := r.show("sp_products", "sp_offered_rate", "sp_p50", p99.name, "sp_max", "sp_failed", "sp_page_bytes", "sp_chat_rate", "sp_chat_p99", "sp_chat_lost")
	if r.o.spProducts != 100000 || r.o.spRate != 200 {
		return shown, fmt.Sprintf("not judged: %d products at %.0f requests/s (-sp-products 100000 -sp-rate 200 for the target)", r.o.spProducts, r.o.spRate)
	}
	failed, _ := r.get("sp_failed")
	return shown, verdict(p99.value <= 20 && failed.value == 0)
}
