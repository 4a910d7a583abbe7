//! String functions, also over partly known strings and id tokens: what the known text decides
//! is known, anything a hole could change is unknown.

use std::sync::Arc;

use super::{int, to_text, with_id_text};
use crate::eval::common::{equal, not_evaluated, string_value, MAX_STRING};
use crate::eval::partial::{Hole, Partial, Text};
use crate::eval::value::{Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    let s = |x: String| string_value(x, here);
    let computed = |k: Kind| Value::at(k, here);
    let arg = |i: usize| args.get(i);
    let text = |i: usize| arg(i).and_then(to_text);
    match name {
        "concat" => {
            if arg(0).is_some_and(|a| a.as_list().is_some()) {
                let mut out = Vec::new();
                for a in &args {
                    match &a.kind {
                        Kind::List(l) => out.extend(l.iter().cloned()),
                        Kind::Null => {}
                        _ => return Value::unknown("concat: mixed arrays and values"),
                    }
                }
                return computed(Kind::List(Arc::new(out)));
            }
            match concat_text(&args) {
                Ok(p) => with_id_text(Value::text(p, here), &args, here, |a| concat_text(a).ok()),
                Err(e) => e.opaque(),
            }
        }
        "format" if arg(0).is_some_and(Value::is_unknown) => {
            arg(0).cloned().unwrap_or_else(Value::null).opaque()
        }
        "format" => {
            let Some(f) = text(0) else {
                return Value::error("format: bad format string or arguments");
            };
            let items = args.get(1..).unwrap_or(&[]);
            match format(&f, items) {
                Some(x) => with_id_text(Value::text(x, here), items, here, |a| format(&f, a)),
                None => Value::error("format: bad format string or arguments"),
            }
        }
        "tolower" => text(0).map_or_else(
            || Value::error("toLower: not a string"),
            |t| s(t.to_lowercase()),
        ),
        "toupper" => text(0).map_or_else(
            || Value::error("toUpper: not a string"),
            |t| s(t.to_uppercase()),
        ),
        "trim" => text(0).map_or_else(
            || Value::error("trim: not a string"),
            |t| s(t.trim().to_string()),
        ),
        "replace" => match (text(0), text(1), text(2)) {
            (Some(a), Some(b), Some(c)) if !b.is_empty() => s(a.replace(&b, &c)),
            _ => Value::error("replace: invalid arguments"),
        },
        "split" => {
            let Some(t) = text(0) else {
                return Value::error("split: not a string");
            };
            let delims: Vec<String> = match arg(1).map(|a| &a.kind) {
                Some(Kind::List(l)) => l.iter().filter_map(to_text).collect(),
                _ => text(1).into_iter().collect(),
            };
            let mut parts = vec![t];
            for d in delims.iter().filter(|d| !d.is_empty()) {
                parts = parts
                    .iter()
                    .flat_map(|p| p.split(d.as_str()).map(str::to_string).collect::<Vec<_>>())
                    .collect();
            }
            computed(Kind::List(Arc::new(parts.into_iter().map(s).collect())))
        }
        "join" => match arg(0).and_then(Value::as_list) {
            Some(items) => {
                let parts: Option<Vec<String>> = items.iter().map(to_text).collect();
                match (parts, text(1)) {
                    (Some(p), Some(d)) => s(p.join(&d)),
                    _ => Value::unknown("join: unknown item"),
                }
            }
            None => Value::error("join: not an array"),
        },
        "substring" => {
            let Some(t) = text(0) else {
                return Value::error("substring: not a string");
            };
            let start = arg(1).and_then(int).unwrap_or(0).max(0) as usize;
            let chars: Vec<char> = t.chars().collect();
            let len = arg(2)
                .and_then(int)
                .map_or(chars.len().saturating_sub(start), |l| l.max(0) as usize);
            match chars.get(start..start.saturating_add(len)) {
                Some(c) => s(c.iter().collect()),
                None => Value::error("substring: out of range"),
            }
        }
        "startswith" | "endswith" | "indexof" | "lastindexof" => {
            let (Some(a), Some(b)) = (text(0), text(1)) else {
                if let Some(l) = arg(0).and_then(Value::as_list) {
                    // Array forms of indexOf/lastIndexOf.
                    let Some(x) = arg(1) else {
                        return Value::error("indexOf: missing value");
                    };
                    if l.iter().any(Value::is_unknown) {
                        return Value::unknown("indexOf: unknown item");
                    }
                    let mut it = l.iter().enumerate();
                    let found = if name == "lastindexof" {
                        it.rev().find(|(_, v)| equal(v, x))
                    } else {
                        it.find(|(_, v)| equal(v, x))
                    };
                    return computed(Kind::Num(found.map_or(-1.0, |(i, _)| i as f64)));
                }
                return Value::error(format!("{name}: invalid arguments"));
            };
            let (a, b) = (a.to_lowercase(), b.to_lowercase());
            match name {
                "startswith" => computed(Kind::Bool(a.starts_with(&b))),
                "endswith" => computed(Kind::Bool(a.ends_with(&b))),
                "indexof" => computed(Kind::Num(a.find(&b).map_or(-1.0, |i| i as f64))),
                _ => computed(Kind::Num(a.rfind(&b).map_or(-1.0, |i| i as f64))),
            }
        }
        "padleft" => match (text(0), arg(1).and_then(int), text(2)) {
            (Some(t), Some(w), pad) => {
                let pad = pad.and_then(|p| p.chars().next()).unwrap_or(' ');
                let n = (w.max(0) as usize)
                    .min(MAX_STRING)
                    .saturating_sub(t.chars().count());
                s(std::iter::repeat_n(pad, n).collect::<String>() + &t)
            }
            _ => Value::error("padLeft: invalid arguments"),
        },
        _ => not_evaluated(name),
    }
}

