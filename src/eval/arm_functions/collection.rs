//! Array and object functions. Object property names match case-insensitively, as in ARM.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{int, to_text};
use crate::eval::common::{deep_unknown, equal, not_evaluated, string_value};
use crate::eval::value::{Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    let s = |x: String| string_value(x, here);
    let computed = |k: Kind| Value::at(k, here);
    let arg = |i: usize| args.get(i);
    match name {
        "createarray" => computed(Kind::List(Arc::new(args))),
        "array" => match arg(0) {
            Some(a) if a.as_list().is_some() || a.is_unknown() => a.clone().opaque(),
            Some(a) => computed(Kind::List(Arc::new(vec![a.clone()]))),
            None => Value::error("array: missing argument"),
        },
        "createobject" => {
            let mut m = BTreeMap::new();
            for pair in args.chunks(2) {
                if let [k, v] = pair {
                    match to_text(k) {
                        Some(k) if !pairs_unknown(pair) => {
                            m.insert(k, v.clone());
                        }
                        _ => return Value::unknown("createObject: unknown key"),
                    }
                }
            }
            computed(Kind::Map(Arc::new(m)))
        }
        "coalesce" => {
            for a in &args {
                if a.is_unknown() || a.is_error() {
                    return a.clone();
                }
                if !a.is_null() {
                    return a.clone();
                }
            }
            Value::null()
        }
        "union" => {
            if let Some(u) = args.iter().find(|a| a.is_unknown()) {
                return u.clone().opaque();
            }
            if arg(0).is_some_and(|a| a.as_list().is_some()) {
                let mut out: Vec<Value> = Vec::new();
                for a in &args {
                    for x in a.as_list().unwrap_or(&[]) {
                        if !out.iter().any(|y| equal(x, y)) {
                            out.push(x.clone());
                        }
                    }
                }
                return computed(Kind::List(Arc::new(out)));
            }
            let mut m = BTreeMap::new();
            for a in &args {
                if let Some(x) = a.as_map() {
                    merge(&mut m, x);
                }
            }
            computed(Kind::Map(Arc::new(m)))
        }
        "shallowmerge" => match arg(0).and_then(Value::as_list) {
            Some(items) => {
                let mut m = BTreeMap::new();
                for x in items {
                    match &x.kind {
                        Kind::Map(o) => m.extend(o.iter().map(|(k, v)| (k.clone(), v.clone()))),
                        Kind::Unknown(_) | Kind::Partial(_) | Kind::Error(_) => {
                            return x.clone().opaque()
                        }
                        _ => {}
                    }
                }
                computed(Kind::Map(Arc::new(m)))
            }
            None => arg(0).cloned().unwrap_or_else(Value::null),
        },
        "intersection" => {
            if let Some(first) = arg(0).and_then(Value::as_list) {
                let out: Vec<Value> = first
                    .iter()
                    .filter(|x| {
                        args.iter()
                            .skip(1)
                            .all(|a| a.as_list().is_some_and(|l| l.iter().any(|y| equal(x, y))))
                    })
                    .cloned()
                    .collect();
                return computed(Kind::List(Arc::new(out)));
            }
            Value::unknown("intersection of objects is not evaluated")
        }
        "first" | "last" => match arg(0).map(|a| &a.kind) {
            Some(Kind::List(l)) => {
                let x = if name == "first" { l.first() } else { l.last() };
                x.cloned().unwrap_or_else(Value::null)
            }
            Some(Kind::Str(t)) => {
                let c = if name == "first" {
                    t.chars().next()
                } else {
                    t.chars().last()
                };
                s(c.map(String::from).unwrap_or_default())
            }
            Some(Kind::Unknown(_) | Kind::Error(_)) => arg(0).cloned().unwrap_or_else(Value::null),
            Some(_) => Value::error(format!("{name}: not an array or string")),
            None => Value::error(format!("{name}: missing argument")),
        },
        "take" | "skip" => {
            let Some(n) = arg(1).and_then(int) else {
                return Value::unknown(format!("{name}: unknown count"));
            };
            let n = n.max(0) as usize;
            match arg(0).map(|a| &a.kind) {
                Some(Kind::List(l)) => {
                    let v: Vec<Value> = if name == "take" {
                        l.iter().take(n).cloned().collect()
                    } else {
                        l.iter().skip(n).cloned().collect()
                    };
                    computed(Kind::List(Arc::new(v)))
                }
                Some(Kind::Str(t)) => s(if name == "take" {
                    t.chars().take(n).collect()
                } else {
                    t.chars().skip(n).collect()
                }),
                _ => Value::unknown(format!("{name}: unknown value")),
            }
        }
        "length" => match arg(0).map(|a| &a.kind) {
            Some(Kind::List(l)) => computed(Kind::Num(l.len() as f64)),
            Some(Kind::Map(m)) => computed(Kind::Num(m.len() as f64)),
            Some(Kind::Str(t)) => computed(Kind::Num(t.chars().count() as f64)),
            _ => Value::unknown("length of an unknown value"),
        },
        "empty" => match arg(0).map(|a| &a.kind) {
            Some(Kind::List(l)) => computed(Kind::Bool(l.is_empty())),
            Some(Kind::Map(m)) => computed(Kind::Bool(m.is_empty())),
            Some(Kind::Str(t)) => computed(Kind::Bool(t.is_empty())),
            Some(Kind::Null) => computed(Kind::Bool(true)),
            _ => Value::unknown("empty() of an unknown value"),
        },
        "contains" => match (arg(0).map(|a| &a.kind), arg(1)) {
            (_, Some(x)) if x.is_unknown() => x.clone().opaque(),
            (Some(Kind::List(l)), Some(x)) => {
                if l.iter().any(|y| equal(x, y)) {
                    computed(Kind::Bool(true))
                } else if l.iter().any(|y| deep_unknown(y).is_some()) {
                    Value::unknown("contains: unknown item")
                } else {
                    computed(Kind::Bool(false))
                }
            }
            (Some(Kind::Map(m)), Some(x)) => match to_text(x) {
                Some(k) => computed(Kind::Bool(get_ci(m, &k).is_some())),
                None => Value::unknown("contains: unknown key"),
            },
            (Some(Kind::Str(t)), Some(x)) => match to_text(x) {
                Some(k) => computed(Kind::Bool(t.contains(&k))),
                None => Value::unknown("contains: unknown value"),
            },
            _ => Value::unknown("contains: unknown container"),
        },
        "items" => match arg(0).map(|a| &a.kind) {
            Some(Kind::Map(m)) => computed(Kind::List(Arc::new(
                m.iter()
                    .map(|(k, v)| {
                        let mut e = BTreeMap::new();
                        e.insert("key".to_string(), s(k.clone()));
                        e.insert("value".to_string(), v.clone());
                        computed(Kind::Map(Arc::new(e)))
                    })
                    .collect(),
            ))),
            _ => Value::unknown("items() of an unknown object"),
        },
        "objectkeys" => match arg(0).map(|a| &a.kind) {
            Some(Kind::Map(m)) => computed(Kind::List(Arc::new(
                m.keys().map(|k| s(k.clone())).collect(),
            ))),
            _ => Value::unknown("objectKeys() of an unknown object"),
        },
        "flatten" => match arg(0).map(|a| &a.kind) {
            Some(Kind::List(l)) => {
                let mut out = Vec::new();
                for x in l.iter() {
                    match &x.kind {
                        Kind::List(inner) => out.extend(inner.iter().cloned()),
                        Kind::Unknown(_) | Kind::Error(_) => return x.clone(),
                        _ => out.push(x.clone()),
                    }
                }
                computed(Kind::List(Arc::new(out)))
            }
            _ => Value::unknown("flatten() of an unknown array"),
        },
        "tryget" | "trygetvalue" => {
            let mut cur = arg(0).cloned().unwrap_or_else(Value::null);
            for k in args.iter().skip(1) {
                cur = match (&cur.kind, &k.kind) {
                    (Kind::Unknown(_) | Kind::Partial(_) | Kind::Error(_), _) => {
                        return cur.opaque()
                    }
                    (_, Kind::Unknown(_) | Kind::Partial(_)) => return k.clone().opaque(),
                    (Kind::Map(m), _) => match to_text(k) {
                        Some(key) => get_ci(m, &key).cloned().unwrap_or_else(Value::null),
                        None => return Value::null(),
                    },
                    (Kind::List(l), Kind::Num(i)) => {
                        l.get(*i as usize).cloned().unwrap_or_else(Value::null)
                    }
                    _ => return Value::null(),
                };
            }
            cur
        }
        _ => not_evaluated(name),
    }
}

