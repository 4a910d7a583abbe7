//! Terraform's built-in functions that real AKS code uses. Arguments arrive evaluated; any
//! unknown argument that the result depends on makes the result unknown. Functions that pick a
//! value (`lookup`, `element`, `coalesce`, `merge`, ...) return it with its own provenance, so
//! the diagnostic still points at the literal; functions that compute a new value
//! (`cidrsubnet`, `format`, ...) are attributed to the call.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::value::{fmt_num, Kind, Value};
use crate::cidr;
use crate::source::Span;

/// Longest string a function may build (guards `format`/`join` blow-ups).
pub const MAX_STRING: usize = 1 << 20;
/// Longest collection a function may build.
const MAX_ITEMS: usize = 100_000;

/// Compiles a pattern once per thread: modules call `regex()` inside `for` filters with the same
/// pattern for every key, and compiling dominates otherwise.
fn compiled(pattern: &str) -> Option<regex::Regex> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<HashMap<String, Option<regex::Regex>>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(re) = c.get(pattern) {
            return re.clone();
        }
        let re = regex::Regex::new(pattern).ok();
        if c.len() < 512 {
            c.insert(pattern.to_string(), re.clone());
        }
        re
    })
}

/// Structural equality of known values (Terraform `==`).
pub fn equal(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Null, Kind::Null) => true,
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (Kind::Num(x), Kind::Num(y)) => x == y,
        (Kind::Str(x), Kind::Str(y)) => x == y,
        (Kind::Id(x), Kind::Id(y)) => x == y,
        (Kind::List(x), Kind::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| equal(a, b))
        }
        (Kind::Map(x), Kind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && equal(va, vb))
        }
        _ => false,
    }
}

fn first_unknown(args: &[Value]) -> Option<Value> {
    args.iter().find(|a| a.is_unknown()).cloned()
}

fn deep_unknown(v: &Value) -> bool {
    match &v.kind {
        Kind::Unknown(_) | Kind::Error(_) => true,
        Kind::List(l) => l.iter().any(deep_unknown),
        Kind::Map(m) => m.values().any(deep_unknown),
        _ => false,
    }
}

/// Functions that read the characters of a string argument (not just pass it on).
fn reads_text(name: &str) -> bool {
    matches!(
        name,
        "split"
            | "replace"
            | "substr"
            | "startswith"
            | "endswith"
            | "strcontains"
            | "regex"
            | "regexall"
            | "trimprefix"
            | "trimsuffix"
            | "trim"
            | "basename"
            | "dirname"
            | "strrev"
            | "indent"
            | "title"
    )
}

fn int(v: &Value) -> Option<i64> {
    v.as_num()
        .filter(|n| n.fract() == 0.0 && n.abs() < 9e15)
        .map(|n| n as i64)
}

fn str_arg(args: &[Value], i: usize) -> Option<String> {
    args.get(i).and_then(Value::to_tf_string)
}

