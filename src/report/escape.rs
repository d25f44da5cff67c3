//! Makes text from a metabase or a drive safe to show on a terminal or in a GitHub annotation.
//!
//! A metabase value, a Location or a file name can hold any character: ESC, BEL and OSC sequences
//! that a terminal obeys (even with colour off), a lone carriage return that overwrites the line, a
//! right-to-left override that reorders what is read. The text and GitHub reports show every such
//! character as its code point in Rust's notation, `\u{1b}`: lowercase hex, no leading zeros, the
//! same form in messages, labels, help, source lines and file names. A Windows path never has `\u{`
//! in it, so the form cannot be mistaken for a folder name such as `C:\x1b`.
//!
//! Escaped: the control characters (U+0000 to U+001F, U+007F to U+009F) except TAB, which every
//! terminal shows as space; the bidirectional formatting characters (U+061C, U+200E, U+200F,
//! U+202A to U+202E, U+2066 to U+2069); and the line and paragraph separators U+2028 and U+2029.
//! JSON and SARIF need none of this: serde_json escapes control characters itself.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character is shown escaped.
pub fn is_escaped(c: char) -> bool {
    match c {
        '\t' => false,
        c if c.is_control() => true,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

/// Appends `s` to `out` with every [escaped](is_escaped) character written as `\u{hex}`.
pub fn push_escaped(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(is_escaped) {
        out.push_str(&rest[..i]);
        let c = rest[i..].chars().next().expect("found at a character boundary");
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(rest);
}

/// `s` with every [escaped](is_escaped) character written as `\u{hex}`; borrowed when there is none.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(is_escaped) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible() {
        assert_eq!(escape("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
        assert_eq!(escape("\0\r\n\u{7f}\u{9b}"), "\\u{0}\\u{d}\\u{a}\\u{7f}\\u{9b}");
        assert_eq!(escape("evil\u{202e}lld.exe"), "evil\\u{202e}lld.exe");
        assert_eq!(escape("x\u{2028}y"), "x\\u{2028}y");
    }

    #[test]
    fn ordinary_text_is_borrowed() {
        for s in ["C:\\x1b\\a.dll", "tab\there", "é \u{1F600} ‘quotes’", ""] {
            assert!(matches!(escape(s), Cow::Borrowed(_)), "{s}");
        }
    }
}
