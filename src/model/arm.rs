//! ARM-shaped resources (ARM templates, Bicep, azapi bodies) into the model, through the kinds'
//! table. ARM property names are case-insensitive, so every lookup in the kinds is too.

use super::kinds;
pub use super::resource::ArmResource;
use super::Model;

/// Adds one ARM resource to the model; types no kind reads are skipped.
pub fn add(m: &mut Model, r: ArmResource<'_>) {
    kinds::from_arm(&r, m);
}
