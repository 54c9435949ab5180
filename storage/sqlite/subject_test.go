package sqlite_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func TestSubjectRoundTrip(t *testing.T) {
	ctx := t.Context()
	c := newClock()
	db, path := open(t, c)
	subjects := sqlite.NewSubjectStore(db)

	s := domain.Subject{
		Kind:           domain.KindCooperative,
		Name:           "Robert'); DROP TABLE subjects;--",
		Representative: "Nguyễn Thị \"Bé\" <b>Ba</b> \u200b 🍚 e\u0301",
		Phone:          "+84912345678",
		PhoneVerified:  true,
		CommuneCode:    "25459",
		BusinessRegNo:  "45-01-000123; --",
		SalesChannels:  []domain.SalesChannel{domain.ChannelMarket, domain.ChannelSupermarket, domain.ChannelEcommerce},
	}
	if err := subjects.Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 || !s.CreatedAt.Equal(c.Now()) || !s.UpdatedAt.Equal(c.Now()) {
		t.Fatalf("Create set ID %d, CreatedAt %v, UpdatedAt %v", s.ID, s.CreatedAt, s.UpdatedAt)
	}
	got, err := subjects.Get(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("Get = %+v\nwant  %+v", got, s)
	}
	byPhone, err := subjects.FindByPhone(ctx, "+84912345678")
	if err != nil || byPhone.ID != s.ID {
		t.Fatalf("FindByPhone = %d, %v; want %d", byPhone.ID, err, s.ID)
	}

	// Update replaces every field and the channels.
	c.Advance(time.Hour)
	s.Name = "HTX Muối tôm Tây Ninh"
	s.PhoneVerified = false
	s.Phone = "+84987654321"
	s.SalesChannels = []domain.SalesChannel{domain.ChannelOwnShop}
	if err := subjects.Update(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if !s.UpdatedAt.Equal(c.Now()) {
		t.Errorf("UpdatedAt = %v, want %v", s.UpdatedAt, c.Now())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	subjects = sqlite.NewSubjectStore(reopen(t, path, c))
	if got, err = subjects.Get(ctx, s.ID); err != nil || !reflect.DeepEqual(got, s) {
		t.Fatalf("Get after update and reopen = %+v, %v\nwant %+v", got, err, s)
	}
	if _, err := subjects.FindByPhone(ctx, "+84912345678"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("FindByPhone(old phone): %v, want ErrNotFound", err)
	}

	// No channels, then none again.
	s.SalesChannels = nil
	if err := subjects.Update(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if got, _ := subjects.Get(ctx, s.ID); len(got.SalesChannels) != 0 {
		t.Errorf("SalesChannels = %v, want none", got.SalesChannels)
	}

	missing := domain.Subject{ID: 999, Kind: domain.KindFarm, Name: "x"}
	if err := subjects.Update(ctx, &missing); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Update of a missing subject: %v, want ErrNotFound", err)
	}
	if _, err := subjects.Get(ctx, 999); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Get of a missing subject: %v, want ErrNotFound", err)
	}
	if _, err := subjects.FindByPhone(ctx, ""); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("FindByPhone(\"\"): %v, want ErrNotFound", err)
	}
}
