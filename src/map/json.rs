//! `--format json`: the laid-out plan (docs/map.md documents the schema). Versioned like the
//! check report: the number bumps on a breaking change.

use serde::Serialize;

use super::layout::Laid;

/// The schema version of the JSON plan.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    variants: &'a [Laid],
}

/// The plan as pretty JSON, one trailing newline.
pub fn render(variants: &[Laid]) -> String {
    let doc = Doc {
        version: VERSION,
        variants,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
