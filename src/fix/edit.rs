//! Edits in the layout IIS writes: a property on its own line indented with two TABs, in
//! alphabetical order; a new key in Location order with `<TAB>>` and an explicit close tag; the
//! file's own line ending. Values are XML-escaped.

use crate::diagnostic::{Edit, MetabaseOp};
use crate::metabase::model::normalise_location;
use crate::metabase::source::LineEnding;
use crate::metabase::{AttrId, KeyId, Metabase, Span};

/// Escapes text for an attribute value.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

pub fn newline(mb: &Metabase) -> &'static str {
    match mb.source.line_ending() {
        LineEnding::Crlf => "\r\n",
        _ => "\n",
    }
}

/// Replaces a span's text with `value` (escaped).
pub fn replace(span: Span, value: &str) -> Edit {
    Edit {
        span,
        content: escape(value),
    }
}

/// The start of the line holding `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// Sets a property on a key: replaces its value, or inserts it in alphabetical position.
pub fn set_property(mb: &Metabase, key: KeyId, name: &str, own: Option<AttrId>, value: &str) -> (Edit, MetabaseOp) {
    let op = MetabaseOp::Set {
        location: mb.location(key).into_owned(),
        property: name.to_string(),
    };
    if let Some(attr) = own {
        return (replace(mb.attr(attr).value, value), op);
    }
    (insert_property(mb, key, name, value), op)
}

fn insert_property(mb: &Metabase, key: KeyId, name: &str, value: &str) -> Edit {
    let text = mb.text();
    let k = mb.key(key);
    let plain: Vec<AttrId> = k
        .attrs
        .clone()
        .filter(|&a| matches!(mb.attr(a).kind, crate::metabase::AttrKind::Attribute))
        .collect();
    let location_line = line_start(text, k.location.start as usize);
    let own_lines = plain
        .iter()
        .all(|&a| line_start(text, mb.attr(a).name.start as usize) != location_line);
    let after_tag = mb.slice(k.span).find('>').map(|i| k.span.start as usize + i);
    if own_lines {
        // IIS's layout: each property on its own line, before the first that sorts after it, or
        // before the line holding the open tag's `>`.
        let next = plain
            .iter()
            .find(|&&a| mb.slice(mb.attr(a).name).to_ascii_lowercase() > name.to_ascii_lowercase())
            .map(|&a| line_start(text, mb.attr(a).name.start as usize));
        let at = next
            .or_else(|| after_tag.map(|gt| line_start(text, gt)))
            .unwrap_or(k.span.start as usize);
        return Edit {
            span: Span::new(at, at),
            content: format!("\t\t{name}=\"{}\"{}", escape(value), newline(mb)),
        };
    }
    // Properties on the tag's line: add one after the last.
    let at = plain
        .last()
        .map(|&a| mb.attr(a).value.end as usize + 1)
        .unwrap_or(k.location.end as usize + 1);
    Edit {
        span: Span::new(at, at),
        content: format!(" {name}=\"{}\"", escape(value)),
    }
}

/// Removes a property: its whole line when it stands alone on one, else just ` name="value"`; a
/// `<Custom>` property goes with its whole element.
pub fn delete_property(mb: &Metabase, key: KeyId, attr: AttrId) -> (Edit, MetabaseOp) {
    let text = mb.text();
    let a = mb.attr(attr);
    let op = MetabaseOp::Delete {
        location: mb.location(key).into_owned(),
        property: mb.attr_name(attr).into_owned(),
    };
    if let crate::metabase::AttrKind::Custom { element, .. } = a.kind {
        let start = line_start(text, element.start as usize);
        let end = element.end as usize;
        let rest_of_line = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        let alone = text[start..element.start as usize].trim().is_empty() && text[end..rest_of_line].trim().is_empty();
        let span = if alone { Span::new(start, rest_of_line) } else { element };
        return (
            Edit {
                span,
                content: String::new(),
            },
            op,
        );
    }
    let start = line_start(text, a.name.start as usize);
    let close = a.value.end as usize + 1;
    let rest_of_line = text[close..].find('\n').map_or(text.len(), |i| close + i + 1);
    let alone = text[start..a.name.start as usize].trim().is_empty() && text[close..rest_of_line].trim().is_empty();
    let span = if alone {
        Span::new(start, rest_of_line)
    } else {
        let before = text[..a.name.start as usize].trim_end_matches([' ', '\t']).len();
        Span::new(before, close)
    };
    (
        Edit {
            span,
            content: String::new(),
        },
        op,
    )
}

