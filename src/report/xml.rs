//! The two XML formats CI systems read: JUnit (one test case per finding; a single passing case
//! when there are none) and checkstyle (findings grouped by file).

use std::collections::BTreeMap;

use super::Report;
use crate::diagnostic::Severity;

/// Escapes text for XML attributes and content, dropping characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

pub fn junit(o: &Report<'_>) -> String {
    let failures = o
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .count();
    let tests = o.findings.len().max(1);
    let secs = o.stats.elapsed_ms as f64 / 1000.0;
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"aks-netlint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{secs:.3}\">\n  <testsuite name=\"aks-netlint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{secs:.3}\">\n"
    );
    if o.findings.is_empty() {
        out.push_str("    <testcase classname=\"aks-netlint\" name=\"no findings\" time=\"0\"/>\n");
    }
    for f in o.findings {
        let file = o.sources.name(f.primary.span.file);
        let p = o
            .sources
            .position(f.primary.span.file, f.primary.span.start as usize);
        let name = format!("{} {}:{}:{}", f.rule, file, p.line, p.column);
        out.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"0\">\n",
            escape(file),
            escape(&name),
            escape(file),
            p.line
        ));
        let body = format!("{}\n{}", f.message, f.help.as_deref().unwrap_or(""));
        if f.severity >= Severity::Warning {
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                escape(&f.message),
                escape(&f.rule),
                escape(&body)
            ));
        } else {
            out.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                escape(&body)
            ));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

pub fn checkstyle(o: &Report<'_>) -> String {
    let mut by_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for f in o.findings {
        let file = o.sources.name(f.primary.span.file);
        let p = o
            .sources
            .position(f.primary.span.file, f.primary.span.start as usize);
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        by_file.entry(file).or_default().push(format!(
            "    <error line=\"{}\" column=\"{}\" severity=\"{sev}\" message=\"{}\" source=\"aks-netlint.{}\"/>\n",
            p.line,
            p.column,
            escape(&f.message),
            escape(&f.rule)
        ));
    }
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for (file, errors) in by_file {
        out.push_str(&format!("  <file name=\"{}\">\n", escape(file)));
        for e in errors {
            out.push_str(&e);
        }
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}
