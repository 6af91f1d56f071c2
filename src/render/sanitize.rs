//! Making attacker-controlled text harmless for each kind of output.
//!
//! Every value that comes from an event (user agent, user and session names,
//! request parameters, error messages…) goes through [`clean`] first: one
//! line, no control characters, no ANSI escapes, no invisible or
//! direction-changing characters (by Unicode general category, see
//! [`is_forbidden`]), capped length. The outputs then add their own rules:
//! ASCII for subjects and SMS ([`ascii`]), links and host names defanged where
//! clients autolink ([`defang`]), markup look-alikes for chat ([`markdown`]),
//! `\u` escapes for JSON ([`escape_json_output`]).

mod defang;
mod invisible;

pub use defang::defang;
pub use invisible::{UNICODE_VERSION, is_forbidden};

/// Forbidden characters that separate words (line breaks, tabs, other
/// controls): they become a space rather than vanish, so `a\nb` reads `a b`.
fn breaks_words(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}')
}

/// One safe line of at most `max_chars` characters: ANSI escape sequences
/// removed, line breaks/tabs/controls turned into spaces, invisible and
/// bidi characters removed, runs of whitespace collapsed, ends trimmed, and
/// `...` appended when cut.
pub fn clean(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 4 + 8));
    let mut chars = s.chars().peekable();
    let mut pending_space = false;
    let mut count = 0usize;
    let mut cut = false;
    while let Some(c) = chars.next() {
        if c == '\u{1B}' || c == '\u{9B}' || c == '\u{9D}' {
            skip_escape(c, &mut chars);
            continue;
        }
        let c = if breaks_words(c) || c.is_whitespace() {
            ' '
        } else if is_forbidden(c) {
            continue;
        } else {
            c
        };
        if c == ' ' {
            pending_space = count > 0;
            continue;
        }
        let need = if pending_space { 2 } else { 1 };
        if count + need > max_chars {
            cut = true;
            break;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(c);
        count += 1;
    }
    if cut && max_chars >= 3 {
        let mut t = truncate(&out, max_chars - 3);
        while t.ends_with(' ') {
            t.pop();
        }
        return t + "...";
    }
    out
}

/// Skip an ANSI escape sequence whose introducer `first` was just read: CSI
/// (`ESC [` or U+009B) up to its final byte, OSC (`ESC ]` or U+009D) up to BEL
/// or ST, otherwise the one character after ESC.
fn skip_escape(first: char, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    let kind = if first == '\u{1B}' {
        match chars.peek() {
            Some('[') => {
                chars.next();
                '['
            }
            Some(']') => {
                chars.next();
                ']'
            }
            Some(_) => {
                chars.next();
                return;
            }
            None => return,
        }
    } else if first == '\u{9B}' {
        '['
    } else {
        ']'
    };
    if kind == '[' {
        // Parameters and intermediates, then one final byte in @..~.
        for c in chars.by_ref() {
            if ('\u{40}'..='\u{7E}').contains(&c) {
                return;
            }
            if !('\u{20}'..='\u{3F}').contains(&c) {
                return;
            }
        }
    } else {
        while let Some(c) = chars.next() {
            if c == '\u{7}' || c == '\u{9C}' {
                return;
            }
            if c == '\u{1B}' {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
        }
    }
}

/// The first `max_chars` characters of `s`.
pub fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// `s` cut to `max_chars` characters, ending in `...` when cut.
pub fn ellipsize(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    if max_chars < 3 {
        return truncate(s, max_chars);
    }
    let mut t = truncate(s, max_chars - 3);
    while t.ends_with(' ') {
        t.pop();
    }
    t + "..."
}

/// Printable ASCII only (0x20-0x7E): accented Latin letters and typographic
/// punctuation transliterated, anything else `?` (runs of them collapsed to
/// one). Expects text already through [`clean`].
pub fn ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == ' ' || c.is_ascii_graphic() {
            out.push(c);
            continue;
        }
        // Full-width forms (ＡＢＣ１２３) are ASCII in disguise.
        if let Some(a) = ('\u{FF01}'..='\u{FF5E}')
            .contains(&c)
            .then(|| char::from_u32(c as u32 - 0xFEE0))
            .flatten()
        {
            out.push(a);
            continue;
        }
        if c == '\u{3000}' {
            out.push(' ');
            continue;
        }
        let t = transliterate(c);
        if t == "?" && out.ends_with('?') {
            continue;
        }
        out.push_str(t);
    }
    out
}