/// Calls function `name`. `span` is the call expression (provenance of computed results).
pub fn call(name: &str, args: Vec<Value>, span: Span) -> Value {
    let here = Some(span);
    let computed = |k: Kind| Value::at(k, here);
    let s = |x: String| {
        if x.len() > MAX_STRING {
            Value::unknown("string too long")
        } else {
            Value::at(Kind::Str(Arc::from(x)), here)
        }
    };
    // Functions whose result is fully determined by the presence of unknowns handle them below.
    let strict = !matches!(
        name,
        "coalesce"
            | "merge"
            | "concat"
            | "tolist"
            | "toset"
            | "tomap"
            | "flatten"
            | "values"
            | "lookup"
            | "element"
            | "length"
            | "keys"
            | "coalescelist"
            | "compact"
            | "distinct"
            | "one"
            | "jsonencode"
            | "yamlencode"
            | "contains"
            | "reverse"
            | "slice"
            | "zipmap"
    );
    // A partly known string or an id is read through its known text; see `partial_terraform`.
    if reads_text(name) || name == "length" {
        if let Some(v) = super::partial_terraform::call(name, &args, here) {
            return v;
        }
    }
    if strict {
        if let Some(u) = first_unknown(&args) {
            // Only a conversion keeps the known parts: any other result is another string.
            return if name == "tostring" { u } else { u.opaque() };
        }
    }
    if reads_text(name) && args.iter().any(Value::is_link) {
        // An id as a later argument (a separator, a pattern): its text is not the token's.
        return Value::unknown("the text of a resource id is known only after apply");
    }
    match name {
        // ---- networking ----
        "cidrsubnet" => {
            let (Some(base), Some(nb), Some(nn)) = (
                str_arg(&args, 0).and_then(|x| cidr::parse(&x)),
                args.get(1).and_then(int),
                args.get(2).and_then(int),
            ) else {
                return Value::error("cidrsubnet: invalid arguments");
            };
            match cidr::cidrsubnet(&base, nb, nn) {
                Ok(n) => s(n.to_string()),
                Err(e) => Value::error(format!("cidrsubnet: {e}")),
            }
        }
        "cidrsubnets" => {
            let Some(base) = str_arg(&args, 0).and_then(|x| cidr::parse(&x)) else {
                return Value::error("cidrsubnets: invalid prefix");
            };
            // Allocates consecutive subnets, each aligned to its own size (Terraform's algorithm).
            let mut out = Vec::new();
            let base_len = u32::from(base.prefix_len());
            let total: u32 = if cidr::is_v4(&base) { 32 } else { 128 };
            let mut next: u128 = 0; // offset in units of the smallest possible block
            for nb in args.iter().skip(1) {
                let Some(nb) = int(nb).and_then(|n| u32::try_from(n).ok()) else {
                    return Value::error("cidrsubnets: invalid newbits");
                };
                if base_len + nb > total {
                    return Value::error("cidrsubnets: not enough address space");
                }
                let host = total - base_len - nb;
                let block = 1u128.checked_shl(host).unwrap_or(0);
                if block == 0 {
                    return Value::error("cidrsubnets: block too large");
                }
                let start = next.div_ceil(block) * block;
                let netnum = start / block;
                match cidr::cidrsubnet(&base, i64::from(nb), i64::try_from(netnum).unwrap_or(-1)) {
                    Ok(n) => out.push(s(n.to_string())),
                    Err(e) => return Value::error(format!("cidrsubnets: {e}")),
                }
                next = start + block;
            }
            Value::list(out).located(here)
        }
        "cidrhost" => {
            let (Some(base), Some(h)) = (
                str_arg(&args, 0).and_then(|x| cidr::parse(&x)),
                args.get(1).and_then(int),
            ) else {
                return Value::error("cidrhost: invalid arguments");
            };
            match cidr::cidrhost(&base, h) {
                Ok(ip) => s(ip.to_string()),
                Err(e) => Value::error(format!("cidrhost: {e}")),
            }
        }
        "cidrnetmask" => match str_arg(&args, 0).and_then(|x| cidr::parse(&x)) {
            Some(base) => match cidr::netmask(&base) {
                Ok(m) => s(m),
                Err(e) => Value::error(format!("cidrnetmask: {e}")),
            },
            None => Value::error("cidrnetmask: invalid prefix"),
        },
        // ---- strings ----
        "format" => match str_arg(&args, 0) {
            Some(f) => match format(&f, args.get(1..).unwrap_or(&[])) {
                Ok(x) => s(x),
                Err(e) => e,
            },
            None => Value::error("format: invalid format string"),
        },
        "join" => {
            let Some(sep) = str_arg(&args, 0) else {
                return Value::error("join: invalid separator");
            };
            let mut parts = Vec::new();
            for l in args.iter().skip(1) {
                let Some(items) = l.as_list() else {
                    return Value::error("join: not a list");
                };
                for i in items {
                    if i.is_unknown() {
                        return i.clone();
                    }
                    match i.to_tf_string() {
                        Some(x) => parts.push(x),
                        None => return Value::error("join: element is not a string"),
                    }
                }
            }
            s(parts.join(&sep))
        }
        "split" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(sep), Some(x)) if !sep.is_empty() => Value::list(
                x.split(sep.as_str())
                    .take(MAX_ITEMS)
                    .map(|p| Value::at(Kind::Str(Arc::from(p)), here))
                    .collect(),
            )
            .located(here),
            _ => Value::error("split: invalid arguments"),
        },
        "replace" => match (str_arg(&args, 0), str_arg(&args, 1), str_arg(&args, 2)) {
            (Some(x), Some(from), Some(to)) => {
                if from.starts_with('/') && from.ends_with('/') && from.len() > 1 {
                    let pat = from.get(1..from.len() - 1).unwrap_or("");
                    match compiled(pat) {
                        Some(re) => s(re
                            .replace_all(&x, to.replace("$", "$$").as_str())
                            .into_owned()),
                        None => Value::unknown("replace: unsupported regular expression"),
                    }
                } else if from.is_empty() {
                    s(x)
                } else {
                    s(x.replace(&from, &to))
                }
            }
            _ => Value::error("replace: invalid arguments"),
        },
        "regex" | "regexall" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(pat), Some(text)) => match compiled(&pat) {
                Some(re) => {
                    let one = |c: regex::Captures<'_>| -> Value {
                        let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
                        if names.is_empty() {
                            return s(c.get(0).map_or("", |m| m.as_str()).to_string());
                        }
                        if names.iter().all(Option::is_some) {
                            let m = names
                                .iter()
                                .flatten()
                                .map(|n| {
                                    (
                                        n.to_string(),
                                        c.name(n).map_or_else(Value::null, |x| {
                                            s(x.as_str().to_string())
                                        }),
                                    )
                                })
                                .collect();
                            return Value::map(m).located(here);
                        }
                        Value::list(
                            (1..c.len())
                                .map(|i| {
                                    c.get(i)
                                        .map_or_else(Value::null, |x| s(x.as_str().to_string()))
                                })
                                .collect(),
                        )
                        .located(here)
                    };
                    if name == "regexall" {
                        Value::list(re.captures_iter(&text).take(MAX_ITEMS).map(one).collect())
                            .located(here)
                    } else {
                        match re.captures(&text) {
                            Some(c) => one(c),
                            None => Value::error("regex: no match"),
                        }
                    }
                }
                // Terraform uses RE2 syntax; a pattern the regex crate rejects stays unknown.
                None => Value::unknown("regex: unsupported pattern"),
            },
            _ => Value::error("regex: invalid arguments"),
        },
        "lower" => str_arg(&args, 0).map_or_else(
            || Value::error("lower: not a string"),
            |x| s(x.to_lowercase()),
        ),
        "upper" => str_arg(&args, 0).map_or_else(
            || Value::error("upper: not a string"),
            |x| s(x.to_uppercase()),
        ),
        "trimspace" => {
            str_arg(&args, 0).map_or_else(|| Value::error("trimspace"), |x| s(x.trim().to_string()))
        }
        "trimprefix" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(x), Some(p)) => s(x.strip_prefix(p.as_str()).unwrap_or(&x).to_string()),
            _ => Value::error("trimprefix"),
        },
        "trimsuffix" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(x), Some(p)) => s(x.strip_suffix(p.as_str()).unwrap_or(&x).to_string()),
            _ => Value::error("trimsuffix"),
        },
        "trim" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(x), Some(cs)) => s(x.trim_matches(|c| cs.contains(c)).to_string()),
            _ => Value::error("trim"),
        },
        "startswith" | "endswith" | "strcontains" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(x), Some(p)) => computed(Kind::Bool(match name {
                "startswith" => x.starts_with(&p),
                "endswith" => x.ends_with(&p),
                _ => x.contains(&p),
            })),
            _ => Value::error("string predicate: invalid arguments"),
        },
        "substr" => match (
            str_arg(&args, 0),
            args.get(1).and_then(int),
            args.get(2).and_then(int),
        ) {
            (Some(x), Some(off), Some(len)) => {
                let chars: Vec<char> = x.chars().collect();
                let n = chars.len() as i64;
                let start = if off < 0 {
                    (n + off).max(0)
                } else {
                    off.min(n)
                };
                let end = if len < 0 { n } else { (start + len).min(n) };
                s(chars
                    .get(start as usize..end.max(start) as usize)
                    .map(|c| c.iter().collect())
                    .unwrap_or_default())
            }
            _ => Value::error("substr: invalid arguments"),
        },
        "tostring" => match args.first() {
            Some(v) if v.is_null() => v.clone(),
            Some(v) => match v.to_tf_string() {
                Some(x) => Value {
                    kind: Kind::Str(Arc::from(x)),
                    prov: v.prov.clone(),
                    shape: v.shape.clone(),
                },
                None => Value::error("tostring: not a primitive"),
            },
            None => Value::error("tostring: missing argument"),
        },
        "tonumber" => match args.first() {
            Some(v) if v.is_null() => v.clone(),
            Some(v) => match v.as_num() {
                Some(n) => Value {
                    kind: Kind::Num(n),
                    prov: v.prov.clone(),
                    shape: None,
                },
                None => Value::error("tonumber: not a number"),
            },
            None => Value::error("tonumber: missing argument"),
        },
        "tobool" => match args.first() {
            Some(v) if v.is_null() => v.clone(),
            Some(v) => match v.as_bool() {
                Some(b) => Value {
                    kind: Kind::Bool(b),
                    prov: v.prov.clone(),
                    shape: None,
                },
                None => Value::error("tobool: not a bool"),
            },
            None => Value::error("tobool: missing argument"),
        },
        // ---- numbers ----
        "max" | "min" | "sum" => {
            let nums: Vec<Value> = if name == "sum" {
                args.first()
                    .and_then(|l| l.as_list())
                    .map(|l| l.to_vec())
                    .unwrap_or_default()
            } else {
                args.clone()
            };
            if let Some(u) = first_unknown(&nums) {
                return u;
            }
            let ns: Option<Vec<f64>> = nums.iter().map(Value::as_num).collect();
            match ns {
                Some(ns) if !ns.is_empty() => {
                    if name == "sum" {
                        return computed(Kind::Num(ns.iter().sum()));
                    }
                    // max/min return the chosen argument, keeping where it was written.
                    let pick = ns.iter().enumerate().fold(0usize, |best, (i, n)| {
                        let b = ns.get(best).copied().unwrap_or(*n);
                        if (name == "max" && *n > b) || (name == "min" && *n < b) {
                            i
                        } else {
                            best
                        }
                    });
                    nums.get(pick).cloned().map_or_else(
                        || Value::error("max/min"),
                        |v| Value {
                            kind: Kind::Num(ns.get(pick).copied().unwrap_or(0.0)),
                            prov: v.prov,
                            shape: None,
                        },
                    )
                }
                _ => Value::error(format!("{name}: needs numbers")),
            }
        }
        "abs" | "ceil" | "floor" => match args.first().and_then(Value::as_num) {
            Some(n) => computed(Kind::Num(match name {
                "abs" => n.abs(),
                "ceil" => n.ceil(),
                _ => n.floor(),
            })),
            None => Value::error(format!("{name}: not a number")),
        },
        "pow" => match (
            args.first().and_then(Value::as_num),
            args.get(1).and_then(Value::as_num),
        ) {
            (Some(a), Some(b)) => computed(Kind::Num(a.powf(b))),
            _ => Value::error("pow: not numbers"),
        },
        "parseint" => match (str_arg(&args, 0), args.get(1).and_then(int)) {
            (Some(x), Some(base)) if (2..=62).contains(&base) => {
                match i64::from_str_radix(&x, base as u32) {
                    Ok(n) => computed(Kind::Num(n as f64)),
                    Err(_) => Value::error("parseint: invalid number"),
                }
            }
            _ => Value::error("parseint: invalid arguments"),
        },
        // ---- collections ----
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
        "tolist" | "toset" => match args.first() {
            Some(a) => match &a.kind {
                Kind::List(l) if name == "toset" => {
                    let mut out: Vec<Value> = Vec::new();
                    for x in l.iter() {
                        if x.is_unknown() {
                            return Value::unknown("set element is unknown");
                        }
                        if !out.iter().any(|y| equal(x, y)) {
                            out.push(x.clone());
                        }
                    }
                    out.sort_by_key(Value::display);
                    Value {
                        kind: Kind::List(Arc::new(out)),
                        prov: a.prov.clone(),
                        shape: None,
                    }
                }
                Kind::List(_) | Kind::Null | Kind::Unknown(_) | Kind::Error(_) => a.clone(),
                _ => Value::error(format!("{name}: not a list")),
            },
            None => Value::error(format!("{name}: missing argument")),
        },
        "tomap" => match args.first() {
            Some(a)
                if matches!(
                    a.kind,
                    Kind::Map(_) | Kind::Null | Kind::Unknown(_) | Kind::Error(_)
                ) =>
            {
                a.clone()
            }
            _ => Value::error("tomap: not an object"),
        },
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
        // Kept as the structured value: azapi v1 `body = jsonencode({...})` and Helm
        // `values = [yamlencode({...})]` are read as objects by the model, and anything that
        // needs the text treats it as unknown.
        "jsonencode" | "yamlencode" => match args.first() {
            Some(a) if !deep_unknown(a) => a.clone(),
            Some(a) => a.clone(),
            None => Value::error(format!("{name}: missing argument")),
        },
        "jsondecode" => match str_arg(&args, 0) {
            Some(txt) => match serde_json::from_str::<serde_json::Value>(&txt) {
                Ok(j) => from_json(&j, here),
                Err(_) => Value::error("jsondecode: invalid JSON"),
            },
            None => Value::error("jsondecode: not a string"),
        },
        _ => Value::unknown(format!("function {name}() is not evaluated")),
    }
}

