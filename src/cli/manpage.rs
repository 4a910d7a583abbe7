//! `aks-netlint manpage`: clap's sections for the synopsis and options, then ours. clap_mangen's
//! own SUBCOMMANDS section points at `aks-netlint-check(1)` and the like, pages that are never
//! generated, so the subcommands are listed here instead, with EXIT STATUS, ENVIRONMENT and FILES.

use clap::CommandFactory;

use super::Cli;

/// Roff text of a section heading and its tagged paragraphs.
fn section(out: &mut String, title: &str, items: &[(&str, &str)]) {
    out.push_str(&format!(".SH \"{title}\"\n"));
    for (tag, text) in items {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", escape(tag), escape(text)));
    }
}

/// Roff escapes: a backslash, a hyphen that must stay a hyphen, a leading dot or quote.
fn escape(s: &str) -> String {
    let body = s.replace('\\', "\\e").replace('-', "\\-");
    if body.starts_with('.') || body.starts_with('\'') {
        format!("\\&{body}")
    } else {
        body
    }
}

pub fn render() -> Option<String> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    man.render_title(&mut buf).ok()?;
    man.render_name_section(&mut buf).ok()?;
    man.render_synopsis_section(&mut buf).ok()?;
    man.render_description_section(&mut buf).ok()?;
    man.render_options_section(&mut buf).ok()?;
    let mut out = String::from_utf8(buf).ok()?;
    let subcommands: Vec<(String, String)> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            let about = s.get_about().map(|a| a.to_string()).unwrap_or_default();
            (format!("aks-netlint {}", s.get_name()), about)
        })
        .collect();
    let subcommands: Vec<(&str, &str)> = subcommands
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    section(&mut out, "SUBCOMMANDS", &subcommands);
    section(
        &mut out,
        "EXIT STATUS",
        &[
            ("0", "No finding at or above the fail level (--fail-level, default warning), or a baseline was written."),
            ("1", "At least one finding at or above the fail level."),
            ("2", "A usage error (an unknown flag, rule ID or variable, a bad config file or revision), an I/O error writing the report, or an internal error."),
        ],
    );
    section(
        &mut out,
        "ENVIRONMENT",
        &[
            (
                "NO_COLOR",
                "When set and not empty, --color auto prints no color.",
            ),
            (
                "AKS_NETLINT_DEBUG_MODEL",
                "When set, prints the documents the rules see on stderr, one JSON line each.",
            ),
        ],
    );
    section(
        &mut out,
        "FILES",
        &[(
            ".aks-netlint.toml",
            "Configuration, found by walking up from the first scanned path to the repository root (--config names another, --no-config ignores it).",
        )],
    );
    let mut buf = Vec::new();
    man.render_version_section(&mut buf).ok()?;
    out.push_str(&String::from_utf8(buf).ok()?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_exit_status_and_no_page_it_does_not_generate() {
        let page = render().unwrap();
        assert!(page.contains(".SH \"EXIT STATUS\""));
        assert!(page.contains(".SH \"SUBCOMMANDS\""));
        assert!(page.contains("aks\\-netlint explain"));
        // The only page we generate is aks-netlint(1); no aks-netlint-check(1) and the like.
        let refs = regex::Regex::new(r"[a-z\\-]+\([0-9]\)").unwrap();
        for r in refs.find_iter(&page) {
            assert_eq!(r.as_str(), "aks\\-netlint(1)", "refers to {}", r.as_str());
        }
    }
}
