//! The operators a predicate compiles to, one module per group: [`compare`] (equality, numbers,
//! versions, another path's value), [`cidr`] (prefix lengths, overlap, containment, IP
//! offsets) and [`text`] (patterns, lengths, presence). Each tests one selected value and says
//! whether it matched; operators that name the conflicting value push their own hits.

pub mod cidr;
pub mod compare;
pub mod text;

use serde_json::Value as Json;

use super::facts::Fact;
use super::outcome::{display, Hit, Outcome, Unknown};

/// A compiled operator.
pub enum Op {
    Compare(compare::Op),
    Cidr(cidr::Op),
    Text(text::Op),
    /// Derived facts read the whole subject; the predicate calls them directly.
    Fact(Fact),
}

impl Op {
    /// Tests one selected value; true when it matched without naming another value.
    pub fn test(&self, probe: &Probe<'_>, out: &mut Outcome) -> bool {
        match self {
            Op::Compare(op) => op.test(probe, out),
            Op::Cidr(op) => op.test(probe, out),
            Op::Text(op) => op.test(probe),
            Op::Fact(_) => false,
        }
    }
}

/// One selected value under test, in its document.
pub struct Probe<'a> {
    pub doc: &'a Json,
    /// The value's normalized path.
    pub path: &'a str,
    pub value: &'a Json,
    /// The value as messages show it.
    pub text: String,
}

impl Probe<'_> {
    /// A hit on this value, naming the conflicting value (its path, if any, and its text).
    pub fn hit(&self, other: Option<(Option<String>, String)>) -> Hit {
        Hit {
            path: self.path.to_string(),
            value: self.text.clone(),
            other,
            ..Hit::default()
        }
    }

    /// A hit naming the value at `path` as the conflicting one.
    pub fn hit_with(&self, path: String, value: &Json) -> Hit {
        self.hit(Some((Some(path), display(value))))
    }
}

/// Records a value the operator needed and could not know.
pub fn unknown(out: &mut Outcome, path: String, reason: &str) {
    out.unknowns.push(Unknown {
        path,
        reason: reason.to_string(),
    });
}
