//! [`Node`]: a JSON-like tree whose every value remembers where it was written (provenance),
//! where it is used (the attribute that consumes it) and whether it is a platform default.
//! Rules select from the plain JSON projection with JSONPath; the [`Located`] side table maps
//! each normalized path (`$['pools'][0]['max_pods']`) back to its location for labels.

use std::fmt::Write as _;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use serde_json::{Map, Value as Json};

use crate::eval::{Kind, Prov, Value};
use crate::source::Span;

/// Key under which an unknown value appears in the JSON projection.
pub const UNKNOWN_KEY: &str = "$unknown";

/// Why a value cannot be known statically (an unknown variable, a resource outside the scan,
/// a rule list hidden behind an expression). Not a failure: rules stay silent and say why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undecided(pub String);

impl Undecided {
    pub fn new(why: impl Into<String>) -> Undecided {
        Undecided(why.into())
    }
}

impl std::fmt::Display for Undecided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Undecided {
    fn from(why: String) -> Undecided {
        Undecided(why)
    }
}

impl From<Undecided> for String {
    fn from(u: Undecided) -> String {
        u.0
    }
}

impl From<&str> for Undecided {
    fn from(why: &str) -> Undecided {
        Undecided(why.to_string())
    }
}

#[derive(Clone, Debug, Default)]
pub struct Loc {
    /// Where the value was written (the literal a user edits).
    pub prov: Option<Arc<Prov>>,
    /// The attribute (or block, for defaults) that consumes it.
    pub at: Option<Span>,
    /// A documented platform default, not written anywhere.
    pub default: bool,
}

#[derive(Clone, Debug)]
pub enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Node>),
    Obj(Vec<(String, Node)>),
    Unknown(String),
}

#[derive(Clone, Debug)]
pub struct Node {
    pub v: V,
    pub loc: Loc,
}

impl Node {
    pub fn new(v: V) -> Node {
        Node {
            v,
            loc: Loc::default(),
        }
    }

    pub fn null() -> Node {
        Node::new(V::Null)
    }

    pub fn unknown(reason: impl Into<String>) -> Node {
        Node::new(V::Unknown(reason.into()))
    }

    pub fn str(s: impl Into<String>) -> Node {
        Node::new(V::Str(s.into()))
    }

    pub fn num(n: f64) -> Node {
        Node::new(V::Num(n))
    }

    pub fn obj(fields: Vec<(&str, Node)>) -> Node {
        Node::new(V::Obj(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        ))
    }

    pub fn list(items: Vec<Node>) -> Node {
        Node::new(V::List(items))
    }

    /// A platform default, anchored at the block that would hold it.
    pub fn default_at(v: V, at: Option<Span>) -> Node {
        Node {
            v,
            loc: Loc {
                prov: None,
                at,
                default: true,
            },
        }
    }

    /// A value derived from several others (e.g. "has no route table"), anchored at the block a
    /// user would change.
    pub fn derived_at(v: V, at: Option<Span>) -> Node {
        Node {
            v,
            loc: Loc {
                prov: None,
                at,
                default: false,
            },
        }
    }

    /// Converts an evaluated value; `at` is the attribute consuming it.
    pub fn from_value(v: &Value, at: Option<Span>) -> Node {
        let mut n = Node::convert(v);
        n.loc.at = at;
        n
    }

