//! ARM template functions (also Bicep's `sys`/`az` namespaces) over evaluated values. Functions
//! that need the evaluator (`parameters`, `variables`, `reference`, `copyIndex`, lambdas) live in
//! [`super::arm`]. Names arrive lower-cased. Any unknown argument a result depends on makes the
//! result unknown; a picked value keeps its own provenance, a computed one is attributed to the
//! call.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::common::{equal, MAX_STRING};
use super::partial::{Hole, Partial, Text};
use super::value::{fmt_num, Kind, Value};
use crate::cidr;
use crate::source::Span;

const MAX_ITEMS: usize = 100_000;

fn int(v: &Value) -> Option<i64> {
    match &v.kind {
        Kind::Num(n) if n.fract() == 0.0 && n.abs() < 9e15 => Some(*n as i64),
        Kind::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// ARM's string conversion (`string()`, `concat`, `format`): objects and arrays as JSON.
pub fn to_text(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Str(s) => Some(s.to_string()),
        Kind::Num(n) => Some(fmt_num(*n)),
        Kind::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        Kind::Null => Some(String::new()),
        Kind::List(_) | Kind::Map(_) => to_json(v).map(|j| j.to_string()),
        Kind::Id(id) => Some(format!("ref:{}", id.0)),
        _ => None,
    }
}

fn to_json(v: &Value) -> Option<serde_json::Value> {
    Some(match &v.kind {
        Kind::Null => serde_json::Value::Null,
        Kind::Bool(b) => serde_json::Value::Bool(*b),
        Kind::Num(n) => serde_json::Number::from_f64(*n)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Kind::Str(s) => serde_json::Value::String(s.to_string()),
        Kind::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect::<Option<_>>()?),
        Kind::Map(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| Some((k.clone(), to_json(v)?)))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

fn deep_unknown(v: &Value) -> Option<&Value> {
    match &v.kind {
        Kind::Unknown(_) | Kind::Partial(_) | Kind::Error(_) => Some(v),
        Kind::List(l) => l.iter().find_map(deep_unknown),
        Kind::Map(m) => m.values().find_map(deep_unknown),
        _ => None,
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

/// A string built from parts that include a scanned resource's id. When the id leads
/// (`'${vnet.id}/subnets/x'`) the result still links (to subnet `x` of that VNet) and also
/// carries the text Azure gives it, built by `build` from the parts with each id by its shape;
/// otherwise the link text means nothing to Azure and the result is that text itself.
pub fn with_id_text(
    built: Value,
    parts: &[Value],
    here: Option<Span>,
    build: impl FnOnce(&[Value]) -> Option<Partial>,
) -> Value {
    if built.is_error() {
        return built;
    }
    let Some(text) = super::id_shapes::parts_as_azure_sees(parts).and_then(|p| build(&p)) else {
        return built;
    };
    if built.is_link() {
        built.with_shape(text)
    } else {
        Value::text(text, here)
    }
}

/// The canonical text of a value for symbolic keys: known text, or a partial whose holes all
/// have keys. `/` is replaced so keys never add id segments.
pub fn symbolic_text(v: &Value) -> Option<String> {
    let t = match &v.kind {
        Kind::Partial(p) => p.symbolic_key()?,
        Kind::Unknown(_) | Kind::Error(_) => return None,
        _ => to_text(v)?,
    };
    Some(t.replace('/', "\u{2215}"))
}

/// A scanned resource's id token (`ref:arm:...`) stands for an id whose text this evaluator
/// does not have (subscription, resource group, exact case): string functions must not read it.
fn is_token(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with("ref:"))
}

/// String functions over a partly known string (or an id token): what the known parts decide,
/// else unknown. `None` when the first argument is an ordinary value, for [`call`] to handle.
fn partial_call(name: &str, args: &[Value], here: Option<Span>) -> Option<Value> {
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

/// `uniqueString(...)` and `guid(...)` are unknown until deployment but the same for the same
/// arguments: their result is a hole keyed by the call when every argument is symbolic.
fn deterministic_hole(name: &str, args: &[Value]) -> Value {
    let reason = format!("{name}() is computed at deployment");
    let key = args
        .iter()
        .map(symbolic_text)
        .collect::<Option<Vec<_>>>()
        .map(|a| Arc::from(format!("{name}({})", a.join(",")).to_lowercase()));
    match key {
        Some(key) => Value::hole(Hole {
            reason: Arc::from(reason),
            no_slash: true,
            key: Some(key),
        }),
        None => Value::unknown(reason),
    }
}

/// A resource id token for a resource in the same deployment: `ref:arm:<type>/<name>...`, type
/// segments interleaved with names and lower-cased so ids written different ways still match.
pub fn resource_token(ty: &str, names: &[String]) -> Option<String> {
    let mut segs = ty.split('/');
    let ns = segs.next()?;
    let types: Vec<&str> = segs.collect();
    if types.is_empty() || types.len() != names.len() {
        return None;
    }
    let mut out = format!("ref:arm:{}", ns.to_ascii_lowercase());
    for (t, n) in types.iter().zip(names) {
        out.push('/');
        out.push_str(&t.to_ascii_lowercase());
        out.push('/');
        out.push_str(&n.to_ascii_lowercase());
    }
    Some(out)
}

/// `resourceId([sub], [rg], type, names...)` and its subscription/tenant/extension variants.
fn resource_id(name: &str, args: &[Value]) -> Value {
    let skip = usize::from(name == "extensionresourceid");
    let args = args.get(skip..).unwrap_or(&[]);
    // The type is the first argument that looks like `Namespace.Provider/type`.
    let Some(ti) = args.iter().position(|a| {
        a.as_str().is_some_and(|s| {
            s.contains('/') && s.split('/').next().is_some_and(|n| n.contains('.'))
        })
    }) else {
        return match args.iter().find(|a| a.is_unknown()) {
            Some(u) => u.clone(),
            None => Value::unknown("resourceId() without a resource type"),
        };
    };
    let ty = args.get(ti).and_then(Value::as_str).unwrap_or_default();
    let mut names = Vec::new();
    for a in args.get(ti + 1..).unwrap_or(&[]) {
        match to_text(a) {
            Some(t) if !a.is_unknown() => {
                names.extend(t.split('/').map(str::to_string));
            }
            // A name the same expression also gives a declared resource links to it.
            _ => match symbolic_text(a) {
                Some(t) => names.push(t),
                None => return Value::unknown(format!("a name in the id of a {ty} is unknown")),
            },
        }
    }
    match resource_token(ty, &names) {
        Some(t) => match id_shape(name, args.get(..ti).unwrap_or(&[]), ty, args.get(ti + 1..)) {
            Some(shape) => Value::str(t).with_shape(shape),
            None => Value::str(t),
        },
        None => Value::unknown(format!("the id of a {ty} is malformed")),
    }
}

/// The text of the id of a resource declared in a template, by its type and full name
/// (`vnet1/nodes`). Only for kinds that always live in a resource group, whatever the
/// template's target scope: their id has the `resourceId()` layout.
pub fn declared_id_shape(ty: &str, name: &str) -> Option<Partial> {
    let ns = ty.split('/').next()?;
    let grouped = [
        "Microsoft.Network",
        "Microsoft.ContainerService",
        "Microsoft.ManagedIdentity",
    ];
    if !grouped.iter().any(|g| g.eq_ignore_ascii_case(ns)) {
        return None;
    }
    let names: Vec<Value> = name.split('/').map(Value::str).collect();
    id_shape("resourceid", &[], ty, Some(&names))
}

/// The text of a `resourceId()`: the subscription and group given (or holes for the
/// deployment's), then the provider path with the names as written. `None` for extension ids,
/// whose scope is a whole other id.
fn id_shape(name: &str, scope: &[Value], ty: &str, names: Option<&[Value]>) -> Option<Partial> {
    let text = |v: &Value| -> Partial {
        v.as_partial()
            .filter(|p| p.holes_have_no_slash() || !v.is_unknown())
            .unwrap_or_else(|| Partial::hole(super::id_shapes::name_hole("name")))
    };
    let (sub, rg) = match scope {
        [] => (None, None),
        [rg] => (None, Some(text(rg))),
        [sub, rg] => (Some(text(sub)), Some(text(rg))),
        _ => return None,
    };
    let sub = sub.unwrap_or_else(|| Partial::hole(super::id_shapes::subscription_hole()));
    let rg = rg.unwrap_or_else(|| Partial::hole(super::id_shapes::name_hole("resourceGroup")));
    let mut id = Partial::new();
    match name {
        "resourceid" => {
            id.push_text("/subscriptions/");
            id.push(&sub);
            id.push_text("/resourceGroups/");
            id.push(&rg);
        }
        "subscriptionresourceid" => {
            id.push_text("/subscriptions/");
            id.push(&sub);
        }
        "tenantresourceid" => {}
        _ => return None,
    }
    let mut segs = ty.split('/');
    id.push_text("/providers/");
    id.push_text(segs.next()?);
    let mut names = names?.iter();
    for seg in segs {
        id.push_text(&format!("/{seg}/"));
        id.push(&text(names.next()?));
    }
    // ARM takes one name per type segment; anything else is not an id we can lay out.
    names.next().is_none().then_some(id)
}

/// Turns a relative resource id (`Microsoft.Network/virtualNetworks/v/subnets/s`, as Bicep
/// writes scopes) into a token; full literal ids and tokens pass through.
pub fn normalize_id(s: &str) -> String {
    if s.starts_with("ref:") || s.starts_with('/') {
        return s.to_string();
    }
    let parts: Vec<&str> = s.split('/').collect();
    if parts.len() >= 3 && parts.len() % 2 == 1 && parts.first().is_some_and(|p| p.contains('.')) {
        let ns = parts.first().copied().unwrap_or_default();
        let types: Vec<&str> = parts.iter().skip(1).step_by(2).copied().collect();
        let names: Vec<String> = parts
            .iter()
            .skip(2)
            .step_by(2)
            .map(|x| x.to_string())
            .collect();
        if let Some(t) = resource_token(&format!("{ns}/{}", types.join("/")), &names) {
            return t;
        }
    }
    s.to_string()
}

/// Calls a function that needs only its evaluated arguments.
pub fn call(name: &str, args: Vec<Value>, span: Span) -> Value {
    let here = Some(span);
    let s = |x: String| {
        if x.len() > MAX_STRING {
            Value::unknown("string too long")
        } else {
            Value::at(Kind::Str(Arc::from(x)), here)
        }
    };
    let computed = |k: Kind| Value::at(k, here);
    let arg = |i: usize| args.get(i);
    let text = |i: usize| arg(i).and_then(to_text);
    // Functions that look inside their arguments handle unknowns themselves.
    let lenient = matches!(
        name,
        "coalesce"
            | "createarray"
            | "createobject"
            | "array"
            | "union"
            | "concat"
            | "format"
            | "first"
            | "last"
            | "length"
            | "empty"
            | "contains"
            | "json"
            | "string"
            | "trygetvalue"
            | "tryget"
            | "items"
            | "objectkeys"
            | "flatten"
            | "take"
            | "skip"
            | "shallowmerge"
            // Names with symbolic keys still link (see `resource_id`).
            | "resourceid"
            | "subscriptionresourceid"
            | "tenantresourceid"
            | "extensionresourceid"
            | "managementgroupresourceid"
    );
    if name == "uniquestring" || name == "guid" {
        return deterministic_hole(name, &args);
    }
    if let Some(v) = partial_call(name, &args, here) {
        return v;
    }
    if !lenient {
        if let Some(u) = args.iter().find(|a| a.is_unknown() || a.is_error()) {
            // The result is another text: the known parts of an argument say nothing about it.
            return u.clone().opaque();
        }
    }
    match name {
        // ---- networking ----
        "cidrsubnet" => {
            let (Some(base), Some(len), Some(idx)) = (
                text(0).and_then(|x| cidr::parse(&x)),
                arg(1).and_then(int),
                arg(2).and_then(int),
            ) else {
                return Value::error("cidrSubnet: invalid arguments");
            };
            let newbits = len - i64::from(base.prefix_len());
            match cidr::cidrsubnet(&base.trunc(), newbits, idx) {
                Ok(n) => s(n.to_string()),
                Err(e) => Value::error(format!("cidrSubnet: {e}")),
            }
        }
        "cidrhost" => {
            let (Some(base), Some(idx)) =
                (text(0).and_then(|x| cidr::parse(&x)), arg(1).and_then(int))
            else {
                return Value::error("cidrHost: invalid arguments");
            };
            // Index 0 is the first usable address (the network address is skipped in IPv4).
            let skip = i64::from(cidr::is_v4(&base));
            match cidr::cidrhost(&base.trunc(), idx + skip) {
                Ok(ip) => s(ip.to_string()),
                Err(e) => Value::error(format!("cidrHost: {e}")),
            }
        }
        "parsecidr" => {
            let Some(net) = text(0).and_then(|x| cidr::parse(&x)) else {
                return Value::error("parseCidr: invalid CIDR");
            };
            let net = net.trunc();
            let v4 = cidr::is_v4(&net);
            let mut m = BTreeMap::new();
            m.insert("network".into(), s(net.network().to_string()));
            m.insert("netmask".into(), s(net.netmask().to_string()));
            m.insert(
                "cidr".into(),
                computed(Kind::Num(f64::from(net.prefix_len()))),
            );
            let (first, last) = if v4 && net.prefix_len() < 31 {
                (cidr::cidrhost(&net, 1).ok(), cidr::cidrhost(&net, -2).ok())
            } else {
                (Some(net.network()), Some(net.broadcast()))
            };
            if v4 {
                m.insert("broadcast".into(), s(net.broadcast().to_string()));
            }
            if let Some(f) = first {
                m.insert("firstUsable".into(), s(f.to_string()));
            }
            if let Some(l) = last {
                m.insert("lastUsable".into(), s(l.to_string()));
            }
            computed(Kind::Map(Arc::new(m)))
        }
        "resourceid"
        | "subscriptionresourceid"
        | "tenantresourceid"
        | "extensionresourceid"
        | "managementgroupresourceid" => resource_id(name, &args),
        // ---- strings ----
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
        "string" => match arg(0) {
            Some(a) if deep_unknown(a).is_some() => Value::unknown("string() of an unknown value"),
            Some(a) => to_text(a).map_or_else(|| Value::unknown("string(): not convertible"), s),
            None => Value::error("string: missing argument"),
        },
        "int" => arg(0).and_then(int).map_or_else(
            || Value::error("int: not a number"),
            |n| computed(Kind::Num(n as f64)),
        ),
        "float" => match arg(0).map(|a| &a.kind) {
            Some(Kind::Num(n)) => computed(Kind::Num(*n)),
            Some(Kind::Str(t)) => t.trim().parse().map_or_else(
                |_| Value::error("float: not a number"),
                |n| computed(Kind::Num(n)),
            ),
            _ => Value::error("float: not a number"),
        },
        "bool" => match arg(0).map(|a| &a.kind) {
            Some(Kind::Bool(b)) => computed(Kind::Bool(*b)),
            Some(Kind::Str(t)) if t.eq_ignore_ascii_case("true") => computed(Kind::Bool(true)),
            Some(Kind::Str(t)) if t.eq_ignore_ascii_case("false") => computed(Kind::Bool(false)),
            Some(Kind::Num(n)) => computed(Kind::Bool(*n != 0.0)),
            _ => Value::error("bool: not convertible"),
        },
        "json" => match arg(0) {
            Some(a) if a.is_unknown() => a.clone().opaque(),
            Some(a) => match a.as_str().map(serde_json::from_str::<serde_json::Value>) {
                Some(Ok(j)) => super::common::from_json(&j, here),
                _ => Value::error("json: invalid JSON"),
            },
            None => Value::error("json: missing argument"),
        },
        // ---- logic and comparison ----
        "equals" => match (arg(0), arg(1)) {
            (Some(a), Some(b)) if deep_unknown(a).is_none() && deep_unknown(b).is_none() => {
                computed(Kind::Bool(equal(a, b)))
            }
            _ => Value::unknown("equals: unknown operand"),
        },
        "not" => arg(0).and_then(Value::as_bool).map_or_else(
            || Value::error("not: not a bool"),
            |b| computed(Kind::Bool(!b)),
        ),
        "and" | "or" => {
            let bools: Option<Vec<bool>> = args.iter().map(Value::as_bool).collect();
            match bools {
                Some(b) if name == "and" => computed(Kind::Bool(b.iter().all(|x| *x))),
                Some(b) => computed(Kind::Bool(b.iter().any(|x| *x))),
                None => Value::error(format!("{name}: not a bool")),
            }
        }
        "less" | "lessorequals" | "greater" | "greaterorequals" => {
            let ord = match (arg(0).map(|a| &a.kind), arg(1).map(|a| &a.kind)) {
                (Some(Kind::Num(a)), Some(Kind::Num(b))) => a.partial_cmp(b),
                (Some(Kind::Str(a)), Some(Kind::Str(b))) => Some(a.cmp(b)),
                _ => None,
            };
            let Some(o) = ord else {
                return Value::error(format!("{name}: incomparable values"));
            };
            use std::cmp::Ordering::*;
            computed(Kind::Bool(match name {
                "less" => o == Less,
                "lessorequals" => o != Greater,
                "greater" => o == Greater,
                _ => o != Less,
            }))
        }
        "true" => computed(Kind::Bool(true)),
        "false" => computed(Kind::Bool(false)),
        "null" => Value::null(),
        // ---- numbers ----
        "add" | "sub" | "mul" | "div" | "mod" => {
            let (Some(a), Some(b)) = (arg(0).and_then(int), arg(1).and_then(int)) else {
                return Value::error(format!("{name}: not integers"));
            };
            let r = match name {
                "add" => a.checked_add(b),
                "sub" => a.checked_sub(b),
                "mul" => a.checked_mul(b),
                "div" => a.checked_div(b),
                _ => a.checked_rem(b),
            };
            r.map_or_else(
                || Value::error(format!("{name}: overflow or division by zero")),
                |n| computed(Kind::Num(n as f64)),
            )
        }
        "min" | "max" => {
            let nums: Option<Vec<f64>> = match arg(0).map(|a| &a.kind) {
                Some(Kind::List(l)) => l.iter().map(Value::as_num).collect(),
                _ => args.iter().map(Value::as_num).collect(),
            };
            let nums = nums.unwrap_or_default();
            let r = if name == "min" {
                nums.iter().copied().reduce(f64::min)
            } else {
                nums.iter().copied().reduce(f64::max)
            };
            r.map_or_else(
                || Value::error(format!("{name}: no numbers")),
                |n| computed(Kind::Num(n)),
            )
        }
        "range" => match (arg(0).and_then(int), arg(1).and_then(int)) {
            (Some(start), Some(count)) if (0..=MAX_ITEMS as i64).contains(&count) => {
                computed(Kind::List(Arc::new(
                    (0..count)
                        .map(|i| computed(Kind::Num((start + i) as f64)))
                        .collect(),
                )))
            }
            _ => Value::error("range: invalid arguments"),
        },
        // ---- arrays and objects ----
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
        "base64" | "base64tostring" | "uri" | "uricomponent" | "datauri" | "newguid" | "utcnow"
        | "datetimeadd" | "datetimefromepoch" | "datetimetoepoch" => {
            Value::unknown(format!("{name}() is computed at deployment"))
        }
        _ => Value::unknown(format!("function {name}() is not evaluated")),
    }
}

fn pairs_unknown(pair: &[Value]) -> bool {
    pair.first().is_some_and(|k| k.is_unknown())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sp() -> Span {
        Span::new(0, 0..0)
    }

    fn st(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn cidr_functions_follow_the_arm_docs() {
        let v = call(
            "cidrsubnet",
            vec![st("10.144.0.0/20"), Value::num(24.0), Value::num(3.0)],
            sp(),
        );
        assert_eq!(v.as_str(), Some("10.144.3.0/24"));
        let h = call("cidrhost", vec![st("10.144.3.0/24"), Value::num(0.0)], sp());
        assert_eq!(h.as_str(), Some("10.144.3.1"));
        let p = call("parsecidr", vec![st("10.144.0.0/20")], sp());
        let m = p.as_map().unwrap();
        assert_eq!(m["lastUsable"].as_str(), Some("10.144.15.254"));
        assert_eq!(m["cidr"].as_num(), Some(20.0));
    }

    #[test]
    fn resource_ids_become_tokens() {
        let v = call(
            "resourceid",
            vec![
                st("Microsoft.Network/virtualNetworks/subnets"),
                st("Vnet"),
                st("aks"),
            ],
            sp(),
        );
        assert_eq!(
            v.as_str(),
            Some("ref:arm:microsoft.network/virtualnetworks/vnet/subnets/aks")
        );
        let rg = call(
            "resourceid",
            vec![
                st("other-rg"),
                st("Microsoft.Network/virtualNetworks"),
                st("v"),
            ],
            sp(),
        );
        assert_eq!(
            rg.as_str(),
            Some("ref:arm:microsoft.network/virtualnetworks/v")
        );
        assert_eq!(
            normalize_id("Microsoft.Network/virtualNetworks/v/subnets/s"),
            "ref:arm:microsoft.network/virtualnetworks/v/subnets/s"
        );
    }

    /// `split(x, '/')` of a value, segment `i`, when known.
    fn segment(x: &Value, i: usize) -> Option<String> {
        let parts = call("split", vec![x.clone(), st("/")], sp());
        parts.as_list()?.get(i)?.as_str().map(str::to_string)
    }

    #[test]
    fn ids_built_from_ids_link_and_come_apart() {
        let vnet = call(
            "resourceid",
            vec![st("Microsoft.Network/virtualNetworks"), st("vnet1")],
            sp(),
        );
        let built = [
            call("concat", vec![vnet.clone(), st("/subnets/nodes")], sp()),
            call(
                "format",
                vec![st("{0}/subnets/{1}"), vnet.clone(), st("nodes")],
                sp(),
            ),
        ];
        for id in built {
            assert_eq!(
                id.as_str(),
                Some("ref:arm:microsoft.network/virtualnetworks/vnet1/subnets/nodes")
            );
            assert_eq!(segment(&id, 8).as_deref(), Some("vnet1"));
            assert_eq!(segment(&id, 10).as_deref(), Some("nodes"));
            // The subscription is a hole.
            assert_eq!(segment(&id, 2), None);
        }
        // An id that does not lead is only text, never a link.
        let inner = call("concat", vec![st("x-"), vnet], sp());
        assert!(inner.is_unknown() && !inner.is_link());
    }

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