/// Creates a key with properties, in Location order.
pub fn create_key(
    mb: &Metabase,
    key_type: &str,
    location: &str,
    properties: &[(&str, &str)],
) -> (Edit, Vec<MetabaseOp>) {
    let nl = newline(mb);
    let wanted = normalise_location(location);
    let next = mb
        .keys
        .iter()
        .filter(|k| *k.path > *wanted && k.path.starts_with('/'))
        .min_by(|a, b| a.path.cmp(&b.path))
        .map(|k| line_start(mb.text(), k.span.start as usize));
    let at = next.unwrap_or_else(|| {
        let end = mb.text().rfind("</MBProperty>").unwrap_or(mb.text().len());
        line_start(mb.text(), end)
    });
    let mut content = format!("<{key_type}\tLocation =\"{}\"{nl}", escape(location));
    let mut ops = vec![MetabaseOp::CreateKey {
        location: location.to_string(),
        key_type: key_type.to_string(),
    }];
    let mut sorted = properties.to_vec();
    sorted.sort_by_key(|(n, _)| n.to_ascii_lowercase());
    for (name, value) in sorted {
        content.push_str(&format!("\t\t{name}=\"{}\"{nl}", escape(value)));
        ops.push(MetabaseOp::Set {
            location: location.to_string(),
            property: name.to_string(),
        });
    }
    content.push_str(&format!("\t>{nl}</{key_type}>{nl}"));
    (
        Edit {
            span: Span::new(at, at),
            content,
        },
        ops,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::changes::ChangeSet;
    use crate::metabase::{SourceFile, parse};

    const TEXT: &str = "<configuration>\r\n<MBProperty>\r\n<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tAppPoolId=\"DefaultAppPool\"\r\n\t\tScriptMaps=\".asp,C:\\a.dll,5\"\r\n\t>\r\n</IIsWebService>\r\n<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\r\n\t>\r\n</IIsWebServer>\r\n<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t>\r\n</IIsFilters>\r\n</MBProperty>\r\n</configuration>\r\n";

    fn apply(edit: Edit) -> String {
        ChangeSet::from_edits(vec![edit]).unwrap().apply(TEXT)
    }

    #[test]
    fn insert_in_alphabetical_position_with_the_files_line_ending() {
        let mb = parse(SourceFile::from_text("t", TEXT)).unwrap();
        let svc = mb.find("/LM/W3SVC").unwrap();
        let (edit, _) = set_property(&mb, svc, "Enable32BitAppOnWin64", None, "TRUE");
        let out = apply(edit);
        assert!(
            out.contains("\t\tAppPoolId=\"DefaultAppPool\"\r\n\t\tEnable32BitAppOnWin64=\"TRUE\"\r\n\t\tScriptMaps="),
            "{out}"
        );
        let site = mb.find("/LM/W3SVC/1").unwrap();
        let (edit, _) = set_property(&mb, site, "ServerComment", None, "A & B");
        assert!(apply(edit).contains("/LM/W3SVC/1\"\r\n\t\tServerComment=\"A &amp; B\"\r\n\t>\r\n"));
    }

    #[test]
    fn delete_a_whole_line() {
        let mb = parse(SourceFile::from_text("t", TEXT)).unwrap();
        let svc = mb.find("/LM/W3SVC").unwrap();
        let (edit, op) = delete_property(&mb, svc, mb.own(svc, crate::metabase::props::APP_POOL_ID).unwrap());
        let out = apply(edit);
        assert!(out.contains("/LM/W3SVC\"\r\n\t\tScriptMaps="), "{out}");
        assert_eq!(
            op,
            MetabaseOp::Delete {
                location: "/LM/W3SVC".into(),
                property: "AppPoolId".into()
            }
        );
    }

    #[test]
    fn create_a_key_in_location_order() {
        let mb = parse(SourceFile::from_text("t", TEXT)).unwrap();
        let (edit, ops) = create_key(
            &mb,
            "IIsApplicationPools",
            "/LM/W3SVC/AppPools",
            &[("Enable32BitAppOnWin64", "TRUE")],
        );
        let out = apply(edit);
        let expected = "</IIsWebServer>\r\n<IIsApplicationPools\tLocation =\"/LM/W3SVC/AppPools\"\r\n\t\tEnable32BitAppOnWin64=\"TRUE\"\r\n\t>\r\n</IIsApplicationPools>\r\n<IIsFilters";
        assert!(out.contains(expected), "{out}");
        assert_eq!(ops.len(), 2);
        assert!(
            parse(SourceFile::from_text("t", out))
                .unwrap()
                .find("/lm/w3svc/apppools")
                .is_some()
        );
    }

    #[test]
    fn delete_a_custom_property_with_its_element() {
        let text = "<configuration>\r\n<MBProperty>\r\n<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT\"\r\n\t\tPath=\"D:\\x\"\r\n\t>\r\n\t<Custom\r\n\t\tName=\"UnknownName_9040\"\r\n\t\tID=\"9040\"\r\n\t\tValue=\"1\"\r\n\t\tType=\"DWORD\"\r\n\t/>\r\n</IIsWebVirtualDir>\r\n</MBProperty>\r\n</configuration>\r\n";
        let mb = parse(SourceFile::from_text("t", text)).unwrap();
        let attr = mb.own(0, crate::metabase::props::ENABLE_32BIT_APP_ON_WIN64).unwrap();
        let (edit, _) = delete_property(&mb, 0, attr);
        let out = ChangeSet::from_edits(vec![edit]).unwrap().apply(text);
        assert!(out.contains("\t>\r\n</IIsWebVirtualDir>"), "{out}");
        assert!(parse(SourceFile::from_text("t", out)).is_ok());
    }

    #[test]
    fn compact_layout() {
        let text = "<configuration><MBProperty><K Location=\"/LM\" A=\"1\"></K></MBProperty></configuration>";
        let mb = parse(SourceFile::from_text("t", text)).unwrap();
        let (edit, _) = set_property(&mb, 0, "B", None, "2");
        let out = ChangeSet::from_edits(vec![edit]).unwrap().apply(text);
        assert!(out.contains("<K Location=\"/LM\" A=\"1\" B=\"2\">"), "{out}");
        let (edit, _) = delete_property(&mb, 0, 0);
        let out = ChangeSet::from_edits(vec![edit]).unwrap().apply(text);
        assert!(out.contains("<K Location=\"/LM\">"), "{out}");
    }
}