    fn convert(v: &Value) -> Node {
        let val = match &v.kind {
            Kind::Null => V::Null,
            Kind::Bool(b) => V::Bool(*b),
            Kind::Num(x) => V::Num(*x),
            Kind::Str(s) => V::Str(s.to_string()),
            Kind::List(l) => V::List(l.iter().map(Node::convert).collect()),
            Kind::Map(m) => V::Obj(
                m.iter()
                    .map(|(k, x)| (k.clone(), Node::convert(x)))
                    .collect(),
            ),
            Kind::Id(id) => V::Str(format!("ref:{}", id.0)),
            Kind::Res(_) => V::Unknown("a whole resource is not a value".into()),
            Kind::Unknown(r) | Kind::Error(r) => V::Unknown(r.to_string()),
            Kind::Partial(p) => V::Unknown(p.reason().to_string()),
        };
        Node {
            v: val,
            loc: Loc {
                prov: v.prov.clone(),
                at: None,
                default: false,
            },
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.v, V::Unknown(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.v, V::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_num(&self) -> Option<f64> {
        match &self.v {
            V::Num(n) => Some(*n),
            V::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.v {
            V::Bool(b) => Some(*b),
            V::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            V::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Node]> {
        match &self.v {
            V::List(l) => Some(l),
            _ => None,
        }
    }

    /// Field of an object (exact key).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.v {
            V::Obj(o) => o.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Field of an object, ignoring ASCII case (ARM property names are case-insensitive).
    pub fn get_ci(&self, key: &str) -> Option<&Node> {
        match &self.v {
            V::Obj(o) => o
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a path of case-insensitive keys.
    pub fn path_ci(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get_ci(k))
    }

    /// A single value as a one-element list (`pod_cidr` read as `pod_cidrs`), keeping its
    /// location; unknown stays unknown.
    pub fn into_list(self) -> Node {
        if self.is_unknown() {
            return self;
        }
        let loc = self.loc.clone();
        Node {
            v: V::List(vec![self]),
            loc,
        }
    }

    /// Location to point at: where written, else where used.
    pub fn primary_span(&self) -> Option<Span> {
        self.loc.prov.as_ref().map(|p| p.span).or(self.loc.at)
    }

    /// The plain JSON projection and the path -> location table.
    pub fn project(&self) -> (Json, Located) {
        let mut table = HashMap::new();
        let mut path = String::from("$");
        let json = self.project_into(&mut path, &mut table);
        (json, Located(table))
    }

    fn project_into(&self, path: &mut String, table: &mut HashMap<String, Node>) -> Json {
        if self.loc.prov.is_some() || self.loc.at.is_some() || self.loc.default {
            // Children are not needed in the table entry; keep it light.
            let shallow = Node {
                v: match &self.v {
                    V::List(_) | V::Obj(_) => V::Null,
                    other => other.clone(),
                },
                loc: self.loc.clone(),
            };
            table.insert(path.clone(), shallow);
        }
        match &self.v {
            V::Null => Json::Null,
            V::Bool(b) => Json::Bool(*b),
            V::Num(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
            V::Str(s) => Json::String(s.clone()),
            V::Unknown(r) => {
                let mut m = Map::new();
                m.insert(UNKNOWN_KEY.to_string(), Json::String(r.clone()));
                Json::Object(m)
            }
            V::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    let len = path.len();
                    let _ = write!(path, "[{i}]");
                    out.push(it.project_into(path, table));
                    path.truncate(len);
                }
                Json::Array(out)
            }
            V::Obj(fields) => {
                let mut m = Map::new();
                for (k, v) in fields {
                    let len = path.len();
                    let _ = write!(path, "['{k}']");
                    m.insert(k.clone(), v.project_into(path, table));
                    path.truncate(len);
                }
                Json::Object(m)
            }
        }
    }
}

/// Locations by normalized JSONPath.
#[derive(Default, Debug)]
pub struct Located(pub HashMap<String, Node>);

impl Located {
    /// Location of a path, or of its nearest located ancestor.
    pub fn find(&self, path: &str) -> Option<&Loc> {
        let mut p = path;
        loop {
            if let Some(n) = self.0.get(p) {
                return Some(&n.loc);
            }
            let cut = p.rfind('[')?;
            p = p.get(..cut)?;
        }
    }
}

/// Whether a projected JSON value is unknown.
pub fn json_unknown(j: &Json) -> Option<&str> {
    j.as_object()
        .and_then(|o| o.get(UNKNOWN_KEY))
        .and_then(Json::as_str)
}
