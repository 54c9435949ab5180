package handlers

import (
	"slices"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bulk"
)

// routes is every command, form and button of the bot, with who may use
// it: the engine refuses the others before a handler runs (producers are
// told the route is for officers, officers that it is for admins), and
// the authorization test in cmd/ocopbot tries each route listed here as
// each role. A command, alias, prefix or form listed twice, or a route
// without its access, fails at start.
//
// Commands are in the order of the command menu; a command that starts a
// form names it (its steps are in the form's own file). Button data is
// "<prefix>|<verb>|<ids>|<arg>" (bot.ButtonData); the forms' own buttons
// ("f") belong to the engine.
func (a *app) routes() bot.Table {
	return bot.Table{
		Commands: slices.Concat([]bot.Command{
			// /start with a check-in or event payload, else the welcome.
			{Name: "/start", Menu: "menu.start", Access: bot.Anyone, Handle: a.startWithPayload},
			{Name: "/dangky", Menu: "menu.dangky", Access: bot.Anyone, Flow: a.registerFlow()},
			{Name: "/xinlienket", Access: bot.Anyone, Handle: a.requestLink},
			{Name: "/sanpham", Aliases: []string{"/products"}, Menu: "menu.sanpham", Access: bot.Anyone, Handle: a.products},
			{Name: "/themsanpham", Menu: "menu.themsanpham", Access: bot.Anyone, Flow: a.productFlow()},
			{Name: "/hoso", Aliases: []string{"/dossier"}, Menu: "menu.hoso", Access: bot.Anyone, Handle: a.dossier},
			{Name: "/trangthai", Aliases: []string{"/status"}, Menu: "menu.trangthai", Access: bot.Anyone, Handle: a.status},
			{Name: "/trogiup", Aliases: []string{"/help"}, Menu: "menu.trogiup", Access: bot.Anyone, Handle: a.help},
			{Name: "/ngonngu", Aliases: []string{"/language"}, Menu: "menu.ngonngu", Access: bot.Anyone, Handle: a.language},
			// The form in progress, or a question being asked.
			{Name: "/huy", Aliases: []string{"/cancel"}, Menu: "menu.huy", Access: bot.Anyone, Handle: a.cancel},

			{Name: "/capquyen", Menu: "menu.capquyen", Access: bot.Admins, Flow: a.grantFlow()},
			{Name: "/thuquyen", Menu: "menu.thuquyen", Access: bot.Admins, Handle: a.revoke},
			{Name: "/canbo", Menu: "menu.canbo", Access: bot.Officers, Handle: a.staffList},
			{Name: "/duyet", Menu: "menu.duyet", Access: bot.Officers, Handle: a.reviewQueue},
			{Name: "/thaymat", Menu: "menu.thaymat", Access: bot.Officers, Handle: a.behalf},
			{Name: "/thoat", Menu: "menu.thoat", Access: bot.Officers, Handle: a.stopBehalf},
			{Name: "/lienket", Menu: "menu.lienket", Access: bot.Officers, Handle: a.link},
			{Name: "/timkiem", Aliases: []string{"/search"}, Menu: "search.menu", Access: bot.Officers, Handle: a.search},
		}, only(a.Plan != nil && a.Figures != nil, // a test without the plan has none
			bot.Command{Name: "/thongke", Aliases: []string{"/stats"}, Menu: "menu.thongke", Access: bot.Officers, Handle: a.figures},
			bot.Command{Name: "/baocao", Aliases: []string{"/report"}, Menu: "menu.baocao", Access: bot.Officers, Handle: a.report},
			bot.Command{Name: "/ngansach", Aliases: []string{"/budget"}, Menu: "menu.ngansach", Access: bot.Officers, Handle: a.budget},
			bot.Command{Name: "/diemban", Menu: "menu.diemban", Access: bot.Officers, Handle: a.showrooms},
			bot.Command{Name: "/themdiemban", Access: bot.Officers, Flow: a.showroomFlow()},
		), []bot.Command{
			{Name: "/nhanqr", Aliases: []string{"/labels"}, Menu: "qr.menu", Access: bot.Officers, Handle: a.labels},
			{Name: "/thuhoi", Menu: "menu.thuhoi", Access: bot.Officers, Flow: a.revokeFlow()},
		}, only(a.Monitoring != nil,
			bot.Command{Name: "/haukiem", Menu: "menu.haukiem", Access: bot.Officers, Flow: a.checkFlow()},
		), []bot.Command{
			{Name: "/hoidap", Menu: "menu.hoidap", Access: bot.Officers, Handle: a.openTickets},
			{Name: "/cauhoi", Menu: "menu.cauhoi", Access: bot.Anyone, Handle: a.myTickets},
		}, only(a.Privacy != nil,
			bot.Command{Name: "/xoadulieu", Aliases: []string{"/dulieu", "/mydata"}, Menu: "mydata.menu", Access: bot.Anyone, Handle: a.myData},
		), []bot.Command{
			{Name: "/taosukien", Menu: "menu.taosukien", Access: bot.Officers, Flow: a.eventFlow()},
			{Name: "/sukien", Aliases: []string{"/events"}, Menu: "menu.sukien", Access: bot.Anyone, Handle: a.events},
			{Name: "/diemdanh", Menu: "menu.diemdanh", Access: bot.Officers, Handle: a.rollCallList},
			{Name: "/thongbao", Menu: "menu.thongbao", Access: bot.Officers, Flow: a.announcementFlow()},
			{Name: "/caidat", Aliases: []string{"/settings"}, Menu: "menu.caidat", Access: bot.Anyone, Handle: a.settings},
		}),

		// Forms started by a button or a handler, not by a command.
		Flows: []bot.FlowRoute{
			{Access: bot.Officers, Flow: a.returnFlow()},      // "r|x": return an item
			{Access: bot.Officers, Flow: a.failFlow()},        // "r|m|…|khong_dat": fail a dossier
			{Access: bot.Officers, Flow: a.scoreFlow()},       // "r|s"
			{Access: bot.Officers, Flow: a.centralFlow()},     // "r|c"
			{Access: bot.Officers, Flow: a.eventChangeFlow()}, // "evo|e"
		},

		Buttons: slices.Concat([]bot.ButtonRoute{
			{Prefix: cbConsent, Access: bot.Anyone, Handle: a.consentButton},
			{Prefix: cbMenu, Access: bot.Anyone, Handle: a.menuButton},
			{Prefix: cbLanguage, Access: bot.Anyone, Handle: a.languageButton},
			{Prefix: cbProduct, Access: bot.Anyone, Handle: a.productButton}, // the producer's own products only
			{Prefix: cbDossier, Access: bot.Anyone, Handle: a.dossierButton}, // the producer's own dossiers only
			{Prefix: cbOfficer, Access: bot.Admins, Handle: a.officerButton}, // /thuquyen's confirmation
			{Prefix: cbReview, Access: bot.Officers, Handle: a.reviewButton}, // dossiers of the officer's communes only
			{Prefix: cbSearch, Access: bot.Officers, Handle: a.searchButton}, // pages of /timkiem
			{Prefix: cbQR, Access: bot.Anyone, Handle: a.qrButton},           // its producer, or officers who see it
			{Prefix: cbTicket, Access: bot.Anyone, Handle: a.ticketButton},   // "q|a" anyone; answers officers only
			{Prefix: cbEvent, Access: bot.Anyone, Handle: a.eventButton},     // events of the user's audience only
			{Prefix: cbEventOfficer, Access: bot.Officers, Handle: a.eventOfficerButton},
			{Prefix: cbSearchSubject, Access: bot.Officers, Handle: a.searchSubject},     // a subject /timkiem found, in the officer's communes only
			{Prefix: bulk.CancelPrefix, Access: bot.Officers, Handle: a.cancelJobButton}, // its sender, or the province
			{Prefix: cbSettings, Access: bot.Anyone, Handle: a.settingsButton},
		}, only(a.Plan != nil && a.Figures != nil,
			bot.ButtonRoute{Prefix: cbFigures, Access: bot.Officers, Handle: a.figuresButton},
		), only(a.Privacy != nil,
			bot.ButtonRoute{Prefix: cbPrivacy, Access: bot.Anyone, Handle: a.privacyButton},
		)),

		Middleware: []bot.Middleware{
			// An officer acting for a producer (/thaymat) uses the
			// producer's subject in the producer's commands and forms.
			a.actAsSubject,
		},
		// Text outside a form: an answer to a question, the FAQ; files: a
		// question's photo, else a dossier's.
		Fallback:  a.fallback,
		Files:     a.ticketFile(a.upload),
		Questions: a.question,
		Menu:      a.menu,
	}
}

// only returns the routes when ok: those of a part the bot runs without.
func only[T any](ok bool, routes ...T) []T {
	if !ok {
		return nil
	}
	return routes
}
