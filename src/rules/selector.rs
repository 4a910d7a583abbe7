//! Rule selectors (`--select`, `--ignore`, the config's `select`/`ignore`/`[severity]`/
//! `[per-path-ignores]`, suppression comments): a rule ID or a family prefix (`OVL`, `NET01`).
//! A selector that names no rule is a typo that would silently disable or fail to disable
//! linting, so it is refused with the closest known name (DESIGN.md "Selectors are checked").

use super::registry::{RULE_FILES, TOOL_RULES};

/// A selector that names no rule, with where it was written and the closest known name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what}: `{selector}` is not a rule ID or family{} (`aks-netlint rules` lists them)",
    .closest.as_ref().map(|c| format!("; did you mean {c}?")).unwrap_or_default()
)]
pub struct SelectorError {
    /// Where the selector was written (`--select`, `<config>: ignore`).
    pub what: String,
    pub selector: String,
    pub closest: Option<String>,
}

/// Every rule ID of the catalog, the tool's own included, sorted (built once: suppression
/// comments ask for every ID they name).
pub fn known_ids() -> &'static [&'static str] {
    static IDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        let mut ids: Vec<&'static str> = RULE_FILES
            .iter()
            .filter_map(|(name, _)| name.strip_suffix(".toml"))
            .chain(TOOL_RULES.iter().map(|t| t.id.as_str()))
            .collect();
        ids.sort_unstable();
        ids
    })
}

/// Whether a selector (already trimmed and upper-cased) names at least one rule.
pub fn names_a_rule(sel: &str) -> bool {
    !sel.is_empty() && known_ids().iter().any(|id| id.starts_with(sel))
}

/// The known ID or family closest to a selector that names no rule.
pub fn closest(sel: &str) -> Option<String> {
    let ids = known_ids();
    let families = ids
        .iter()
        .map(|id| id.trim_end_matches(|c: char| c.is_ascii_digit()));
    let candidates: Vec<&str> = ids.iter().copied().chain(families).collect();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(sel, c), c))
        .filter(|(d, c)| *d <= sel.len().max(c.len()) / 3 + 1)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c.to_string())
}

/// Normalizes a selector list as the user wrote it: trims, upper-cases, splits on commas and
/// drops empty entries; an entry that names no rule is an error naming it and the closest
/// known one. `what` says where the list came from (`--select`, `.aks-netlint.toml select`).
pub fn check_list(list: &[String], what: &str) -> Result<Vec<String>, SelectorError> {
    let mut out = Vec::new();
    for raw in list.iter().flat_map(|s| s.split(',')) {
        let sel = raw.trim().to_ascii_uppercase();
        if sel.is_empty() {
            continue;
        }
        check_one(&sel, what)?;
        out.push(sel);
    }
    Ok(out)
}

/// [`check_list`] for one selector (trimmed, upper-cased).
pub fn check_one(sel: &str, what: &str) -> Result<(), SelectorError> {
    if names_a_rule(sel) {
        return Ok(());
    }
    Err(SelectorError {
        what: what.to_string(),
        selector: sel.to_string(),
        closest: closest(sel),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_families_are_known() {
        assert!(names_a_rule("OVL001"));
        assert!(names_a_rule("OVL"));
        assert!(names_a_rule("NET01"));
        assert!(names_a_rule("PARSE001"));
        assert!(!names_a_rule("NOPE"));
        assert!(!names_a_rule("NET99"));
        assert!(!names_a_rule(""));
    }

    #[test]
    fn typos_get_the_closest_name() {
        assert_eq!(closest("NET99").as_deref(), Some("NET"));
        assert_eq!(closest("OVL0001").as_deref(), Some("OVL001"));
        assert_eq!(closest("OLV").as_deref(), Some("OVL"));
    }

    #[test]
    fn lists_are_split_trimmed_and_checked() {
        let list = vec!["ovl, NET".to_string(), " AGC ".to_string()];
        assert_eq!(
            check_list(&list, "--select"),
            Ok(vec![
                "OVL".to_string(),
                "NET".to_string(),
                "AGC".to_string()
            ])
        );
        let err = check_list(&["NOPE".to_string()], "--select")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("`NOPE`") && err.contains("--select"), "{err}");
    }
}
