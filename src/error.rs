//! What stops a run (exit code 2, `error: ...` on stderr): a flag, a config file or a named
//! input that cannot be used. Problems in files the scan merely found are findings instead
//! (PARSE001), so one bad file never hides the others.
//!
//! Each area has its own error type beside its code (reading files, git, rule selectors, the
//! config file, rule files); [`Error`] gathers them with the errors about named inputs and
//! `--var` values that only the pipeline sees. This module depends on those areas and nothing
//! depends on it but the pipeline and the command line. The messages are part of the interface: tests compare
//! them byte for byte.

use std::path::PathBuf;

use crate::config::ConfigError;
use crate::discover::{GitError, ReadError};
use crate::rules::{RuleError, SelectorError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Selector(#[from] SelectorError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Rules(#[from] RuleError),
    #[error(transparent)]
    Var(#[from] VarError),
    /// A file named on the command line (`--var-file`, `--param-file`, `--plan`) cannot be read.
    #[error("{}: {source}", .path.display())]
    Read { path: PathBuf, source: ReadError },
    /// A path given to scan cannot be used (the walk says why).
    #[error("{}: {reason}", .path.display())]
    Unusable { path: PathBuf, reason: String },
    #[error("{}: not JSON at byte {offset}: {message}", .path.display())]
    NotJson {
        path: PathBuf,
        offset: usize,
        message: String,
    },
    #[error(
        "{}: not a Terraform plan (expected the output of `terraform show -json PLANFILE`)",
        .path.display()
    )]
    NotAPlan { path: PathBuf },
    #[error("--param-file {}: not an ARM parameters file or .bicepparam ({why})", .path.display())]
    NotParameters { path: PathBuf, why: String },
}

/// A `--var` value that does not fit, naming the variable and where it is declared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VarError {
    #[error("--var {name}: `{raw}` does not parse as a {shape} value ({why}); variable \"{name}\" is declared in {declared}")]
    DoesNotParse {
        name: String,
        raw: String,
        shape: &'static str,
        why: String,
        declared: String,
    },
    #[error("--var {name}: `{raw}` is not a {shape} value; variable \"{name}\" is declared in {declared} with that type")]
    WrongType {
        name: String,
        raw: String,
        shape: &'static str,
        declared: String,
    },
    #[error("--var {name}: no scanned Terraform root module declares variable \"{name}\" (a typo, or a path that leaves out its root?)")]
    Undeclared { name: String },
}
