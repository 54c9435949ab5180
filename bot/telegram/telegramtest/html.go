package telegramtest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// htmlTags maps the tags Telegram accepts with parse_mode=HTML to the entity
// type they produce.
var htmlTags = map[string]models.MessageEntityType{
	"b":          models.MessageEntityTypeBold,
	"strong":     models.MessageEntityTypeBold,
	"i":          models.MessageEntityTypeItalic,
	"em":         models.MessageEntityTypeItalic,
	"u":          models.MessageEntityTypeUnderline,
	"ins":        models.MessageEntityTypeUnderline,
	"s":          models.MessageEntityTypeStrikethrough,
	"strike":     models.MessageEntityTypeStrikethrough,
	"del":        models.MessageEntityTypeStrikethrough,
	"span":       models.MessageEntityTypeSpoiler,
	"tg-spoiler": models.MessageEntityTypeSpoiler,
	"a":          models.MessageEntityTypeTextLink,
	"code":       models.MessageEntityTypeCode,
	"pre":        models.MessageEntityTypePre,
	"blockquote": models.MessageEntityTypeBlockquote,
	"tg-emoji":   models.MessageEntityTypeCustomEmoji,
}

type openTag struct {
	name   string
	order  int // opening order, to sort nested entities with equal ranges
	entity models.MessageEntity
}

type orderedEntity struct {
	order  int
	entity models.MessageEntity
}

