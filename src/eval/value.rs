//! The evaluator's value: known data with provenance, or unknown with a reason.
//!
//! A rule must never fire on a value nobody can know statically, so unknown is a first-class
//! value that propagates through every operation instead of an error. `Error` is what Terraform
//! would reject (missing key, bad index); it behaves like unknown for rules but lets `try()` and
//! `can()` choose a fallback the way Terraform does. "Absent" is an attribute that is not
//! written at all; the model layer sees it as `None` and applies documented defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::partial::{Hole, Partial, Text};
use crate::source::Span;

/// Where a known value was written, and the names it travelled through to reach its use.
#[derive(Clone, Debug, PartialEq)]
pub struct Prov {
    /// The literal (or the call that computed it) the user would edit.
    pub span: Span,
    /// Names the value passed through, innermost first (`var.cidr`, then `var.pod_cidr`, ...).
    pub hops: Vec<Arc<str>>,
}

/// Identity of one resource instance in the scan, used to link references (`azurerm_subnet.x.id`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResId(pub Arc<str>);

/// A handle to a resource (or one instance of it) declared in a module instance; its attributes
/// are evaluated lazily on traversal so unrelated attributes never cost anything or cycle.
#[derive(Clone, Debug, PartialEq)]
pub struct ResHandle {
    pub inst: usize,
    pub res: usize,
    /// `None` for the whole resource (a collection when it has `count`/`for_each`).
    pub key: Option<InstKey>,
}

/// The key of one expanded instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstKey {
    Index(usize),
    Name(Arc<str>),
    /// `count`/`for_each` could not be evaluated: one instance stands for all of them.
    Unknown,
}

