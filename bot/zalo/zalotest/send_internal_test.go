package zalotest

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// sendBodies are send bodies of every kind the fake plays, and of the
// mistakes it names.
var sendBodies = []string{
	`{"recipient":{"user_id":"1"},"message":{"text":"Xin chào"}}`,
	`{"recipient":{"message_id":"m1"},"message":{"text":"Trả lời","quote_message_id":"q"}}`,
	`{"recipient":{"user_id":"1","message_id":"m1"},"message":{"text":"x"}}`,
	`{"recipient":{},"message":{"text":"x"}}`,
	`{"message":{"text":"x"}}`,
	`{"recipient":{"user_id":"1"}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":""}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":"Chọn:","attachment":{"type":"template","payload":{"buttons":[` +
		`{"title":"Cá nhân","type":"oa.query.hide","payload":"#b:f|x|0|c|1"},` +
		`{"title":"Trang web","type":"oa.open.url","payload":{"url":"https://example.org/a"}},` +
		`{"title":"Gọi","type":"oa.open.phone","payload":{"phone_code":"0900000000"}},` +
		`{"title":"Nhắn","type":"oa.open.sms","payload":{"phone_code":"0900000000"}},` +
		`{"title":"Hiện","type":"oa.query.show","payload":"2"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":"Chọn:","attachment":{"type":"template","payload":{"buttons":[]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":"Chọn:","attachment":{"type":"template","payload":{"buttons":null}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":"Chọn:","attachment":{"type":"template","payload":{"buttons":[{"title":"","type":"oa.query.hide","payload":"1"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":"Chọn:","attachment":{"type":"template","payload":{"buttons":[{"title":"A","type":"oa.query.hide","payload":""}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":"Chọn:","attachment":{"type":"template","payload":{"buttons":[{"title":"A","type":"oa.open.url","payload":{"url":"ftp://x"}}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":"Chọn:","attachment":{"type":"template","payload":{"buttons":[{"title":"A","type":"oa.bad","payload":"1"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"request_user_info","elements":[{"title":"Số điện thoại","subtitle":"Để liên hệ","image_url":"https://example.org/i.png"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":"x","attachment":{"type":"template","payload":{"template_type":"request_user_info","elements":[{"title":"T"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"request_user_info","elements":[{"title":"T"},{"title":"U"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"request_user_info","elements":[{"title":" "}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"request_user_info","elements":[{"title":"T"}],"buttons":[]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":"Ảnh","attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"image","attachment_id":"a1"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"image","url":"https://example.org/p.jpg"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"image","url":"x","attachment_id":"a"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"gif","url":"https://e.org/p"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"image"}]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":{"template_type":"list","elements":[]}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"file","payload":{"token":"tk"}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"text":"x","attachment":{"type":"file","payload":{"token":"tk"}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"file","payload":{}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"audio","payload":{}}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template","payload":"x"}}}`,
	`{"recipient":{"user_id":"1"},"message":{"attachment":{"type":"template"}}}`,
	`[]`, `null`, `{}`, ``,
}

// TestParseSendInOnePass holds the one-pass decode of parseSend to the
// layered one: the same message and the same error for every body of
// sendBodies and for each of them cut short, with a byte left out, or
// with a value of another JSON type put in.
func TestParseSendInOnePass(t *testing.T) {
	bodies := map[string]bool{}
	swaps := []struct{ from, to string }{
		{`[`, `{`}, {`{"title"`, `"x"`}, {`"payload":{`, `"payload":5,"x":{`}, {`"payload":"`, `"payload":7,"y":"`},
		{`"buttons":[`, `"buttons":{"a":[`}, {`"elements":[`, `"elements":"`}, {`"text":"`, `"text":null,"z":"`},
		{`"token":"`, `"token":1,"t":"`}, {`"user_id":"1"`, `"user_id":1`}, {`"template_type":"`, `"template_type":null,"q":"`},
		{`"url":"`, `"url":[],"v":"`}, {`"attachment":{`, `"attachment":null,"w":{`}, {`"recipient":{`, `"recipient":"r","u":{`},
	}
	for _, b := range sendBodies {
		bodies[b] = true
		for i := range len(b) {
			bodies[b[:i]] = true
			bodies[b[:i]+b[i+1:]] = true
		}
		for _, s := range swaps {
			for i := 0; ; {
				j := strings.Index(b[i:], s.from)
				if j < 0 {
					break
				}
				bodies[b[:i+j]+s.to+b[i+j+len(s.from):]] = true
				i += j + 1
			}
		}
	}
	accepted, compared := 0, 0
	for b := range bodies {
		if !utf8.ValidString(b) {
			continue // refused before either way (a byte left out of a letter)
		}
		m1, err1 := parseSend([]byte(b))
		m2, err2 := parseSendLayered([]byte(b))
		compared++
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Errorf("%s\none pass: %v\nlayered:  %v", b, err1, err2)
			continue
		}
		if !reflect.DeepEqual(m1, m2) {
			t.Errorf("%s\none pass: %+v\nlayered:  %+v", b, m1, m2)
		}
		if err1 == nil {
			accepted++
		}
	}
	if accepted < 10 {
		t.Fatalf("only %d of %d bodies were accepted: the corpus lost its valid bodies", accepted, compared)
	}
}

// BenchmarkParseSend: a message with three buttons, as the bot sends a
// question, decoded in one pass and layer by layer.
func BenchmarkParseSend(b *testing.B) {
	body := []byte(`{"recipient":{"user_id":"246845883529197922"},"message":{"text":"Bước 1/7\nBạn đăng ký với tư cách nào?\n1. Cá nhân\n2. Hợp tác xã\n3. Doanh nghiệp","attachment":{"type":"template","payload":{"buttons":[` +
		`{"title":"Cá nhân","type":"oa.query.hide","payload":"#b:f|abcdefgh|0|c|1"},{"title":"Hợp tác xã","type":"oa.query.hide","payload":"#b:f|abcdefgh|0|c|0"},` +
		`{"title":"Doanh nghiệp","type":"oa.query.hide","payload":"#b:f|abcdefgh|0|c|2"}]}}}}`)
	for _, way := range []struct {
		name  string
		parse func([]byte) (Message, error)
	}{{"one_pass", parseSend}, {"layered", parseSendLayered}} {
		b.Run(way.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := way.parse(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
