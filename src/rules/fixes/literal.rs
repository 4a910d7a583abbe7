//! Where a fix may write: only a plain literal, as written. A quoted string whose contents are
//! exactly the value (no interpolation, no escapes, not an ARM `[expression]`), or a bare
//! number. The replacement keeps the literal's quotes.

use crate::diagnostic::Edit;
use crate::source::{SourceMap, Span};

/// The edit that writes `value` in place of the literal at `span`, when the text there is a
/// plain literal holding `current`.
pub fn edit(sources: &SourceMap, span: Span, current: &str, value: &str) -> Option<Edit> {
    // Held while the rules run, else read again (checked against the scan's hash).
    let whole = sources.text_or_read(span.file)?;
    let text = whole.get(span.range())?;
    let inner = |q: char| {
        text.strip_prefix(q)
            .and_then(|t| t.strip_suffix(q))
            .filter(|t| !t.contains(['\\', q, '\n']))
    };
    let (start, end) = if let Some(body) = inner('"').or_else(|| inner('\'')) {
        if body != current || body.contains("${") || body.contains("%{") || body.starts_with('[') {
            return None;
        }
        (span.start + 1, span.end - 1)
    } else if is_number(text) && numbers_equal(text, current) {
        (span.start, span.end)
    } else {
        return None;
    };
    if value.contains(['"', '\'', '\\', '\n']) {
        return None;
    }
    let span = Span {
        file: span.file,
        start,
        end,
    };
    Some(Edit {
        span,
        original: whole.get(span.range())?.to_string(),
        replacement: value.to_string(),
    })
}

fn is_number(t: &str) -> bool {
    !t.is_empty() && t.parse::<f64>().is_ok() && !t.starts_with(['+', '.'])
}

fn numbers_equal(a: &str, b: &str) -> bool {
    matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn at(text: &str, needle: &str) -> (SourceMap, Span) {
        let mut m = SourceMap::default();
        let id = m.add(PathBuf::from("/r/main.tf"), text.to_string());
        let start = text.find(needle).unwrap();
        (m, Span::new(id, start..start + needle.len()))
    }

    #[test]
    fn quoted_strings_keep_their_quotes() {
        let (m, s) = at("pod_cidr = \"10.244.0.0/20\"\n", "\"10.244.0.0/20\"");
        let e = edit(&m, s, "10.244.0.0/20", "10.1.0.0/16").unwrap();
        assert_eq!(e.original, "10.244.0.0/20");
        assert_eq!(e.replacement, "10.1.0.0/16");
        let (m, s) = at("podCidr: '10.244.0.0/20'\n", "'10.244.0.0/20'");
        assert!(edit(&m, s, "10.244.0.0/20", "10.1.0.0/16").is_some());
    }

    #[test]
    fn numbers_are_replaced_whole() {
        let (m, s) = at("max_pods = 300\n", "300");
        let e = edit(&m, s, "300", "250").unwrap();
        assert_eq!(
            (e.original.as_str(), e.replacement.as_str()),
            ("300", "250")
        );
    }

    #[test]
    fn expressions_and_interpolations_are_never_edited() {
        for (text, needle) in [
            ("a = \"${var.x}/20\"\n", "\"${var.x}/20\""),
            ("a = cidrsubnet(var.x, 4, 0)\n", "cidrsubnet(var.x, 4, 0)"),
            (
                "\"podCidr\": \"[parameters('p')]\"",
                "\"[parameters('p')]\"",
            ),
            (
                "a = \"10.0.0.0/16,fd00::/64\"\n",
                "\"10.0.0.0/16,fd00::/64\"",
            ),
        ] {
            let (m, s) = at(text, needle);
            assert!(
                edit(&m, s, "10.0.0.0/16", "10.1.0.0/16").is_none(),
                "{text}"
            );
        }
    }
}
