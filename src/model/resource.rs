//! What a resource kind's mapper reads, in either dialect: a Terraform block ([`Block`], HCL
//! through the evaluator or the values of a plan, wrapped in a [`Resource`]) or an ARM resource
//! ([`ArmResource`], from an ARM template, Bicep or an azapi body). A leaf of the model, so the
//! kinds and the two dispatchers depend on it and not on each other.

use super::{Node, Ref};
use crate::eval::terraform::{BlockRef, Evaluator};
use crate::eval::Value;
use crate::source::Span;

/// A resource block (or a nested block) as the mapper reads it: HCL through the evaluator, or
/// the values of a Terraform plan.
pub trait Block: Sized {
    /// An attribute's value and the span of its expression.
    fn attr(&self, name: &str) -> Option<(Value, Span)>;
    /// The id of the resource an attribute is written as a reference to (see
    /// `Evaluator::referenced_id`).
    fn referenced_id(&self, name: &str) -> Option<Value>;
    /// Nested blocks of a type.
    fn blocks(&self, name: &str) -> Vec<Self>;
    fn header(&self) -> Span;
    /// Whether `lifecycle.ignore_changes` lists the attribute (plans have no lifecycle).
    fn ignores_changes(&self, _name: &str) -> bool {
        false
    }
}

/// An HCL block evaluated in its scope.
#[derive(Clone)]
pub struct Hcl<'e, 'p, 'a> {
    pub ev: &'e Evaluator<'p, 'a>,
    pub b: BlockRef<'a>,
}

impl Block for Hcl<'_, '_, '_> {
    fn attr(&self, name: &str) -> Option<(Value, Span)> {
        self.ev.attr(&self.b, name)
    }

    fn referenced_id(&self, name: &str) -> Option<Value> {
        self.ev.referenced_id(&self.b, name)
    }

    fn blocks(&self, name: &str) -> Vec<Self> {
        self.ev
            .blocks(&self.b, name)
            .into_iter()
            .map(|b| Hcl { ev: self.ev, b })
            .collect()
    }

    fn header(&self) -> Span {
        self.b.header
    }

    fn ignores_changes(&self, name: &str) -> bool {
        self.ev.ignores_changes(&self.b, name)
    }
}

/// First present attribute of several names (provider renames, e.g. 3.x vs 4.x), located.
pub fn field<B: Block>(b: &B, names: &[&str]) -> Option<Node> {
    names
        .iter()
        .find_map(|n| b.attr(n))
        .map(|(v, at)| Node::from_value(&v, Some(at)))
        .filter(|n| !n.is_null())
}

/// One Terraform resource being mapped: its block, address and the unknown condition it exists
/// under.
pub struct Resource<'b, B> {
    pub b: &'b B,
    pub addr: String,
    pub cond: Option<String>,
}

impl<B: Block> Resource<'_, B> {
    /// First present attribute of several names, located.
    pub fn f(&self, names: &[&str]) -> Option<Node> {
        field(self.b, names)
    }

    pub fn header(&self) -> Span {
        self.b.header()
    }

    /// The reference an id attribute holds (`ref:` token, literal ARM id, unknown).
    pub fn reference(&self, name: &str) -> Ref {
        Ref::from_node(self.f(&[name]).as_ref())
    }

    /// The resource an attribute names by reference (see `Evaluator::referenced_id`).
    pub fn referenced(&self, names: &[&str]) -> Ref {
        names
            .iter()
            .find_map(|n| self.b.referenced_id(n))
            .map_or(Ref::Absent, |v| {
                Ref::from_node(Some(&Node::from_value(&v, None)))
            })
    }

    /// The token other resources' references to this one evaluate to.
    pub fn id(&self) -> String {
        format!("ref:{}", self.addr)
    }
}

/// One ARM resource, whatever wrote it (an ARM template, Bicep, an azapi resource).
pub struct ArmResource<'a> {
    /// Lower-cased full type without API version.
    pub ty: &'a str,
    pub addr: String,
    pub id: String,
    pub header: Span,
    pub body: &'a Node,
    /// The parent resource (child types such as `agentPools`, `subnets`, `associations`).
    pub parent: Ref,
    pub condition: Option<String>,
    /// The cluster identity's principal token, when the caller knows it better than the body.
    pub principal: Option<Option<Node>>,
}

impl ArmResource<'_> {
    /// `properties.<key>`, matched ignoring case.
    pub fn prop(&self, key: &str) -> Option<&Node> {
        self.body.get_ci("properties").and_then(|p| p.get_ci(key))
    }

    /// The resource's name as written.
    pub fn name(&self) -> Option<Node> {
        self.body.get_ci("name").cloned()
    }
}

/// `vnet/subnet` -> `subnet`: child names are written in full in ARM.
pub fn last_segment(mut n: Node) -> Node {
    if let super::V::Str(s) = &n.v {
        if let Some((_, last)) = s.rsplit_once('/') {
            n.v = super::V::Str(last.to_string());
        }
    }
    n
}