/// .NET composite formatting: `{0}`, `{1:D3}`, `{{` and `}}`. An unknown argument leaves a hole
/// (a formatted one an opaque hole: its width is unknown too).
fn format(f: &str, args: &[Value]) -> Option<Partial> {
    let mut out = Partial::new();
    let mut lit = String::new();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut spec = String::new();
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    spec.push(d);
                }
                let (idx, fmt) = spec.split_once(':').unwrap_or((&spec, ""));
                let a = args.get(idx.trim().parse::<usize>().ok()?)?;
                out.push_text(&std::mem::take(&mut lit));
                match (fmt.chars().next(), a.as_num()) {
                    (Some('D' | 'd'), Some(n)) => {
                        let w: usize = fmt.get(1..).and_then(|x| x.parse().ok()).unwrap_or(0);
                        out.push_text(&format!("{:0w$}", n as i64));
                    }
                    _ if a.is_error() => return None,
                    (None, _) if a.is_unknown() => out.push(&a.as_partial()?),
                    _ if a.is_unknown() => out.push_hole(Hole::opaque(
                        a.reason().unwrap_or("a format argument is unknown"),
                    )),
                    _ => out.push_text(&to_text(a)?),
                }
            }
            _ => lit.push(c),
        }
        if out.text_len() + lit.len() > MAX_STRING {
            return None;
        }
    }
    out.push_text(&lit);
    Some(out)
}

/// String concatenation (ARM `concat` of strings, Bicep interpolation): unknown parts become
/// holes so the known parts stay readable. `Err` carries an error operand, passed on as is.
pub fn concat_text<'v>(parts: impl IntoIterator<Item = &'v Value>) -> Result<Partial, Value> {
    let mut out = Partial::new();
    for v in parts {
        match &v.kind {
            Kind::Error(_) => return Err(v.clone()),
            Kind::Partial(_) | Kind::Unknown(_) => match v.as_partial() {
                Some(p) => out.push(&p),
                None => return Err(v.clone()),
            },
            _ => match to_text(v) {
                Some(t) => out.push_text(&t),
                None => return Err(Value::unknown("a part of the string is not text")),
            },
        }
        if out.text_len() > MAX_STRING {
            return Err(Value::unknown("string too long"));
        }
    }
    Ok(out)
}

/// A scanned resource's id token (`ref:arm:...`) stands for an id whose text this evaluator
/// does not have (subscription, resource group, exact case): string functions must not read it.
fn is_token(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with("ref:"))
}