/// A property of an object, exact name first, then ignoring case (ARM is case-insensitive).
pub fn get_ci<'a>(m: &'a BTreeMap<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Recursive object merge (ARM `union` on objects): later keys win, nested objects merge.
fn merge(into: &mut BTreeMap<String, Value>, from: &BTreeMap<String, Value>) {
    for (k, v) in from {
        let existing = into
            .keys()
            .find(|x| x.eq_ignore_ascii_case(k))
            .cloned()
            .unwrap_or_else(|| k.clone());
        match (into.get(&existing).map(|x| &x.kind), &v.kind) {
            (Some(Kind::Map(a)), Kind::Map(b)) => {
                let mut m = (**a).clone();
                merge(&mut m, b);
                into.insert(existing, Value::map(m));
            }
            _ => {
                into.remove(&existing);
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

fn pairs_unknown(pair: &[Value]) -> bool {
    pair.first().is_some_and(|k| k.is_unknown())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::tests::sp;
    use crate::eval::arm_functions::call;
    use crate::eval::value::Value;

    #[test]
    fn union_merges_objects_recursively() {
        let mut a = BTreeMap::new();
        let mut inner = BTreeMap::new();
        inner.insert("x".to_string(), Value::num(1.0));
        a.insert("n".to_string(), Value::map(inner));
        let mut b = BTreeMap::new();
        let mut inner2 = BTreeMap::new();
        inner2.insert("y".to_string(), Value::num(2.0));
        b.insert("n".to_string(), Value::map(inner2));
        let u = call("union", vec![Value::map(a), Value::map(b)], sp());
        assert_eq!(u.as_map().unwrap()["n"].as_map().unwrap().len(), 2);
    }
}
