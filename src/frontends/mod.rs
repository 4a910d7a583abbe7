//! Frontends parse source files with spans. Each frontend hands the evaluator syntax trees and
//! an index of declarations; none of them evaluates or interprets values.

pub mod arm;
pub mod bicep;
pub mod hcl;
pub mod ir;
pub mod json;
pub mod plan;
pub mod terraform;
