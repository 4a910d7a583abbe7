//! Terraform string functions over partly known strings and resource ids.
//!
//! Modules take ids apart (`element(split("/", var.subnet_id), 8)`, `split("/", id)[10]`), and
//! an id or an interpolation with an unknown part (`"${data.azurerm_subscription.current.id}/
//! resourceGroups/rg"`) still has known text. These functions answer from that text through
//! [`Partial`], the same type the ARM functions use, and say unknown whenever a hole could
//! change the answer. Lists of segments come back with known and partial items, so indexing and
//! `element` work on them unchanged.

use std::sync::Arc;

use super::partial::{Partial, Text};
use super::value::{Kind, Value};
use crate::source::Span;

/// The text of `v` when string functions must read it through holes: a partial string or a
/// resource id. `None` for a plain string (the ordinary functions handle it) and non-strings.
fn partial_text(v: &Value) -> Option<Partial> {
    match &v.kind {
        Kind::Partial(_) => v.as_partial(),
        _ if v.is_link() => v.text_of(),
        _ => None,
    }
}

/// A fully known string argument (a separator, a prefix).
fn known(args: &[Value], i: usize) -> Option<String> {
    args.get(i)
        .filter(|a| !a.is_link())
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn int(args: &[Value], i: usize) -> Option<usize> {
    args.get(i)
        .and_then(Value::as_num)
        .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n < 1e9)
        .map(|n| n as usize)
}

fn segment(t: Text, here: Option<Span>) -> Value {
    match t {
        Text::Known(s) => Value::at(Kind::Str(Arc::from(s)), here),
        Text::Partial(p) => Value::new(Kind::Partial(Arc::new(p))),
    }
}

