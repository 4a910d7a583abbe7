//! Collection functions over lists and maps. Functions that pick an element (`lookup`,
//! `element`, `coalesce`, ...) return it with its own provenance, and each decides for itself
//! what an unknown element means (see the strict list in the dispatcher).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{first_unknown, int};
use crate::eval::common::{equal, not_evaluated, MAX_ITEMS};
use crate::eval::value::{Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    let computed = |k: Kind| Value::at(k, here);
    match name {
        "length" => match args.first().map(|a| &a.kind) {
            Some(Kind::List(l)) => computed(Kind::Num(l.len() as f64)),
            Some(Kind::Map(m)) => computed(Kind::Num(m.len() as f64)),
            Some(Kind::Str(x)) if x.starts_with("ref:") => {
                Value::unknown("the text of a resource id is known only after apply")
            }
            Some(Kind::Str(x)) => computed(Kind::Num(x.chars().count() as f64)),
            Some(Kind::Unknown(_) | Kind::Error(_)) => {
                args.first().cloned().unwrap_or_else(Value::null)
            }
            _ => Value::error("length: invalid argument"),
        },
        "lookup" => {
            let Some(m) = args.first() else {
                return Value::error("lookup: missing map");
            };
            if m.is_unknown() {
                return m.clone();
            }
            let Some(key) = args.get(1) else {
                return Value::error("lookup: missing key");
            };
            if key.is_unknown() {
                return key.clone();
            }
            match (m.as_map(), key.to_tf_string()) {
                (Some(map), Some(k)) => match map.get(&k) {
                    Some(v) => v.clone(),
                    None => args
                        .get(2)
                        .cloned()
                        .unwrap_or_else(|| Value::error(format!("lookup: no key {k}"))),
                },
                _ => Value::error("lookup: invalid arguments"),
            }
        }
        "element" => match (args.first(), args.get(1)) {
            (Some(l), _) if l.is_unknown() => l.clone(),
            (_, Some(i)) if i.is_unknown() => i.clone(),
            (Some(l), Some(i)) => match (l.as_list(), int(i)) {
                (Some(items), Some(i)) if !items.is_empty() && i >= 0 => items
                    .get(i as usize % items.len())
                    .cloned()
                    .unwrap_or_else(Value::null),
                _ => Value::error("element: invalid arguments"),
            },
            _ => Value::error("element: missing arguments"),
        },
        "index" => match (args.first().and_then(Value::as_list), args.get(1)) {
            (Some(items), Some(x)) => match items.iter().position(|i| equal(i, x)) {
                Some(p) => computed(Kind::Num(p as f64)),
                None => Value::error("index: value not found"),
            },
            _ => Value::error("index: invalid arguments"),
        },
        "coalesce" => {
            for a in &args {
                if a.is_unknown() {
                    return a.clone();
                }
                let empty = a.is_null() || a.as_str() == Some("");
                if !empty {
                    return a.clone();
                }
            }
            Value::error("coalesce: no non-null argument")
        }
        "coalescelist" => {
            for a in &args {
                if a.is_unknown() {
                    return a.clone();
                }
                if a.as_list().is_some_and(|l| !l.is_empty()) {
                    return a.clone();
                }
            }
            Value::error("coalescelist: no non-empty list")
        }
        "concat" => {
            let mut out = Vec::new();
            for a in &args {
                match &a.kind {
                    Kind::List(l) => out.extend(l.iter().cloned()),
                    Kind::Unknown(_) | Kind::Error(_) => return a.clone(),
                    _ => return Value::error("concat: not a list"),
                }
                if out.len() > MAX_ITEMS {
                    return Value::unknown("list too long");
                }
            }
            Value::list(out).located(here)
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for a in &args {
                match &a.kind {
                    Kind::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
                    Kind::Null => {}
                    Kind::Unknown(_) | Kind::Error(_) => return a.clone(),
                    _ => return Value::error("merge: not an object"),
                }
            }
            Value::map(out).located(here)
        }
        "flatten" => {
            fn flat(v: &Value, out: &mut Vec<Value>) -> Result<(), Value> {
                match &v.kind {
                    Kind::List(l) => {
                        for x in l.iter() {
                            flat(x, out)?;
                        }
                        Ok(())
                    }
                    Kind::Unknown(_) | Kind::Error(_) => Err(v.clone()),
                    _ => {
                        out.push(v.clone());
                        Ok(())
                    }
                }
            }
            let mut out = Vec::new();
            match args.first().map(|a| flat(a, &mut out)) {
                Some(Ok(())) => Value::list(out).located(here),
                Some(Err(u)) => u,
                None => Value::error("flatten: missing argument"),
            }
        }
        "keys" => match args.first().map(|a| &a.kind) {
            Some(Kind::Map(m)) => Value::list(
                m.keys()
                    .map(|k| Value::at(Kind::Str(Arc::from(k.as_str())), here))
                    .collect(),
            )
            .located(here),
            Some(Kind::Unknown(_) | Kind::Error(_)) => {
                args.first().cloned().unwrap_or_else(Value::null)
            }
            _ => Value::error("keys: not an object"),
        },
        "values" => match args.first().map(|a| &a.kind) {
            Some(Kind::Map(m)) => Value::list(m.values().cloned().collect()).located(here),
            Some(Kind::Unknown(_) | Kind::Error(_)) => {
                args.first().cloned().unwrap_or_else(Value::null)
            }
            _ => Value::error("values: not an object"),
        },
        "contains" => match (args.first(), args.get(1)) {
            (Some(l), _) if l.is_unknown() => l.clone(),
            (_, Some(x)) if x.is_unknown() => x.clone(),
            (Some(l), Some(x)) => match l.as_list() {
                Some(items) if items.iter().any(|i| equal(i, x)) => computed(Kind::Bool(true)),
                Some(items) if items.iter().any(Value::is_unknown) => {
                    Value::unknown("list element is unknown")
                }
                Some(_) => computed(Kind::Bool(false)),
                None => Value::error("contains: not a list"),
            },
            _ => Value::error("contains: missing arguments"),
        },
        "distinct" | "compact" | "reverse" => match args.first() {
            Some(a) => match a.as_list() {
                Some(items) => {
                    if items.iter().any(Value::is_unknown) {
                        return Value::unknown("list element is unknown");
                    }
                    let out: Vec<Value> = match name {
                        "reverse" => items.iter().rev().cloned().collect(),
                        "compact" => items
                            .iter()
                            .filter(|i| !(i.is_null() || i.as_str() == Some("")))
                            .cloned()
                            .collect(),
                        _ => {
                            let mut out: Vec<Value> = Vec::new();
                            for x in items {
                                if !out.iter().any(|y| equal(x, y)) {
                                    out.push(x.clone());
                                }
                            }
                            out
                        }
                    };
                    Value::list(out).located(here)
                }
                None if a.is_unknown() => a.clone(),
                None => Value::error(format!("{name}: not a list")),
            },
            None => Value::error(format!("{name}: missing argument")),
        },
        "slice" => match (
            args.first(),
            args.get(1).and_then(int),
            args.get(2).and_then(int),
        ) {
            (Some(l), _, _) if l.is_unknown() => l.clone(),
            (Some(l), Some(a), Some(b)) => match l
                .as_list()
                .and_then(|x| x.get(a.max(0) as usize..b.max(0) as usize))
            {
                Some(part) => Value::list(part.to_vec()).located(here),
                None => Value::error("slice: out of range"),
            },
            _ => Value::error("slice: invalid arguments"),
        },
        "one" => match args.first() {
            Some(a) => match &a.kind {
                Kind::List(l) if l.is_empty() => Value::null(),
                Kind::List(l) if l.len() == 1 => l.first().cloned().unwrap_or_else(Value::null),
                Kind::Null | Kind::Unknown(_) | Kind::Error(_) => a.clone(),
                _ => Value::error("one: more than one element"),
            },
            None => Value::error("one: missing argument"),
        },
        "zipmap" => match (
            args.first().and_then(Value::as_list),
            args.get(1).and_then(Value::as_list),
        ) {
            (Some(ks), Some(vs)) if ks.len() == vs.len() => {
                let mut m = BTreeMap::new();
                for (k, v) in ks.iter().zip(vs.iter()) {
                    match k.to_tf_string() {
                        Some(k) => {
                            m.insert(k, v.clone());
                        }
                        None => return Value::unknown("zipmap key is unknown"),
                    }
                }
                Value::map(m).located(here)
            }
            _ => first_unknown(&args).unwrap_or_else(|| Value::error("zipmap: invalid arguments")),
        },
        "range" => {
            let ns: Option<Vec<f64>> = args.iter().map(Value::as_num).collect();
            let Some(ns) = ns else {
                return Value::error("range: not numbers");
            };
            let (start, end, step) = match ns.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s0, e] => (*s0, *e, if e >= s0 { 1.0 } else { -1.0 }),
                [s0, e, st] => (*s0, *e, *st),
                _ => return Value::error("range: 1 to 3 arguments"),
            };
            if step == 0.0 || ((end - start) / step) > MAX_ITEMS as f64 {
                return Value::unknown("range too long");
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(computed(Kind::Num(x)));
                x += step;
            }
            Value::list(out).located(here)
        }
        "alltrue" | "anytrue" => match args.first().and_then(Value::as_list) {
            Some(items) => {
                let bs: Vec<Option<bool>> = items.iter().map(Value::as_bool).collect();
                let res = if name == "alltrue" {
                    if bs.contains(&Some(false)) {
                        Some(false)
                    } else if bs.iter().all(Option::is_some) {
                        Some(true)
                    } else {
                        None
                    }
                } else if bs.contains(&Some(true)) {
                    Some(true)
                } else if bs.iter().all(Option::is_some) {
                    Some(false)
                } else {
                    None
                };
                res.map_or_else(
                    || Value::unknown("element is unknown"),
                    |b| computed(Kind::Bool(b)),
                )
            }
            None => Value::error(format!("{name}: not a list")),
        },
        "sort" => match args.first().and_then(Value::as_list) {
            Some(items) => {
                let mut strs: Vec<String> = Vec::new();
                for i in items {
                    match i.to_tf_string() {
                        Some(x) => strs.push(x),
                        None => return Value::unknown("sort: element is unknown"),
                    }
                }
                strs.sort();
                Value::list(
                    strs.into_iter()
                        .map(|x| Value::at(Kind::Str(Arc::from(x)), here))
                        .collect(),
                )
                .located(here)
            }
            None => Value::error("sort: not a list"),
        },
        _ => not_evaluated(name),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_value, list_of, map_of, strs, tf};
    use crate::eval::value::Value;

    #[test]
    fn contains_with_unknown_element_is_unknown_unless_found() {
        let l = Value::list(vec![Value::unknown("x"), Value::str("a")]);
        assert_eq!(
            tf("contains", vec![l.clone(), Value::str("a")]).as_bool(),
            Some(true)
        );
        assert!(tf("contains", vec![l, Value::str("b")]).is_unknown());
    }

    // The examples of Terraform's function documentation.

    #[test]
    fn lookup_doc_examples() {
        let m = map_of(vec![("a", Value::str("ay")), ("b", Value::str("bee"))]);
        for (key, want) in [("a", "ay"), ("c", "what?")] {
            let v = tf(
                "lookup",
                vec![m.clone(), Value::str(key), Value::str("what?")],
            );
            assert_eq!(v.as_str(), Some(want), "lookup(.., {key:?}, \"what?\")");
        }
    }

    #[test]
    fn merge_doc_examples() {
        let v = tf(
            "merge",
            vec![
                map_of(vec![("a", Value::str("b")), ("c", Value::str("d"))]),
                map_of(vec![("e", Value::str("f")), ("c", Value::str("z"))]),
            ],
        );
        let want = map_of(vec![
            ("a", Value::str("b")),
            ("c", Value::str("z")),
            ("e", Value::str("f")),
        ]);
        assert_value(&v, &want);
        let one_two = Value::list(vec![Value::num(1.0), Value::num(2.0)]);
        let v = tf(
            "merge",
            vec![
                map_of(vec![("a", Value::str("b"))]),
                map_of(vec![("a", one_two.clone()), ("c", Value::str("z"))]),
                map_of(vec![("d", Value::num(3.0))]),
            ],
        );
        let want = map_of(vec![
            ("a", one_two),
            ("c", Value::str("z")),
            ("d", Value::num(3.0)),
        ]);
        assert_value(&v, &want);
    }

    #[test]
    fn concat_doc_example() {
        let v = tf("concat", vec![list_of(&["a", ""]), list_of(&["b", "c"])]);
        assert_eq!(strs(&v), ["a", "", "b", "c"]);
    }

    #[test]
    fn element_doc_examples() {
        let abc = list_of(&["a", "b", "c"]);
        // The index wraps around the end of the list.
        for (i, want) in [(1.0, "b"), (3.0, "a"), (2.0, "c")] {
            let v = tf("element", vec![abc.clone(), Value::num(i)]);
            assert_eq!(v.as_str(), Some(want), "element([a, b, c], {i})");
        }
    }

    #[test]
    fn coalesce_doc_examples() {
        let v = tf("coalesce", vec![Value::str("a"), Value::str("b")]);
        assert_eq!(v.as_str(), Some("a"));
        let v = tf("coalesce", vec![Value::str(""), Value::str("b")]);
        assert_eq!(v.as_str(), Some("b"));
        let v = tf("coalesce", vec![Value::num(1.0), Value::num(2.0)]);
        assert_eq!(v.as_num(), Some(1.0));
    }
}
