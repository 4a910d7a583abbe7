//! Native Bicep frontend: a hand-written lexer and recursive-descent parser with error recovery
//! that lowers `.bicep` and `.bicepparam` files straight into the deployment IR (Bicep compiles
//! to ARM, so the same evaluator runs both). Spans are byte ranges in the `.bicep` file, so
//! diagnostics point at the Bicep line where a value was written.
//!
//! Why hand-written: the grammar is small and documented, current syntax (typed imports,
//! `resourceInput<>` types, nullable arrays, multi-line expressions) moves faster than
//! third-party grammars, and recovery at statement boundaries keeps one bad line from hiding
//! the rest of a file.

pub mod lexer;
mod lower;
mod parser;

use crate::frontends::ir::Template;

/// A parsed `.bicep` or `.bicepparam` file.
pub struct File {
    pub template: Template,
    /// Module declarations: resource index and the module path as written.
    pub modules: Vec<(usize, String)>,
    /// `using './main.bicep'` of a parameters file.
    pub using: Option<String>,
}

/// Parses a Bicep file; syntax errors are collected in `template.errors` and the parser resumes
/// at the next statement.
pub fn parse(text: &str, file: usize) -> File {
    parser::parse_file(text, file)
}
