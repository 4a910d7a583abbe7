//! One line per finding, `file:line:col: severity RULE message`, for editors' problem matchers.

use super::Report;

pub fn render(o: &Report<'_>) -> String {
    let mut out = String::new();
    for f in o.findings {
        let p = o
            .sources
            .position(f.primary.span.file, f.primary.span.start as usize);
        out.push_str(&format!(
            "{}:{}:{}: {} {} {}\n",
            o.sources.name(f.primary.span.file),
            p.line,
            p.column,
            f.severity.as_str(),
            f.rule,
            f.message
        ));
    }
    out
}
