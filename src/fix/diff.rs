//! `--diff`: what `--fix` would write, as a unified diff per file (git's `a/` and `b/` names,
//! relative to the repository root).

use similar::TextDiff;

/// The unified diff of one file.
pub fn unified(name: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_changed_line() {
        let d = unified(
            "main.tf",
            "a = 1\nb = \"10.0.0.0/16\"\nc = 3\n",
            "a = 1\nb = \"10.1.0.0/16\"\nc = 3\n",
        );
        assert!(
            d.starts_with("--- a/main.tf\n+++ b/main.tf\n@@ -1,3 +1,3 @@\n"),
            "{d}"
        );
        assert!(
            d.contains("-b = \"10.0.0.0/16\"\n+b = \"10.1.0.0/16\"\n"),
            "{d}"
        );
    }
}