/// `name(args)` when its string argument is partly known or an id; `None` when the ordinary
/// function applies. The index of the string argument is Terraform's (`split(sep, str)`).
pub fn call(name: &str, args: &[Value], here: Option<Span>) -> Option<Value> {
    let at = usize::from(name == "split");
    let p = partial_text(args.get(at)?)?;
    let unknown = || Some(Value::unknown(format!("{name}: {}", p.reason())));
    let computed = |k: Kind| Some(Value::at(k, here));
    match name {
        "split" => match known(args, 0).and_then(|sep| p.split(&sep)) {
            Some(segs) => Some(
                Value::list(segs.into_iter().map(|t| segment(t, here)).collect()).located(here),
            ),
            None => unknown(),
        },
        "replace" => match (known(args, 1), known(args, 2)) {
            // `/.../` is a regular expression: it may match across a hole.
            (Some(from), Some(to)) if !(from.len() > 1 && from.starts_with('/')) => {
                match p.replace(&from, &to) {
                    Some(r) => Some(Value::text(r, here)),
                    None => unknown(),
                }
            }
            _ => unknown(),
        },
        // Negative offsets count from an end the holes hide.
        "substr" => match (int(args, 1), int(args, 2)) {
            (Some(start), Some(len)) => match p.substring(start, len) {
                Some(t) => computed(Kind::Str(Arc::from(t))),
                None => unknown(),
            },
            _ => unknown(),
        },
        "startswith" | "endswith" | "strcontains" => {
            let Some(x) = known(args, 1) else {
                return unknown();
            };
            let r = match name {
                "startswith" => p.starts_with(&x, false),
                "endswith" => p.ends_with(&x, false),
                _ => p.contains(&x, false),
            };
            match r {
                Some(b) => computed(Kind::Bool(b)),
                None => unknown(),
            }
        }
        // Everything else that reads characters (regex, trim, length, ...) may read a hole.
        _ => unknown(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail by panicking")]
mod tests {
    use super::*;
    use crate::eval::partial::Hole;
    use crate::eval::terraform::functions;
    use crate::eval::value::ResId;
    use proptest::prelude::*;

    fn sp() -> Span {
        Span::new(0, 0..1)
    }

    fn subnet_id() -> Value {
        let mut shape = Partial::new();
        shape.push_text("/subscriptions/");
        shape.push_hole(crate::eval::id_shapes::subscription_hole());
        shape.push_text("/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet1");
        shape.push_text("/subnets/nodes");
        Value::new(Kind::Id(ResId(Arc::from("azurerm_subnet.nodes")))).with_shape(shape)
    }

    #[test]
    fn known_segments_of_an_id_resolve_and_holes_stay_unknown() {
        let segs = functions::call("split", vec![Value::str("/"), subnet_id()], sp());
        let items = segs.as_list().unwrap();
        assert_eq!(items.get(8).and_then(Value::as_str), Some("vnet1"));
        assert_eq!(items.get(10).and_then(Value::as_str), Some("nodes"));
        assert!(items.get(2).is_some_and(Value::is_unknown));
        let start = functions::call("startswith", vec![subnet_id(), Value::str("/subs")], sp());
        assert_eq!(start.as_bool(), Some(true));
        let len = functions::call("length", vec![subnet_id()], sp());
        assert!(len.is_unknown());
    }

    /// A string fully known, and the same string with some pieces made holes.
    fn filled_and_partial() -> impl Strategy<Value = (String, Value)> {
        let piece = prop_oneof![
            Just("/".to_string()),
            "[a-zA-Z0-9]{0,4}".prop_map(|s| s),
            "[a-z/]{0,4}".prop_map(|s| s),
        ];
        prop::collection::vec((piece, any::<bool>()), 0..10).prop_map(|pieces| {
            let mut full = String::new();
            let mut p = Partial::new();
            for (text, hidden) in pieces {
                full.push_str(&text);
                if hidden {
                    p.push_hole(Hole {
                        reason: Arc::from("hidden"),
                        no_slash: !text.contains('/'),
                        key: None,
                    });
                } else {
                    p.push_text(&text);
                }
            }
            (full, Value::new(Kind::Partial(Arc::new(p))))
        })
    }

    /// Every known leaf of `partial` equals the same place in `full`.
    fn agrees(partial: &Value, full: &Value) -> bool {
        if partial.is_unknown() {
            return true;
        }
        match (&partial.kind, &full.kind) {
            (Kind::List(a), Kind::List(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| agrees(x, y))
            }
            _ => crate::eval::common::equal(partial, full),
        }
    }

    proptest! {
        /// Whatever a Terraform function answers over a partly known string, it answers the
        /// same over every filling of the holes.
        #[test]
        fn partial_answers_agree_with_every_filling(
            (full, p) in filled_and_partial(),
            start in 0usize..12,
            len in 0usize..12,
            probe in "[a-z/]{0,3}",
            index in 0usize..8,
        ) {
            let full = Value::str(full);
            let n = |x: usize| Value::num(x as f64);
            let calls: Vec<(&str, Vec<Value>, Vec<Value>)> = vec![
                ("split", vec![Value::str("/"), p.clone()], vec![Value::str("/"), full.clone()]),
                ("substr", vec![p.clone(), n(start), n(len)], vec![full.clone(), n(start), n(len)]),
                ("replace", vec![p.clone(), Value::str("/"), Value::str("-")],
                    vec![full.clone(), Value::str("/"), Value::str("-")]),
                ("startswith", vec![p.clone(), Value::str(probe.clone())],
                    vec![full.clone(), Value::str(probe.clone())]),
                ("endswith", vec![p.clone(), Value::str(probe.clone())],
                    vec![full.clone(), Value::str(probe.clone())]),
                ("strcontains", vec![p.clone(), Value::str(probe.clone())],
                    vec![full.clone(), Value::str(probe.clone())]),
                ("length", vec![p.clone()], vec![full.clone()]),
            ];
            for (name, pa, fa) in calls {
                let a = functions::call(name, pa, sp());
                let b = functions::call(name, fa, sp());
                prop_assert!(agrees(&a, &b), "{name}: {a:?} vs {b:?}");
                if name == "split" {
                    let ea = functions::call("element", vec![a.clone(), n(index)], sp());
                    let eb = functions::call("element", vec![b.clone(), n(index)], sp());
                    prop_assert!(agrees(&ea, &eb), "element: {ea:?} vs {eb:?}");
                    let la = functions::call("length", vec![a], sp());
                    let lb = functions::call("length", vec![b], sp());
                    prop_assert!(agrees(&la, &lb), "length of split");
                }
            }
        }
    }
}
