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

/// jemalloc, where the binary uses it (Cargo.toml says why); see [`global_allocator!`].
#[cfg(all(
    unix,
    not(target_os = "openbsd"),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
#[doc(hidden)]
pub use tikv_jemallocator::Jemalloc;

/// Declares the binary's global allocator, for the binary and the benchmarks alike (so their
/// numbers are the binary's): jemalloc where [`Jemalloc`] exists, else the system allocator.
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[cfg(all(
            unix,
            not(target_os = "openbsd"),
            any(target_arch = "x86_64", target_arch = "aarch64")
        ))]
        #[global_allocator]
        static GLOBAL: $crate::Jemalloc = $crate::Jemalloc;
    };
}