// parseHTML validates text the way Telegram's HTML parse mode does and
// returns the rendered plain text and its entities (offsets in UTF-16 code
// units). The returned error text is what Telegram puts after
// "Bad Request: can't parse entities: ".
//
// It is deliberately stricter than Telegram in one respect: a bare '&' that
// does not start one of the entities &lt; &gt; &amp; &quot; or a numeric
// character reference is rejected (Telegram documents it as forbidden but
// tolerates it), so unescaped user input is always caught.
func parseHTML(text string) (string, []models.MessageEntity, error) {
	if !utf8.ValidString(text) {
		return "", nil, fmt.Errorf("strings must be encoded in UTF-8")
	}
	if strings.IndexByte(text, '<') < 0 && strings.IndexByte(text, '&') < 0 {
		return text, nil, nil // fast path: nothing to parse
	}

	var (
		out      strings.Builder
		utf16Off int
		stack    []openTag
		entities []orderedEntity
		opened   int
	)
	out.Grow(len(text))

	for i := 0; i < len(text); {
		switch text[i] {
		case '&':
			r, n, ok := decodeHTMLEntity(text[i:])
			if !ok {
				return "", nil, fmt.Errorf("character '&' at byte offset %d must be escaped as \"&amp;\"", i)
			}
			out.WriteRune(r)
			utf16Off += utf16Len(r)
			i += n

		case '<':
			begin := i
			if i+1 < len(text) && text[i+1] == '/' {
				end := strings.IndexByte(text[i:], '>')
				if end < 0 {
					return "", nil, fmt.Errorf("unclosed end tag at byte offset %d", begin)
				}
				name := strings.ToLower(strings.TrimSpace(text[i+2 : i+end]))
				if len(stack) == 0 {
					return "", nil, fmt.Errorf("unexpected end tag at byte offset %d", begin)
				}
				top := stack[len(stack)-1]
				if name != "" && name != top.name {
					return "", nil, fmt.Errorf("unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.name, name)
				}
				stack = stack[:len(stack)-1]
				if top.entity.Type != "" && utf16Off > top.entity.Offset {
					top.entity.Length = utf16Off - top.entity.Offset
					entities = append(entities, orderedEntity{order: top.order, entity: top.entity})
				}
				i += end + 1
				continue
			}

			j := i + 1
			for j < len(text) && !isHTMLSpace(text[j]) && text[j] != '>' {
				j++
			}
			if j >= len(text) {
				return "", nil, fmt.Errorf("unclosed start tag at byte offset %d", begin)
			}
			name := strings.ToLower(text[i+1 : j])
			typ, ok := htmlTags[name]
			if !ok {
				return "", nil, fmt.Errorf("unsupported start tag \"%s\" at byte offset %d", name, begin)
			}
			attrs, next, err := parseHTMLAttributes(text, j, begin)
			if err != nil {
				return "", nil, err
			}
			i = next

			ent := models.MessageEntity{Type: typ, Offset: utf16Off}
			switch name {
			case "a":
				ent.URL = attrs["href"]
				if ent.URL == "" {
					ent.Type = "" // Telegram silently drops links without href
				}
			case "span":
				if attrs["class"] != "tg-spoiler" {
					return "", nil, fmt.Errorf("tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
				}
			case "tg-emoji":
				id, ok := attrs["emoji-id"]
				if !ok || id == "" {
					return "", nil, fmt.Errorf("tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset %d", begin)
				}
				ent.CustomEmojiID = id
			case "blockquote":
				if _, ok := attrs["expandable"]; ok {
					ent.Type = models.MessageEntityTypeExpandableBlockquote
				}
			case "code":
				// <pre><code class="language-go"> sets the language of the pre block.
				if lang, ok := strings.CutPrefix(attrs["class"], "language-"); ok && len(stack) > 0 {
					if parent := &stack[len(stack)-1]; parent.name == "pre" && parent.entity.Offset == utf16Off {
						// Telegram folds the code entity into the pre entity.
						parent.entity.Language = lang
						ent.Type = ""
					}
				}
			}
			stack = append(stack, openTag{name: name, order: opened, entity: ent})
			opened++

		default:
			j := i
			for j < len(text) && text[j] != '<' && text[j] != '&' {
				j++
			}
			chunk := text[i:j]
			out.WriteString(chunk)
			utf16Off += utf16Count(chunk)
			i = j
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	if len(entities) == 0 {
		return out.String(), nil, nil
	}
	slices.SortFunc(entities, func(a, b orderedEntity) int {
		if a.entity.Offset != b.entity.Offset {
			return a.entity.Offset - b.entity.Offset
		}
		if a.entity.Length != b.entity.Length {
			return b.entity.Length - a.entity.Length
		}
		return a.order - b.order
	})
	result := make([]models.MessageEntity, len(entities))
	for i, e := range entities {
		result[i] = e.entity
	}
	return out.String(), result, nil
}

// parseHTMLAttributes parses the attributes of a start tag beginning at
// text[j] (just after the tag name) up to and including the closing '>'.
// It returns the attributes and the index just after '>'.
func parseHTMLAttributes(text string, j, begin int) (map[string]string, int, error) {
	var attrs map[string]string
	unclosed := fmt.Errorf("unclosed start tag at byte offset %d", begin)
	for {
		for j < len(text) && isHTMLSpace(text[j]) {
			j++
		}
		if j >= len(text) {
			return nil, 0, unclosed
		}
		if text[j] == '>' {
			return attrs, j + 1, nil
		}
		k := j
		for k < len(text) && isAttrNameByte(text[k]) {
			k++
		}
		if k == j {
			return nil, 0, fmt.Errorf("empty attribute name in the tag at byte offset %d", begin)
		}
		name := strings.ToLower(text[j:k])
		if attrs == nil {
			attrs = make(map[string]string, 2)
		}
		for k < len(text) && isHTMLSpace(text[k]) {
			k++
		}
		if k >= len(text) {
			return nil, 0, unclosed
		}
		if text[k] != '=' {
			attrs[name] = "" // attribute without a value, e.g. <blockquote expandable>
			j = k
			continue
		}
		k++
		for k < len(text) && isHTMLSpace(text[k]) {
			k++
		}
		if k >= len(text) {
			return nil, 0, unclosed
		}
		var raw string
		if q := text[k]; q == '"' || q == '\'' {
			end := strings.IndexByte(text[k+1:], q)
			if end < 0 {
				return nil, 0, unclosed
			}
			raw = text[k+1 : k+1+end]
			j = k + 1 + end + 1
		} else {
			e := k
			for e < len(text) && !isHTMLSpace(text[e]) && text[e] != '>' {
				e++
			}
			raw = text[k:e]
			j = e
		}
		value, err := decodeHTMLAttribute(raw)
		if err != nil {
			return nil, 0, fmt.Errorf("%v in the tag at byte offset %d", err, begin)
		}
		attrs[name] = value
	}
}

func decodeHTMLAttribute(raw string) (string, error) {
	if strings.IndexByte(raw, '&') < 0 {
		return raw, nil
	}
	var b strings.Builder
	for i := 0; i < len(raw); {
		if raw[i] != '&' {
			b.WriteByte(raw[i])
			i++
			continue
		}
		r, n, ok := decodeHTMLEntity(raw[i:])
		if !ok {
			return "", fmt.Errorf("character '&' must be escaped as \"&amp;\"")
		}
		b.WriteRune(r)
		i += n
	}
	return b.String(), nil
}

// decodeHTMLEntity decodes one of &lt; &gt; &amp; &quot; &#NNN; &#xHHH; at
// the start of s and returns the character and the number of bytes consumed.
func decodeHTMLEntity(s string) (rune, int, bool) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 10 {
		return 0, 0, false
	}
	name := s[1:end]
	switch name {
	case "lt":
		return '<', end + 1, true
	case "gt":
		return '>', end + 1, true
	case "amp":
		return '&', end + 1, true
	case "quot":
		return '"', end + 1, true
	}
	if name[0] != '#' || len(name) < 2 {
		return 0, 0, false
	}
	var (
		v   uint64
		err error
	)
	if name[1] == 'x' || name[1] == 'X' {
		if len(name) < 3 {
			return 0, 0, false
		}
		v, err = strconv.ParseUint(name[2:], 16, 32)
	} else {
		v, err = strconv.ParseUint(name[1:], 10, 32)
	}
	if err != nil || v == 0 || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, 0, false
	}
	return rune(v), end + 1, true
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func isAttrNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// utf16Count returns the length of s in UTF-16 code units, the unit Telegram
// uses for entity offsets.
func utf16Count(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x80: // ASCII
			n++
		case c >= 0xF0: // 4-byte sequence start: surrogate pair
			n += 2
		case c >= 0xC0: // 2- or 3-byte sequence start
			n++
		}
	}
	return n
}
