//! Evaluation: turns syntax into values that are known (with the span of the literal they came
//! from and the names they passed through) or unknown (with a reason). Rules only ever see these.

pub mod arm;
pub mod arm_functions;
pub mod common;
pub mod id_shapes;
pub mod partial;
pub mod partial_terraform;
pub mod terraform;
pub mod value;

pub use value::{Kind, Prov, Value};
