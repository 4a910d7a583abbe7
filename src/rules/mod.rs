//! Rules: declarative files in `rules/` (one per rule, embedded at build time), compiled once
//! into JSONPath selections and typed predicates ([`predicate`]) or derived facts computed in
//! Rust ([`facts`]), both yielding an [`outcome`], and run over the model's subjects by
//! [`engine`].

pub mod docs;
pub mod engine;
mod error;
pub mod facts;
pub mod fixes;
pub mod ops;
pub mod outcome;
pub mod path;
pub mod predicate;
pub mod registry;
pub mod schema;
pub mod selector;

// Rules produce findings; the types live in the leaf `diagnostic` so that reports and
// suppressions need not depend on the rules to read them.
pub use crate::diagnostic::{Finding, Label, RuleId, Severity};
pub use error::RuleError;
pub use selector::SelectorError;
