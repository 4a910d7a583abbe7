//! Span-aware JSON (with the comments and trailing commas ARM accepts), parsed into an owned
//! tree where every value keeps its byte range: by [`fast`] when the text is plain JSON with
//! comments and trailing commas, else by `jsonc-parser`, whose errors are the ones reported.

mod fast;

use std::ops::Range;

use jsonc_parser::ast;
use jsonc_parser::common::Ranged;

/// Deepest nesting accepted; the parser recurses, so hostile input is refused before parsing.
const MAX_DEPTH: usize = 256;

#[derive(Clone, Debug, PartialEq)]
/// A JSON value without its span (the span is on [`Json`]).
pub enum JsonValue {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    /// Keys keep their order and their own spans.
    Obj(Vec<(String, Range<usize>, Json)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Json {
    pub v: JsonValue,
    pub span: Range<usize>,
}

impl Json {
    /// A property by name, ignoring case (ARM property names are case-insensitive).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match &self.v {
            JsonValue::Obj(props) => props
                .iter()
                .find(|(k, _, _)| k == key)
                .or_else(|| props.iter().find(|(k, _, _)| k.eq_ignore_ascii_case(key)))
                .map(|(_, _, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.v {
            JsonValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_obj(&self) -> Option<&[(String, Range<usize>, Json)]> {
        match &self.v {
            JsonValue::Obj(p) => Some(p),
            _ => None,
        }
    }

    pub fn as_arr(&self) -> Option<&[Json]> {
        match &self.v {
            JsonValue::Arr(a) => Some(a),
            _ => None,
        }
    }
}

/// Parses JSON/JSONC text; an error is a byte offset and a message.
pub fn parse(text: &str) -> Result<Json, (usize, String)> {
    // The fast path bounds its own recursion (it gives up past MAX_DEPTH), so the depth
    // pre-pass is needed only before jsonc-parser, which recurses without a bound.
    if let Some(doc) = fast::parse(text) {
        return Ok(doc);
    }
    if let Some(at) = too_deep(text) {
        return Err((at, format!("nesting is deeper than {MAX_DEPTH} levels")));
    }
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default())
        .map_err(|e| (e.range().start, e.kind().to_string()))?;
    match parsed.value {
        Some(v) => Ok(convert(&v)),
        None => Err((0, "the file holds no JSON value".into())),
    }
}

/// The top of a document: when it is an object, only the members `keep` names (the others are
/// checked, not built), else the whole value. It fails exactly where [`parse`] fails, with the
/// same offset and message, so a document can be checked and its head read at a fraction of the
/// cost of its tree, and parsed whole later only if it is needed.
pub fn parse_top(text: &str, keep: fn(&str) -> bool) -> Result<Json, (usize, String)> {
    match fast::top(text, keep) {
        Some(top) => Ok(top),
        // Outside the fast path's subset: the whole tree, a superset of the top.
        None => parse(text),
    }
}

/// The members `keep` names at the start of a document's top-level object, from a text that
/// may be only the document's beginning: `Some` once `wanted` of them have been read whole
/// (what follows is not read), `None` when they cannot be told from this text.
pub fn leading_members(text: &str, keep: fn(&str) -> bool, wanted: usize) -> Option<Json> {
    fast::leading(text, keep, wanted)
}

fn convert(v: &ast::Value<'_>) -> Json {
    let r = v.range();
    let v = match v {
        ast::Value::NullKeyword(_) => JsonValue::Null,
        ast::Value::BooleanLit(b) => JsonValue::Bool(b.value),
        ast::Value::NumberLit(n) => n.value.parse().map_or(JsonValue::Null, JsonValue::Num),
        ast::Value::StringLit(s) => JsonValue::Str(s.value.to_string()),
        ast::Value::Array(a) => JsonValue::Arr(a.elements.iter().map(convert).collect()),
        ast::Value::Object(o) => JsonValue::Obj(
            o.properties
                .iter()
                .map(|p| {
                    let kr = match &p.name {
                        ast::ObjectPropName::String(s) => s.range,
                        ast::ObjectPropName::Word(w) => w.range,
                    };
                    (
                        p.name.as_str().to_string(),
                        kr.start..kr.end,
                        convert(&p.value),
                    )
                })
                .collect(),
        ),
    };
    Json {
        v,
        span: r.start..r.end,
    }
}

/// Offset where bracket nesting (outside strings and comments) first exceeds the limit.
fn too_deep(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => {
                i += 1;
                while let Some(&c) = b.get(i) {
                    match c {
                        b'\\' => i += 1,
                        b'"' => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while b.get(i).is_some()
                    && !(b.get(i) == Some(&b'*') && b.get(i + 1) == Some(&b'/'))
                {
                    i += 1;
                }
                i += 1;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_and_accepts_comments() {
        let text = "{\n  // c\n  \"a\": [1, \"x\",],\n}";
        let j = parse(text).unwrap();
        let a = j.get("A").unwrap();
        assert_eq!(&text[a.span.clone()], "[1, \"x\",]");
        let x = &a.as_arr().unwrap()[1];
        assert_eq!(&text[x.span.clone()], "\"x\"");
    }

    #[test]
    fn refuses_deep_nesting_without_recursing() {
        let text = "[".repeat(100_000);
        assert!(parse(&text).unwrap_err().1.contains("nesting"));
    }

    #[test]
    fn the_depth_limit_holds_for_well_formed_text_too() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        let (at, why) = parse(&nested(MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(at, MAX_DEPTH);
        assert!(why.contains("nesting"), "{why}");
    }

    /// The fast path builds the tree jsonc-parser's would, or leaves the text to it.
    fn agrees(text: &str) {
        let slow = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default())
            .ok()
            .and_then(|p| p.value.map(|v| convert(&v)));
        if let Some(quick) = fast::parse(text) {
            assert_eq!(Some(quick), slow, "{text:?}");
        }
    }

    #[test]
    fn fast_path_takes_plain_json_and_agrees_with_jsonc_parser() {
        let plain = [
            "{\"a\": [1, -2.5e3, 0, 1E+2, true, false, null, \"x\\n\\u00e9\\/\"]}",
            "{\n  // c\n  \"a\": [1, \"x\",],\n}",
            "/* a */ [ {} , [] , \"\" ] /**/",
            "{\"k\": \"tab\tand é\", \"k\": 2}",
            "\"\\\\\"",
            // Indentation in runs of eight and not, a string with escapes after a long run.
            "{\n                  \"a\": {\n                \"b\": \"[concat('x', \\\"y\\\")]\"\n        }\n}",
            "[\n         1,\n        \t 2 ]",
        ];
        for t in plain {
            assert!(fast::parse(t).is_some(), "{t:?}");
            agrees(t);
        }
        let left_to_jsonc = [
            "",
            "{a: 1}",
            "['x']",
            "[1 2]",
            "[01]",
            "[1,,2]",
            "{,}",
            "[,]",
            "truex",
            "[1]]",
            "/*/ 1",
            "\u{feff}{}",
            "[\"\\ud800\"]",
            "[\"\\q\"]",
            "{\"a\" 1}",
            "[-]",
            "[1.]",
            "[1e]",
            "[.5]",
            "[\"open]",
            "/* open",
            "1 2",
            "[nul]",
        ];
        for t in left_to_jsonc {
            assert!(fast::parse(t).is_none(), "{t:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_on_noise(s in "[\\[\\]{}:,\" \\n\\ta-z0-9./*\\\\eE+-]{0,40}") {
            agrees(&s);
        }
    }

    /// The top of a text is its tree with the top-level members `keep` refuses left out (or the
    /// whole tree, when the text is left to jsonc-parser).
    fn top_agrees(text: &str) {
        let keep = |k: &str| k.len().is_multiple_of(2);
        let mut expected = parse(text);
        if fast::parse(text).is_some() {
            if let Ok(Json {
                v: JsonValue::Obj(props),
                ..
            }) = &mut expected
            {
                props.retain(|(k, _, _)| keep(k));
            }
        }
        assert_eq!(parse_top(text, keep), expected, "{text:?}");
    }

    #[test]
    fn the_top_keeps_the_members_asked_for_and_checks_the_rest() {
        let text = "{\"$schema\": \"s\", \"resources\": [{\"a\": \"\\u00e9\"}], // c\n \"metadata\": {\"x\": 1},}";
        let top = parse_top(text, |k| k == "$schema" || k == "metadata").unwrap();
        let keys: Vec<&str> = top
            .as_obj()
            .unwrap()
            .iter()
            .map(|(k, _, _)| k.as_str())
            .collect();
        assert_eq!(keys, ["$schema", "metadata"]);
        assert_eq!(top.span, 0..text.len());
        let whole = parse(text).unwrap();
        assert_eq!(top.get("metadata"), whole.get("metadata"));
        // An error in a member that is not built is still found, where `parse` finds it.
        let bad = "{\"$schema\": \"s\", \"resources\": [1,, 2]}";
        assert_eq!(parse_top(bad, |_| false), parse(bad));
        assert!(parse(bad).is_err());
        top_agrees("[1, {\"ab\": 2}]");
    }

    proptest::proptest! {
        #[test]
        fn the_top_fails_where_the_whole_parse_fails(
            s in "[\\[\\]{}:,\" \\na-z0-9./*\\\\eEu+-]{0,40}"
        ) {
            top_agrees(&s);
        }

        #[test]
        fn the_top_of_an_object_agrees(s in "\\{(\"[a-d]{0,3}\": ?(\"[a-z\\\\n]{0,3}\"|[0-9]{1,3}|\\[\\]|\\{\\}|true), ?){0,5}\\}") {
            top_agrees(&s);
        }
    }

    #[test]
    fn reports_errors_with_offsets() {
        let (off, _) = parse("{\"a\": }").unwrap_err();
        assert_eq!(off, 6);
    }
}
