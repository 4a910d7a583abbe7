//! aks-netlint finds Azure Kubernetes Service networking mistakes in infrastructure code.
//!
//! The pipeline runs one way: [`discover`] walks the paths and groups files into Terraform
//! modules; [`frontends`] parse them with spans; [`eval`] evaluates expressions into values that
//! are known (with provenance) or unknown; [`model`] normalizes clusters, pools, subnets and
//! VNets and links them; [`rules`] evaluates the declarative rule files over that model; and
//! [`report`] renders findings. [`lint::run`] wires it together; [`fix`] verifies and applies
//! the fixes rules compute; [`cli`] is the command line.

pub mod cidr;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod error;
pub mod eval;
pub mod fix;
pub mod frontends;
pub mod lint;
pub mod map;
pub mod model;
pub mod report;
pub mod rules;
pub mod server;
pub mod source;
pub mod suppress;

pub use error::Error;
