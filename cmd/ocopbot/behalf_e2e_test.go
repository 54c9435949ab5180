package main

import (
	"context"
	"testing"

	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

func TestOfficerActsForAProducerAndLinksPeople(t *testing.T) {
	h := officerHarness(t)
	admin := h.user(900, "Quản trị")
	officer := h.user(960, "Cán bộ xã")
	officer.Send("/start")
	officer.Expect("start.welcome")
	officer.Expect("consent.ask")
	grant(admin, officer, "xa 25480")
	officer.ExpectNotice("officer.granted_you")

	// A producer without a smartphone, registered by the officer.
	officer.Send("/thaymat moi")
	officer.Expect("behalf.register_new")
	officer.Expect("register.ask_kind")
	officer.Send("ho")
	officer.Expect("register.ask_name")
	officer.Send("Hộ bà Sáu làm muối tôm")
	officer.Expect("register.ask_rep")
	officer.Send("Lê Thị Sáu")
	officer.Expect("register.ask_phone")
	officer.Send("0977 123 456")
	officer.Expect("form.noted")
	officer.Expect("register.ask_commune")
	officer.Send("binh minh")
	officer.Expect("register.ask_regno")
	officer.Press("Bỏ qua")
	officer.Expect("register.ask_channels")
	officer.Press("Bỏ qua")
	officer.Expect("form.confirm_title")
	officer.Press("Xác nhận")
	officer.Expect("behalf.registered")
	db := h.openDB()
	users := sqlite.NewUserStore(db)
	if u, _ := users.Get(context.Background(), "telegram", "960"); u.SubjectID != 0 {
		t.Fatal("the officer was linked to the producer registered for")
	}
	officer.addProduct("Muối tôm bà Sáu", "Thực phẩm", "Gia vị khác")
	officer.Send("/thoat")
	officer.Expect("behalf.stopped")
	officer.Send("/sanpham")
	officer.Expect("product.register_first")

	// Acting again by phone; linking the producer's grandson to the subject.
	officer.Send("/thaymat 0977.123.456")
	officer.Expect("behalf.started")
	officer.Send("/sanpham")
	officer.Expect("product.list")
	grandson := h.user(961, "Tí")
	grandson.u.Username = "chau_ba_sau"
	grandson.Send("/start")
	grandson.Expect("start.welcome")
	grandson.Expect("consent.ask")
	officer.Send("/lienket @chau_ba_sau +84977123456")
	officer.Expect("behalf.linked")
	grandson.ExpectNotice("behalf.linked_you")
	grandson.Send("/trangthai")
	grandson.Expect("status.profile", "status.product")

	// Outside the officer's communes: refused.
	other := h.user(962, "Khác").register("HTX Khác", "cau khoi")
	_ = other
	officer.Send("/thaymat 0900000962")
	officer.Expect("trust.not_found_here")
}
