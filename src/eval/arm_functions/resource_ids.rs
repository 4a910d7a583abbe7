//! Resource ids: `resourceId()` and its variants become link tokens (`ref:arm:<type>/<name>...`)
//! that match however an id is written, and carry the text Azure gives the id where it is known.

use super::to_text;
use crate::eval::common::not_evaluated;
use crate::eval::id_shapes;
use crate::eval::partial::Partial;
use crate::eval::value::{Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
/// An id is a token, not text attributed to the call, so the call's span is not used.
pub(super) fn call(name: &str, args: Vec<Value>, _here: Option<Span>) -> Value {
    match name {
        "resourceid"
        | "subscriptionresourceid"
        | "tenantresourceid"
        | "extensionresourceid"
        | "managementgroupresourceid" => resource_id(name, &args),
        _ => not_evaluated(name),
    }
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
    let Some(text) = id_shapes::parts_as_azure_sees(parts).and_then(|p| build(&p)) else {
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
            .unwrap_or_else(|| Partial::hole(id_shapes::name_hole("name")))
    };
    let (sub, rg) = match scope {
        [] => (None, None),
        [rg] => (None, Some(text(rg))),
        [sub, rg] => (Some(text(sub)), Some(text(rg))),
        _ => return None,
    };
    let sub = sub.unwrap_or_else(|| Partial::hole(id_shapes::subscription_hole()));
    let rg = rg.unwrap_or_else(|| Partial::hole(id_shapes::name_hole("resourceGroup")));
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

#[cfg(test)]
mod tests {
    use super::super::tests::{sp, st};
    use super::normalize_id;
    use crate::eval::arm_functions::call;
    use crate::eval::value::Value;

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
}