/// [`clean`] then [`ascii`], capped at `max_chars` ASCII characters.
pub fn ascii_line(s: &str, max_chars: usize) -> String {
    let cleaned = clean(s, max_chars.saturating_mul(2).max(16));
    let a = ascii(&cleaned);
    ellipsize(a.trim(), max_chars)
}

fn transliterate(c: char) -> &'static str {
    const LATIN_EXT_A: &[u8; 128] = b"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo??RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
    const LETTERS: [&str; 52] = [
        "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R",
        "S", "T", "U", "V", "W", "X", "Y", "Z", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
        "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
    ];
    let letter = |b: u8| -> &'static str {
        match b {
            b'A'..=b'Z' => LETTERS[usize::from(b - b'A')],
            b'a'..=b'z' => LETTERS[26 + usize::from(b - b'a')],
            _ => "?",
        }
    };
    match c {
        'À'..='Å' => "A",
        'Æ' => "AE",
        'Ç' => "C",
        'È'..='Ë' => "E",
        'Ì'..='Ï' => "I",
        'Ð' => "D",
        'Ñ' => "N",
        'Ò'..='Ö' | 'Ø' => "O",
        '×' => "x",
        'Ù'..='Ü' => "U",
        'Ý' => "Y",
        'Þ' => "TH",
        'ß' => "ss",
        'à'..='å' => "a",
        'æ' => "ae",
        'ç' => "c",
        'è'..='ë' => "e",
        'ì'..='ï' => "i",
        'ð' => "d",
        'ñ' => "n",
        'ò'..='ö' | 'ø' => "o",
        '÷' => "/",
        'ù'..='ü' => "u",
        'ý' | 'ÿ' => "y",
        'þ' => "th",
        'Ĳ' => "IJ",
        'ĳ' => "ij",
        'Œ' => "OE",
        'œ' => "oe",
        '\u{100}'..='\u{17F}' => letter(LATIN_EXT_A[c as usize - 0x100]),
        '‘' | '’' | '‚' | '‛' | '′' | '`' => "'",
        '“' | '”' | '„' | '‟' | '″' | '«' | '»' => "\"",
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => "-",
        '…' => "...",
        '•' | '·' => "*",
        '©' => "(c)",
        '®' => "(R)",
        '™' => "TM",
        '€' => "EUR",
        '£' => "GBP",
        '¥' => "JPY",
        '°' => "deg",
        _ => "?",
    }
}

/// User text for chat: [`clean`]ed, [`defang`]ed, and every character that
/// Slack's or Teams' markdown (which Amazon Q Developer's `client-markdown`
/// renders with) would read as markup replaced by its full-width look-alike.
/// Slack's markdown has no backslash escape (a backslash is shown as typed),
/// so look-alikes keep user agents and ARNs readable in both clients:
/// - `<` `>` `&` → `＜` `＞` `＆`: no `<!channel>`, `<@U123>`, `<url|text>`,
///   `<at>` or `&lt;` entity can mention or link anyone;
/// - `@` → `＠`: no `@here`;
/// - `*` `~` `` ` `` → `＊` `～` `｀`: no bold, strike or code;
/// - `_` at either edge of a word → `＿` (inside a word, as in `OpenJDK_64`,
///   neither client reads it as italics);
/// - `(` right after `]` → `（`: no `[text](url)` link in Teams.
pub fn markdown(s: &str, max_chars: usize) -> String {
    neutralise_markup(&defang(&clean(s, max_chars)))
}

/// [`markdown`] for the rule's own prose (description, runbook): the
/// rule's author wrote it, so its links stay clickable and field names such
/// as `requestParameters.vpcId` stay readable; mentions and markup are still
/// neutralised.
pub fn rule_markdown(s: &str, max_chars: usize) -> String {
    neutralise_markup(&clean(s, max_chars))
}

