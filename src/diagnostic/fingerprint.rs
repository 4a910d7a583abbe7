//! Finding fingerprints that survive line shifts: the baseline (`--baseline`) filters by them
//! and SARIF reports them as `partialFingerprints`, so both must compute the same value.

use super::Finding;
use crate::source::SourceMap;

/// FNV-1a: a tiny, stable hash for fingerprints (std's hasher may change between releases).
fn fnv1a(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// A fingerprint that ignores line numbers: rule, file, resource and the flagged text.
pub fn fingerprint(sources: &SourceMap, f: &Finding) -> String {
    fnv1a(&[
        &f.rule,
        sources.name(f.primary.span.file),
        f.resource.as_deref().unwrap_or(""),
        &sources.snippet(f.primary.span),
        &f.message,
    ])
}
