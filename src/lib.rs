//! aks-netlint finds Azure Kubernetes Service networking mistakes in infrastructure code.
//!
//! The pipeline runs one way: [`discover`] walks the paths and groups files into Terraform
//! modules; [`frontends`] parse them with spans; [`eval`] evaluates expressions into values that
//! are known (with provenance) or unknown; [`model`] normalizes clusters, pools, subnets and
//! VNets and links them; [`rules`] evaluates the declarative rule files over that model; and
//! [`report`] renders findings. [`run`] wires it together for the CLI.

pub mod cidr;
pub mod eval;
pub mod frontends;
pub mod model;
pub mod source;