fn neutralise_markup(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let word = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(|c| c.is_alphanumeric())
    };
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let c = match c {
            '<' => '\u{FF1C}',
            '>' => '\u{FF1E}',
            '&' => '\u{FF06}',
            '@' => '\u{FF20}',
            '*' => '\u{FF0A}',
            '~' => '\u{FF5E}',
            '`' => '\u{FF40}',
            '_' if !word(i.checked_sub(1)) || !word(Some(i + 1)) => '\u{FF3F}',
            '(' if i > 0 && chars[i - 1] == ']' => '\u{FF08}',
            c => c,
        };
        out.push(c);
    }
    out
}

/// Serialized JSON with every raw [`is_forbidden`] character written as a
/// `\uXXXX` escape: the data is unchanged for a JSON reader, but the bytes on
/// the wire carry no bidi, zero-width or C1 characters. Such characters can
/// only occur inside JSON strings, where the escape is valid.
pub fn escape_json_output(json: String) -> String {
    if !json.chars().any(is_forbidden) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 32);
    for c in json.chars() {
        if is_forbidden(c) {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_makes_one_line_without_escapes_or_invisible_characters() {
        assert_eq!(clean("a\r\nSeverity: low", 100), "a Severity: low");
        assert_eq!(clean("\t x \u{2028} y\u{85}z ", 100), "x y z");
        assert_eq!(clean("\u{1b}[31mred\u{1b}[0m", 100), "red");
        assert_eq!(
            clean("\u{1b}]8;;http://evil\u{7}link\u{1b}]8;;\u{7}", 100),
            "link"
        );
        assert_eq!(
            clean("ab\u{202E}cd\u{200B}e\u{FEFF}\u{2066}f", 100),
            "abcdef"
        );
        assert_eq!(clean("日本語 🚀", 100), "日本語 🚀");
        assert_eq!(
            clean(
                "a\u{2800}\u{2800}b\u{FE0F}\u{E0100}\u{180B}c\u{600}\u{1D173}\u{E000}",
                100
            ),
            "abc"
        );
        assert_eq!(clean("a\u{A0}\u{3000}b", 100), "a b");
        assert_eq!(clean("", 10), "");
    }

    #[test]
    fn clean_caps_length_with_an_ellipsis() {
        let s = clean(&"x".repeat(1000), 50);
        assert_eq!(s.chars().count(), 50);
        assert!(s.ends_with("..."));
        assert_eq!(clean("short", 50), "short");
    }

    #[test]
    fn ascii_transliterates_or_replaces() {
        assert_eq!(ascii("Zoë Ångström Łódź"), "Zoe Angstrom Lodz");
        assert_eq!(ascii("日本語"), "?");
        assert_eq!(ascii("２０３.０.１１３.７ ＡＢＣ"), "203.0.113.7 ABC");
        assert_eq!(ascii("a–b “c”"), "a-b \"c\"");
        assert!(
            ascii_line("🚀🚀 ok", 10)
                .bytes()
                .all(|b| (0x20..0x7f).contains(&b))
        );
    }

    #[test]
    fn markdown_neutralises_markup_mentions_and_links_without_backslashes() {
        assert_eq!(
            markdown("[click](http://evil) *b* <!channel> @here &lt;", 200),
            "[click]（hxxp://evil) ＊b＊ ＜!channel＞ ＠here ＆lt;"
        );
        assert_eq!(
            markdown("_it_ ~s~ `c` a_b OpenJDK_64-Bit_Server_VM", 200),
            "＿it＿ ～s～ ｀c｀ a_b OpenJDK_64-Bit_Server_VM"
        );
        assert_eq!(
            markdown(
                "arn:aws:iam::1:role/My_Role (x) 10.0.0.1 a-b #1 evil.com",
                200
            ),
            "arn:aws:iam::1:role/My_Role (x) 10.0.0.1 a-b #1 evil[.]com"
        );
    }

    #[test]
    fn json_output_escapes_invisible_characters() {
        let json = serde_json::to_string("a\u{202E}b\u{85}\u{E0041}").unwrap();
        let out = escape_json_output(json);
        assert!(!out.chars().any(is_forbidden));
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "a\u{202E}b\u{85}\u{E0041}");
    }
}