/// Converts JSON (e.g. an azapi body string) into a value attributed to `span`.
pub fn from_json(j: &serde_json::Value, span: Option<Span>) -> Value {
    let k = match j {
        serde_json::Value::Null => Kind::Null,
        serde_json::Value::Bool(b) => Kind::Bool(*b),
        serde_json::Value::Number(n) => Kind::Num(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(x) => Kind::Str(Arc::from(x.as_str())),
        serde_json::Value::Array(a) => {
            Kind::List(Arc::new(a.iter().map(|x| from_json(x, span)).collect()))
        }
        serde_json::Value::Object(o) => Kind::Map(Arc::new(
            o.iter()
                .map(|(k, v)| (k.clone(), from_json(v, span)))
                .collect(),
        )),
    };
    Value::at(k, span)
}

/// Terraform's `format` verbs: %s %d %f %v %q %% (flags and width are accepted and ignored
/// except for zero-padded integers, which CIDR-building code uses).
fn format(f: &str, args: &[Value]) -> Result<String, Value> {
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || matches!(d, '-' | '+' | '#' | ' ' | '.') {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let Some(verb) = chars.next() else {
            return Err(Value::error("format: trailing %"));
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(a) = args.get(next) else {
            return Err(Value::error("format: not enough arguments"));
        };
        next += 1;
        let text = match verb {
            's' | 'v' => a.to_tf_string(),
            'q' => a.to_tf_string().map(|x| format!("{x:?}")),
            'd' => a.as_num().map(|n| {
                let width: usize = spec.trim_start_matches('0').parse().unwrap_or(0);
                if spec.starts_with('0') {
                    format!("{:0width$}", n as i64)
                } else {
                    fmt_num(n.trunc())
                }
            }),
            'f' | 'g' | 'e' => a.as_num().map(fmt_num),
            't' => a.as_bool().map(|b| b.to_string()),
            _ => None,
        };
        match text {
            Some(t) => out.push_str(&t),
            None => return Err(Value::error(format!("format: bad argument for %{verb}"))),
        }
        if out.len() > MAX_STRING {
            return Err(Value::unknown("string too long"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp() -> Span {
        Span::new(0, 0..1)
    }

    #[test]
    fn ids_are_not_text() {
        let id = Value::new(Kind::Id(super::super::value::ResId(Arc::from(
            "azurerm_subnet.nodes",
        ))));
        let built = Value::str("ref:azurerm_virtual_network.v/subnets/nodes");
        for v in [id, built] {
            for (f, extra) in [
                ("split", vec![Value::str("/")]),
                ("substr", vec![Value::num(0.0), Value::num(3.0)]),
                ("length", vec![]),
            ] {
                let args = if f == "split" {
                    vec![Value::str("/"), v.clone()]
                } else {
                    std::iter::once(v.clone()).chain(extra).collect()
                };
                assert!(call(f, args, sp()).is_unknown(), "{f}");
            }
        }
    }

    fn strs(v: &Value) -> Vec<String> {
        v.as_list()
            .map(|l| l.iter().map(Value::display).collect())
            .unwrap_or_default()
    }

    #[test]
    fn cidrsubnets_aligns_like_terraform() {
        let v = call(
            "cidrsubnets",
            vec![
                Value::str("10.1.0.0/16"),
                Value::num(4.0),
                Value::num(4.0),
                Value::num(8.0),
                Value::num(4.0),
            ],
            sp(),
        );
        assert_eq!(
            strs(&v),
            [
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20"
            ]
        );
    }

    #[test]
    fn unknown_propagates_and_picks_keep_provenance() {
        let u = call(
            "cidrsubnet",
            vec![Value::unknown("x"), Value::num(8.0), Value::num(1.0)],
            sp(),
        );
        assert!(u.is_unknown());
        let lit = Value::at(Kind::Str("a".into()), Some(Span::new(3, 5..8)));
        let picked = call("coalesce", vec![Value::null(), lit.clone()], sp());
        assert_eq!(picked.prov, lit.prov);
        let mut m = BTreeMap::new();
        m.insert("k".to_string(), lit.clone());
        let got = call("lookup", vec![Value::map(m), Value::str("k")], sp());
        assert_eq!(got.prov, lit.prov);
    }

    #[test]
    fn format_and_join() {
        let v = call(
            "format",
            vec![
                Value::str("10.%d.0.0/%s"),
                Value::num(4.0),
                Value::str("16"),
            ],
            sp(),
        );
        assert_eq!(v.as_str(), Some("10.4.0.0/16"));
        let j = call(
            "join",
            vec![
                Value::str(","),
                Value::list(vec![Value::str("a"), Value::num(1.0)]),
            ],
            sp(),
        );
        assert_eq!(j.as_str(), Some("a,1"));
    }

    #[test]
    fn contains_with_unknown_element_is_unknown_unless_found() {
        let l = Value::list(vec![Value::unknown("x"), Value::str("a")]);
        assert_eq!(
            call("contains", vec![l.clone(), Value::str("a")], sp()).as_bool(),
            Some(true)
        );
        assert!(call("contains", vec![l, Value::str("b")], sp()).is_unknown());
    }
}
