//! The diagnostics the pipeline itself raises about its input: files that cannot be read or
//! parsed (PARSE001), templates for other tools (PARSE002) and evaluation limits (EVAL002).
//! Each says its real cause and the tool that shows the same problem.

use crate::diagnostic::{Finding, Label, RuleId, Severity};
use crate::discover::ReadError;
use crate::source::{SourceMap, Span};

/// What went wrong with a file, for the message and the help.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cause {
    /// The file's syntax (HCL, JSON, Bicep).
    Syntax,
    /// An ARM template expression (`[...]`) in otherwise valid JSON.
    Expression,
}

/// PARSE001 for a syntax error at `offset`.
pub fn parse_error(sources: &SourceMap, file: usize, offset: usize, message: String) -> Finding {
    problem(sources, file, offset, message, Cause::Syntax)
}

/// PARSE001 for an ARM template expression that cannot be parsed.
pub fn expression_error(
    sources: &SourceMap,
    file: usize,
    offset: usize,
    message: String,
) -> Finding {
    problem(sources, file, offset, message, Cause::Expression)
}

/// PARSE001 for a file that cannot be read (permissions, size, encoding): an I/O problem, not
/// a syntax error.
pub fn read_error(sources: &SourceMap, file: usize, why: &ReadError) -> Finding {
    let help = match why {
        ReadError::TooLarge { .. } => {
            "the file is skipped as too large; exclude it in .aks-netlint.toml if it is generated"
        }
        ReadError::Binary | ReadError::NotUtf8 { .. } => {
            "the file is not UTF-8 text; exclude it in .aks-netlint.toml if it is not IaC"
        }
        _ => "make the file readable by the user running aks-netlint, or exclude it in .aks-netlint.toml",
    };
    Finding {
        rule: RuleId::PARSE001,
        severity: Severity::Error,
        message: format!("cannot read {}: {why}", sources.name(file)),
        primary: Label {
            span: Span::new(file, 0..0),
            message: why.to_string(),
        },
        secondary: Vec::new(),
        notes: vec!["the rest of the scan goes on without this file".into()],
        why: None,
        help: Some(help.into()),
        resource: None,
        fix: None,
    }
}

fn problem(
    sources: &SourceMap,
    file: usize,
    offset: usize,
    message: String,
    cause: Cause,
) -> Finding {
    let text = sources.text(file);
    let text = text.as_deref().unwrap_or("");
    if let Some(at) = template_marker(text) {
        return templated(sources, file, at);
    }
    let len = text.len();
    let start = offset.min(len);
    let end = text
        .get(start..)
        .and_then(|t| t.char_indices().nth(1))
        .map_or(len, |(i, _)| start + i);
    Finding {
        rule: RuleId::PARSE001,
        severity: Severity::Error,
        message: match cause {
            Cause::Syntax => format!("cannot parse {}: {message}", sources.name(file)),
            Cause::Expression => format!(
                "cannot parse a template expression in {}: {message}",
                sources.name(file)
            ),
        },
        primary: Label {
            span: Span::new(file, start..end),
            message: message.clone(),
        },
        secondary: Vec::new(),
        notes: vec!["the rest of the scan goes on without this file".into()],
        why: None,
        help: Some(parse_help(sources.name(file), cause).into()),
        resource: None,
        fix: None,
    }
}

/// Where a Go or Jinja template marker (`{{`, `{%`) stands outside a string: such a file is
/// the input of another tool, not Terraform or Bicep yet. Strings are told apart per line by
/// counting quotes, which is enough for the markers that make a file fail to parse.
fn template_marker(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        for marker in ["{{", "{%"] {
            if let Some(i) = line.find(marker) {
                let before = line.get(..i).unwrap_or("");
                let quotes = before.matches('"').count() + before.matches('\'').count();
                if quotes % 2 == 0 {
                    return Some(offset + i);
                }
            }
        }
        offset += line.len();
    }
    None
}

/// PARSE002: a file that failed to parse looks like a template for another tool. Every parse
/// error of the file becomes this one finding (same span, so they merge), an info: the file is
/// skipped, not broken.
fn templated(sources: &SourceMap, file: usize, at: usize) -> Finding {
    Finding {
        rule: RuleId::PARSE002,
        severity: Severity::Info,
        message: format!(
            "{} looks like a template for another tool (`{{{{ ... }}}}` outside strings); skipped",
            sources.name(file)
        ),
        primary: Label {
            span: Span::new(file, at..at + 2),
            message: "template marker".into(),
        },
        secondary: Vec::new(),
        notes: vec!["nothing in this file is linted".into()],
        why: None,
        help: Some(
            "lint the rendered output instead (e.g. write it to a file and pass that path), or exclude the template in .aks-netlint.toml".into(),
        ),
        resource: None,
        fix: None,
    }
}

/// The tool that reports the same problem, by file kind and cause.
fn parse_help(name: &str, cause: Cause) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if cause == Cause::Expression {
        "fix the template expression; `az deployment group validate` (or `az bicep build` on the Bicep source) shows the same problem"
    } else if lower.ends_with(".bicep") || lower.ends_with(".bicepparam") {
        "fix the syntax error; `az bicep build` shows the same problem"
    } else if lower.ends_with(".json") {
        "fix the JSON syntax error; any JSON validator shows the same problem"
    } else {
        "fix the syntax error; `terraform validate` shows the same problem"
    }
}

/// EVAL002: evaluation stopped (a cycle, a limit).
pub fn eval_issue(span: Span, message: String) -> Finding {
    Finding {
        rule: RuleId::EVAL002,
        severity: Severity::Warning,
        message,
        primary: Label {
            span,
            message: "evaluation stopped here".into(),
        },
        secondary: Vec::new(),
        notes: vec!["values that depend on this are treated as unknown".into()],
        why: None,
        help: Some("break the cycle or simplify the expression".into()),
        resource: None,
        fix: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn each_cause_says_what_it_is() {
        let mut map = SourceMap::default();
        let tf = map.add(PathBuf::from("main.tf"), "a = \n".into());
        let arm = map.add(PathBuf::from("azuredeploy.json"), "{}".into());
        let locked = map.add(PathBuf::from("locked.tf"), String::new());
        let syntax = parse_error(&map, tf, 4, "expected a value".into());
        assert!(syntax.message.starts_with("cannot parse main.tf"));
        assert!(syntax
            .help
            .unwrap_or_default()
            .contains("terraform validate"));
        let expr = expression_error(&map, arm, 0, "unclosed `(`".into());
        assert!(expr.message.contains("template expression"));
        assert!(!expr.help.unwrap_or_default().contains("JSON validator"));
        let denied = std::io::Error::other("Permission denied (os error 13)");
        let io = read_error(&map, locked, &ReadError::Io(denied));
        assert_eq!(io.rule, "PARSE001");
        assert!(io
            .message
            .starts_with("cannot read locked.tf: Permission denied"));
        assert!(io.help.unwrap_or_default().contains("readable"));
    }

    #[test]
    fn template_markers_count_only_outside_strings() {
        assert_eq!(template_marker("name = \"{{ .Values.name }}\"\n"), None);
        assert_eq!(template_marker("x = 1\n{{- if .private }}\n"), Some(6));
        assert_eq!(template_marker("{% for p in params %}\n"), Some(0));
    }
}