/// String functions over a partly known string (or an id token): what the known parts decide,
/// else unknown. `None` when the first argument is an ordinary value, for [`super::call`] to
/// handle.
pub(super) fn partial_call(name: &str, args: &[Value], here: Option<Span>) -> Option<Value> {
    let first = args.first()?;
    let p = match &first.kind {
        Kind::Partial(p) => (**p).clone(),
        // An id token is read through its shape (the text Azure gives it), when known.
        Kind::Str(_) if is_token(first) => first.text_of()?,
        _ => return None,
    };
    let arg_text = |i: usize| args.get(i).filter(|a| !a.is_unknown()).and_then(to_text);
    let unknown = |what: &str| Some(Value::unknown(format!("{what}: {}", p.reason())));
    let computed = |k: Kind| Some(Value::at(k, here));
    match name {
        "split" => {
            let Some(delim) = arg_text(1) else {
                return unknown("split");
            };
            match p.split(&delim) {
                Some(segs) => computed(Kind::List(Arc::new(
                    segs.into_iter()
                        .map(|t| match t {
                            Text::Known(s) => Value::at(Kind::Str(Arc::from(s)), here),
                            Text::Partial(p) => Value::new(Kind::Partial(Arc::new(p))),
                        })
                        .collect(),
                ))),
                None => unknown("split"),
            }
        }
        "first" | "last" => {
            let c = if name == "first" {
                p.first_char()
            } else {
                p.last_char()
            };
            match c {
                Some(c) => computed(Kind::Str(Arc::from(c.to_string()))),
                None => unknown(name),
            }
        }
        "substring" => {
            let start = args.get(1).and_then(int).unwrap_or(0);
            let len = args.get(2).and_then(int);
            match (usize::try_from(start), len.map(usize::try_from)) {
                (Ok(start), Some(Ok(len))) => match p.substring(start, len) {
                    Some(t) => computed(Kind::Str(Arc::from(t))),
                    None => unknown("substring"),
                },
                _ => unknown("substring"),
            }
        }
        "startswith" | "endswith" | "contains" => {
            let Some(x) = arg_text(1) else {
                return unknown(name);
            };
            let r = match name {
                "startswith" => p.starts_with(&x, true),
                "endswith" => p.ends_with(&x, true),
                _ => p.contains(&x, false),
            };
            match r {
                Some(b) => computed(Kind::Bool(b)),
                None => unknown(name),
            }
        }
        "replace" => match (arg_text(1), arg_text(2)) {
            (Some(a), Some(b)) => match p.replace(&a, &b) {
                Some(r) => Some(Value::text(r, here)),
                None => unknown("replace"),
            },
            _ => unknown("replace"),
        },
        // These read the string whole (or as an item), not its text.
        "concat" | "format" | "string" | "coalesce" | "createarray" | "createobject" | "equals"
        | "empty" => None,
        _ if is_token(first) => None,
        _ => Some(first.clone().opaque()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::super::tests::{sp, st};
    use crate::eval::arm_functions::call;
    use crate::eval::common::equal;
    use crate::eval::partial::{Hole, Partial};
    use crate::eval::value::Value;

    #[test]
    fn format_and_concat() {
        let f = call(
            "format",
            vec![st("{0}/{1:D2}"), st("10.0.0.0"), Value::num(8.0)],
            sp(),
        );
        assert_eq!(f.as_str(), Some("10.0.0.0/08"));
        let u = call("concat", vec![st("a"), Value::unknown("x")], sp());
        assert!(u.is_unknown());
    }

    /// A fully known id and the same id with some segments made unknown (holes that hold no
    /// `/` where the segment has none, so `split` can still count).
    fn id_and_partial() -> impl Strategy<Value = (String, Value)> {
        let seg = prop_oneof![
            "[a-zA-Z0-9.-]{1,6}".prop_map(|s| (s, false)),
            "[a-z]{1,3}/[a-z]{1,3}".prop_map(|s| (s, true)),
        ];
        prop::collection::vec((seg, 0u8..3), 1..9).prop_map(|segs| {
            let mut full = String::new();
            let mut p = Partial::new();
            for ((text, slash), hide) in segs {
                full.push('/');
                p.push_text("/");
                full.push_str(&text);
                match hide {
                    0 => p.push_text(&text),
                    _ => p.push_hole(Hole {
                        reason: Arc::from("hidden"),
                        no_slash: !slash && hide == 1,
                        key: None,
                    }),
                }
            }
            (full, Value::text(p, None))
        })
    }

    proptest! {
        /// No string function returns a known value that depends on an unknown part: whatever
        /// the partial evaluation knows equals the evaluation of the full string.
        #[test]
        fn known_results_agree_with_the_full_string(
            (full, partial) in id_and_partial(),
            i in 0usize..10,
            len in 0usize..8,
            probe in "[a-z/]{0,3}",
        ) {
            let same = |name: &str, extra: Vec<Value>| {
                let mut pa = vec![partial.clone()];
                pa.extend(extra.iter().cloned());
                let mut fa = vec![st(&full)];
                fa.extend(extra);
                (call(name, pa, sp()), call(name, fa, sp()))
            };
            let n = |x: usize| Value::num(x as f64);
            let cases = vec![
                same("substring", vec![n(i), n(len)]),
                same("startswith", vec![st(&probe)]),
                same("endswith", vec![st(&probe)]),
                same("contains", vec![st(&probe)]),
                same("replace", vec![st("/"), st("-")]),
                same("first", vec![]),
                same("last", vec![]),
                same("length", vec![]),
                same("tolower", vec![]),
                (
                    call("concat", vec![partial.clone(), st("/x")], sp()),
                    call("concat", vec![st(&full), st("/x")], sp()),
                ),
                (
                    call("format", vec![st("{0}/x"), partial.clone()], sp()),
                    call("format", vec![st("{0}/x"), st(&full)], sp()),
                ),
            ];
            let (ps, fs) = same("split", vec![st("/")]);
            if let (Some(pl), Some(fl)) = (ps.as_list(), fs.as_list()) {
                prop_assert_eq!(pl.len(), fl.len());
                for (a, b) in pl.iter().zip(fl) {
                    if !a.is_unknown() {
                        prop_assert!(equal(a, b));
                    }
                }
                let (pl_last, fl_last) = (
                    call("last", vec![ps.clone()], sp()),
                    call("last", vec![fs.clone()], sp()),
                );
                if !pl_last.is_unknown() {
                    prop_assert!(equal(&pl_last, &fl_last));
                }
            } else {
                prop_assert!(ps.is_unknown());
            }
            for (p, f) in cases {
                if !p.is_unknown() {
                    prop_assert!(equal(&p, &f), "{:?} vs {:?}", p, f);
                }
            }
        }
    }
}
