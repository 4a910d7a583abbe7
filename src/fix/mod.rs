//! Fixes after the scan: candidates ([`crate::rules::fixes`]) verified by scanning again in
//! memory ([`verify`]), applied one at a time for `--fix` ([`apply`]), shown as a diff for
//! `--diff` ([`diff`]) and written atomically ([`write`]).

pub mod apply;
pub mod diff;
pub mod verify;
pub mod write;

pub use verify::verify_all;