impl fmt::Display for InstKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstKey::Index(i) => write!(f, "[{i}]"),
            InstKey::Name(n) => write!(f, "[\"{n}\"]"),
            InstKey::Unknown => write!(f, "[?]"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Num(f64),
    Str(Arc<str>),
    List(Arc<Vec<Value>>),
    /// Terraform iterates objects and maps in lexical key order; a BTreeMap gives that for free.
    Map(Arc<BTreeMap<String, Value>>),
    /// The id of a resource in the scan: good for linking, opaque as a string.
    Id(ResId),
    Res(ResHandle),
    Unknown(Arc<str>),
    /// A string with unknown parts: unknown to everything that does not look inside it.
    Partial(Arc<Partial>),
    Error(Arc<str>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: Kind,
    pub prov: Option<Arc<Prov>>,
    /// For a resource id that links (`Kind::Id`, or an ARM/Terraform `ref:` token): the text
    /// Azure will give it, with holes for what only the platform knows
    /// (`/subscriptions/<?>/resourceGroups/<?>/providers/.../virtualNetworks/vnet1`). String
    /// functions read this; linking reads the kind, so links work exactly as without it.
    pub shape: Option<Arc<Partial>>,
}

impl Value {
    pub fn new(kind: Kind) -> Value {
        Value {
            kind,
            prov: None,
            shape: None,
        }
    }

    pub fn at(kind: Kind, span: Option<Span>) -> Value {
        Value {
            shape: None,
            kind,
            prov: span.map(|span| {
                Arc::new(Prov {
                    span,
                    hops: Vec::new(),
                })
            }),
        }
    }

    pub fn null() -> Value {
        Value::new(Kind::Null)
    }

    pub fn unknown(reason: impl Into<Arc<str>>) -> Value {
        Value::new(Kind::Unknown(reason.into()))
    }

    pub fn error(reason: impl Into<Arc<str>>) -> Value {
        Value::new(Kind::Error(reason.into()))
    }

    pub fn str(s: impl Into<Arc<str>>) -> Value {
        Value::new(Kind::Str(s.into()))
    }

    pub fn num(n: f64) -> Value {
        Value::new(Kind::Num(n))
    }

    pub fn bool(b: bool) -> Value {
        Value::new(Kind::Bool(b))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::new(Kind::List(Arc::new(items)))
    }

    pub fn map(items: BTreeMap<String, Value>) -> Value {
        Value::new(Kind::Map(Arc::new(items)))
    }

    /// Same value, with a name it travelled through appended to its chain.
    pub fn via(mut self, hop: &str) -> Value {
        if let Some(p) = &mut self.prov {
            let p = Arc::make_mut(p);
            if p.hops.len() < 16 && p.hops.last().is_none_or(|h| &**h != hop) {
                p.hops.push(Arc::from(hop));
            }
        }
        self
    }

    /// Same value, attributed to a new place (a computed result is "written" where computed).
    pub fn located(mut self, span: Option<Span>) -> Value {
        self.prov = span.map(|span| {
            Arc::new(Prov {
                span,
                hops: Vec::new(),
            })
        });
        self
    }

    pub fn is_unknown(&self) -> bool {
        matches!(
            self.kind,
            Kind::Unknown(_) | Kind::Partial(_) | Kind::Error(_)
        )
    }

    /// A string value from a partial string: known when it has no hole.
    pub fn text(t: Partial, span: Option<Span>) -> Value {
        match t.into_text() {
            Text::Known(s) => Value::at(Kind::Str(Arc::from(s)), span),
            // One hole about which nothing is known is a plain unknown.
            Text::Partial(p) => match p.pieces() {
                [super::partial::Piece::Hole(h)] if h.key.is_none() && !h.no_slash => {
                    Value::new(Kind::Unknown(h.reason.clone()))
                }
                _ => Value::new(Kind::Partial(Arc::new(p))),
            },
        }
    }

    /// A value standing for one unknown string; see [`Hole`].
    pub fn hole(h: Hole) -> Value {
        Value::new(Kind::Partial(Arc::new(Partial::hole(h))))
    }

    /// The known and unknown parts of a string value: `None` for anything that is not a
    /// string (or an unknown that might be one).
    pub fn as_partial(&self) -> Option<Partial> {
        match &self.kind {
            Kind::Str(s) => {
                let mut p = Partial::new();
                p.push_text(s);
                Some(p)
            }
            Kind::Partial(p) => Some((**p).clone()),
            Kind::Unknown(r) => Some(Partial::hole(Hole::opaque(r.clone()))),
            _ => None,
        }
    }

    /// The same value (a link) with the text it will have.
    pub fn with_shape(mut self, shape: Partial) -> Value {
        self.shape = Some(Arc::new(shape));
        self
    }

    /// A scanned resource's id, alone or interpolated (`ref:<address>/subnets/x`): linkable,
    /// but its own text is not the id's.
    pub fn is_link(&self) -> bool {
        match &self.kind {
            Kind::Id(_) => true,
            Kind::Str(s) => s.starts_with("ref:"),
            _ => false,
        }
    }

    /// The text a string function reads: a plain string, the known parts of a partial one,
    /// the shape of an id (an opaque hole when its shape is not known). `None` for anything
    /// that is not a string.
    pub fn text_of(&self) -> Option<Partial> {
        if self.is_link() {
            return Some(self.shape.as_deref().cloned().unwrap_or_else(|| {
                Partial::hole(Hole::opaque(
                    "the text of a resource id is known only at deployment",
                ))
            }));
        }
        self.as_partial()
    }

    /// The same unknown without its known parts: what an operation that does not look inside
    /// strings passes on (its result has another text, so the parts would be wrong).
    pub fn opaque(self) -> Value {
        match &self.kind {
            Kind::Partial(p) => Value::new(Kind::Unknown(p.reason())),
            _ => self,
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self.kind, Kind::Error(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_num(&self) -> Option<f64> {
        match &self.kind {
            Kind::Num(n) => Some(*n),
            Kind::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            Kind::Str(s) if &**s == "true" => Some(true),
            Kind::Str(s) if &**s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Reason of an unknown or error value.
    pub fn reason(&self) -> Option<&str> {
        match &self.kind {
            Kind::Unknown(r) | Kind::Error(r) => Some(r),
            Kind::Partial(p) => p.pieces().iter().find_map(|x| match x {
                super::partial::Piece::Hole(h) => Some(&*h.reason),
                super::partial::Piece::Text(_) => None,
            }),
            _ => None,
        }
    }

    /// Terraform's string conversion of a primitive; `None` for anything else. A scanned
    /// resource's id becomes `ref:<address>` so ids built by interpolation
    /// (`"${azurerm_virtual_network.v.id}/subnets/x"`) still link.
    pub fn to_tf_string(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.to_string()),
            Kind::Id(id) => Some(format!("ref:{}", id.0)),
            Kind::Num(n) => Some(fmt_num(*n)),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Short human rendering for messages.
    pub fn display(&self) -> String {
        match &self.kind {
            Kind::Null => "null".into(),
            Kind::Bool(b) => b.to_string(),
            Kind::Num(n) => fmt_num(*n),
            Kind::Str(s) => s.to_string(),
            Kind::List(l) => format!(
                "[{}]",
                l.iter().map(Value::display).collect::<Vec<_>>().join(", ")
            ),
            Kind::Map(_) => "{...}".into(),
            Kind::Id(id) => format!("<id of {}>", id.0),
            Kind::Res(_) => "<resource>".into(),
            Kind::Unknown(r) | Kind::Error(r) => format!("<unknown: {r}>"),
            Kind::Partial(p) => format!("<unknown: {}>", p.reason()),
        }
    }
}

/// Integers print without a fraction, like Terraform.
pub fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_appends_hops_and_keeps_span() {
        let v = Value::at(Kind::Str("a".into()), Some(Span::new(0, 1..2)))
            .via("var.a")
            .via("var.b");
        let p = v.prov.as_ref().map(|p| p.hops.len());
        assert_eq!(p, Some(2));
    }

    #[test]
    fn numbers_print_like_terraform() {
        assert_eq!(fmt_num(250.0), "250");
        assert_eq!(fmt_num(1.5), "1.5");
    }
}
