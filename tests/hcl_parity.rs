//! The HCL parser is held to hcl-edit 0.9, the parser it replaced: on every Terraform file the
//! tests have, and on the cases below, both accept the same texts and build the same trees with
//! the same spans (every expression's, block name's, label's and key's). A tree is compared as
//! a printed outline, so a difference shows where it is.
//!
//! `AKS_NETLINT_HCL_CORPUS=<dir>` runs the same comparison over every `.tf` and `.tfvars` under
//! a directory of real code (what the parser was checked on before it replaced hcl-edit).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use aks_netlint::frontends::hcl as ours;
use hcl_edit::Span as _;

/// Outline of our tree: one line per node, with its span.
mod outline_ours {
    use super::*;
    use ours::{Element, Expr, Expression, ObjectKey, Spanned, Structure, TraversalOperator};

    pub fn body(out: &mut String, b: &ours::Body, depth: usize) {
        for s in &b.structures {
            match s {
                Structure::Attribute(a) => {
                    line(
                        out,
                        depth,
                        &format!("attr {} {:?}", a.key.as_str(), a.key.span()),
                    );
                    expr(out, &a.value, depth + 1);
                }
                Structure::Block(bl) => {
                    let labels: Vec<String> = bl
                        .labels
                        .iter()
                        .map(|l| format!("{}@{:?}", l.as_str(), l.span()))
                        .collect();
                    line(
                        out,
                        depth,
                        &format!(
                            "block {} {:?} {labels:?}",
                            bl.ident.as_str(),
                            bl.ident.span()
                        ),
                    );
                    body(out, &bl.body, depth + 1);
                }
            }
        }
    }

    pub fn expr(out: &mut String, e: &Expression, d: usize) {
        let head = match &e.kind {
            Expr::Null => "null".to_string(),
            Expr::Bool(b) => format!("bool {b}"),
            Expr::Number(n) => format!("number {n:?}"),
            Expr::String(s) => format!("string {s:?}"),
            Expr::Array(_) => "array".into(),
            Expr::Object(_) => "object".into(),
            Expr::StringTemplate(_) => "template".into(),
            Expr::HeredocTemplate(_) => "heredoc".into(),
            Expr::Parenthesis(_) => "paren".into(),
            Expr::Variable(v) => format!("var {v}"),
            Expr::Conditional(_) => "cond".into(),
            Expr::FuncCall(f) => {
                let ns: Vec<&str> = f.namespace.iter().map(|i| i.as_str()).collect();
                format!("call {ns:?} {} expand={}", f.name.as_str(), f.expand_final)
            }
            Expr::Traversal(t) => {
                let ops: Vec<String> = t
                    .operators
                    .iter()
                    .map(|o| match o {
                        TraversalOperator::AttrSplat => ".*".into(),
                        TraversalOperator::FullSplat => "[*]".into(),
                        TraversalOperator::GetAttr(a) => format!(".{a}"),
                        TraversalOperator::Index(_) => "[_]".into(),
                        TraversalOperator::LegacyIndex(n) => format!(".{n}"),
                    })
                    .collect();
                format!("traversal {}", ops.join(""))
            }
            Expr::UnaryOp(u) => format!("unary {:?}", u.operator),
            Expr::BinaryOp(b) => format!("binary {:?}", b.operator),
            Expr::ForExpr(f) => format!(
                "for {:?} {} grouping={}",
                f.key_var.as_ref().map(|k| k.as_str()),
                f.value_var.as_str(),
                f.grouping
            ),
        };
        line(out, d, &format!("{head} {:?}", e.span()));
        match &e.kind {
            Expr::Array(items) => items.iter().for_each(|x| expr(out, x, d + 1)),
            Expr::Object(items) => {
                for i in items {
                    match &i.key {
                        ObjectKey::Ident(k) => {
                            line(out, d + 1, &format!("key {} {:?}", k.as_str(), k.span()))
                        }
                        ObjectKey::Expression(k) => expr(out, k, d + 1),
                    }
                    expr(out, &i.value, d + 2);
                }
            }
            Expr::StringTemplate(t) | Expr::HeredocTemplate(t) => {
                for el in &t.elements {
                    match el {
                        Element::Literal(l) => line(out, d + 1, &format!("literal {l:?}")),
                        Element::Interpolation(x) => expr(out, x, d + 1),
                        Element::Directive => line(out, d + 1, "directive"),
                    }
                }
            }
            Expr::Parenthesis(x) => expr(out, x, d + 1),
            Expr::Conditional(c) => {
                for x in [&c.cond_expr, &c.true_expr, &c.false_expr] {
                    expr(out, x, d + 1);
                }
            }
            Expr::FuncCall(f) => f.args.iter().for_each(|x| expr(out, x, d + 1)),
            Expr::Traversal(t) => {
                expr(out, &t.expr, d + 1);
                for o in &t.operators {
                    if let TraversalOperator::Index(x) = o {
                        expr(out, x, d + 1);
                    }
                }
            }
            Expr::UnaryOp(u) => expr(out, &u.expr, d + 1),
            Expr::BinaryOp(b) => {
                expr(out, &b.lhs_expr, d + 1);
                expr(out, &b.rhs_expr, d + 1);
            }
            Expr::ForExpr(f) => {
                expr(out, &f.collection_expr, d + 1);
                if let Some(k) = &f.key_expr {
                    expr(out, k, d + 1);
                }
                expr(out, &f.value_expr, d + 1);
                if let Some(c) = &f.cond {
                    expr(out, c, d + 1);
                }
            }
            _ => {}
        }
    }
}

/// The same outline of hcl-edit's tree.
mod outline_theirs {
    use super::*;
    use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
    use hcl_edit::structure::{BlockLabel, Structure};
    use hcl_edit::template::{Element, Template};

    fn span(s: Option<std::ops::Range<usize>>) -> std::ops::Range<usize> {
        s.unwrap_or(usize::MAX..usize::MAX)
    }

    pub fn body(out: &mut String, b: &hcl_edit::structure::Body, depth: usize) {
        for s in b.iter() {
            match s {
                Structure::Attribute(a) => {
                    line(
                        out,
                        depth,
                        &format!("attr {} {:?}", a.key.as_str(), span(a.key.span())),
                    );
                    expr(out, &a.value, depth + 1);
                }
                Structure::Block(bl) => {
                    let labels: Vec<String> = bl
                        .labels
                        .iter()
                        .map(|l| {
                            let text = match l {
                                BlockLabel::String(s) => s.value().to_string(),
                                BlockLabel::Ident(i) => i.as_str().to_string(),
                            };
                            format!("{text}@{:?}", span(l.span()))
                        })
                        .collect();
                    line(
                        out,
                        depth,
                        &format!(
                            "block {} {:?} {labels:?}",
                            bl.ident.as_str(),
                            span(bl.ident.span())
                        ),
                    );
                    body(out, &bl.body, depth + 1);
                }
            }
        }
    }

    fn template(out: &mut String, t: &Template, d: usize) {
        for el in t.iter() {
            match el {
                Element::Literal(l) => line(out, d, &format!("literal {:?}", l.value())),
                Element::Interpolation(i) => expr(out, &i.expr, d),
                Element::Directive(_) => line(out, d, "directive"),
            }
        }
    }

    pub fn expr(out: &mut String, e: &Expression, d: usize) {
        let head = match e {
            Expression::Null(_) => "null".to_string(),
            Expression::Bool(b) => format!("bool {}", b.value()),
            Expression::Number(n) => format!("number {:?}", n.value().as_f64().unwrap_or(f64::NAN)),
            Expression::String(s) => format!("string {:?}", s.value()),
            Expression::Array(_) => "array".into(),
            Expression::Object(_) => "object".into(),
            Expression::StringTemplate(_) => "template".into(),
            Expression::HeredocTemplate(_) => "heredoc".into(),
            Expression::Parenthesis(_) => "paren".into(),
            Expression::Variable(v) => format!("var {}", v.as_str()),
            Expression::Conditional(_) => "cond".into(),
            Expression::FuncCall(f) => {
                let ns: Vec<&str> = f.name.namespace.iter().map(|i| i.as_str()).collect();
                format!(
                    "call {ns:?} {} expand={}",
                    f.name.name.as_str(),
                    f.args.expand_final()
                )
            }
            Expression::Traversal(t) => {
                let ops: Vec<String> = t
                    .operators
                    .iter()
                    .map(|o| match o.value() {
                        TraversalOperator::AttrSplat(_) => ".*".into(),
                        TraversalOperator::FullSplat(_) => "[*]".into(),
                        TraversalOperator::GetAttr(a) => format!(".{}", a.as_str()),
                        TraversalOperator::Index(_) => "[_]".into(),
                        TraversalOperator::LegacyIndex(n) => format!(".{}", n.value()),
                    })
                    .collect();
                format!("traversal {}", ops.join(""))
            }
            Expression::UnaryOp(u) => format!("unary {:?}", u.operator.value()),
            Expression::BinaryOp(b) => format!("binary {:?}", b.operator.value()),
            Expression::ForExpr(f) => format!(
                "for {:?} {} grouping={}",
                f.intro.key_var.as_ref().map(|k| k.as_str()),
                f.intro.value_var.as_str(),
                f.grouping
            ),
        };
        line(out, d, &format!("{head} {:?}", span(e.span())));
        match e {
            Expression::Array(items) => items.iter().for_each(|x| expr(out, x, d + 1)),
            Expression::Object(o) => {
                for (k, v) in o.iter() {
                    match k {
                        ObjectKey::Ident(i) => line(
                            out,
                            d + 1,
                            &format!("key {} {:?}", i.as_str(), span(k.span())),
                        ),
                        ObjectKey::Expression(x) => expr(out, x, d + 1),
                    }
                    expr(out, v.expr(), d + 2);
                }
            }
            Expression::StringTemplate(t) => template(out, t, d + 1),
            Expression::HeredocTemplate(h) => template(out, &h.template, d + 1),
            Expression::Parenthesis(p) => expr(out, p.inner(), d + 1),
            Expression::Conditional(c) => {
                for x in [&c.cond_expr, &c.true_expr, &c.false_expr] {
                    expr(out, x, d + 1);
                }
            }
            Expression::FuncCall(f) => f.args.iter().for_each(|x| expr(out, x, d + 1)),
            Expression::Traversal(t) => {
                expr(out, &t.expr, d + 1);
                for o in &t.operators {
                    if let TraversalOperator::Index(x) = o.value() {
                        expr(out, x, d + 1);
                    }
                }
            }
            Expression::UnaryOp(u) => expr(out, &u.expr, d + 1),
            Expression::BinaryOp(b) => {
                expr(out, &b.lhs_expr, d + 1);
                expr(out, &b.rhs_expr, d + 1);
            }
            Expression::ForExpr(f) => {
                expr(out, &f.intro.collection_expr, d + 1);
                if let Some(k) = &f.key_expr {
                    expr(out, k, d + 1);
                }
                expr(out, &f.value_expr, d + 1);
                if let Some(c) = &f.cond {
                    expr(out, &c.expr, d + 1);
                }
            }
            _ => {}
        }
    }
}

fn line(out: &mut String, depth: usize, text: &str) {
    let _ = writeln!(out, "{}{text}", "  ".repeat(depth));
}

/// Both parsers' outlines of a text (`Err` where one rejects it).
fn outlines(text: &str) -> (Result<String, usize>, Result<String, usize>) {
    let ours = ours::parse_body(text)
        .map(|b| {
            let mut s = String::new();
            outline_ours::body(&mut s, &b, 0);
            s
        })
        .map_err(|e| e.offset);
    let theirs = hcl_edit::parser::parse_body(text)
        .map(|b| {
            let mut s = String::new();
            outline_theirs::body(&mut s, &b, 0);
            s
        })
        .map_err(|e| e.location().offset());
    (ours, theirs)
}

/// A difference between the parsers on `text`, if any.
fn difference(name: &str, text: &str) -> Option<String> {
    match outlines(text) {
        (Ok(a), Ok(b)) if a == b => None,
        (Err(_), Err(_)) => None,
        (Ok(a), Ok(b)) => {
            let at = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            let show = |s: &str| s.lines().skip(at).take(3).collect::<Vec<_>>().join("\n");
            Some(format!(
                "{name}: trees differ at line {at}:\n ours:\n{}\n hcl-edit:\n{}",
                show(&a),
                show(&b)
            ))
        }
        (Ok(_), Err(at)) => Some(format!("{name}: we accept what hcl-edit rejects at {at}")),
        (Err(at), Ok(_)) => Some(format!("{name}: we reject at {at} what hcl-edit accepts")),
    }
}

fn hcl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() && !p.ends_with("target") && !p.ends_with(".git") {
            hcl_files(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "tf" || x == "tfvars" || x == "hcl")
        {
            out.push(p);
        }
    }
}

fn compare_tree(dir: &Path) -> (usize, Vec<String>) {
    let mut files = Vec::new();
    hcl_files(dir, &mut files);
    files.sort();
    let mut diffs = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        if let Some(d) = difference(&f.display().to_string(), &text) {
            diffs.push(d);
        }
    }
    (files.len(), diffs)
}

#[test]
fn every_terraform_file_of_the_tests_parses_as_hcl_edit_parses_it() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut total = 0;
    let mut diffs = Vec::new();
    for dir in ["fixtures", "examples", "bench"] {
        let (n, d) = compare_tree(&root.join(dir));
        total += n;
        diffs.extend(d);
    }
    assert!(total > 300, "only {total} files found");
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));
}

#[test]
fn a_corpus_named_by_the_environment_parses_as_hcl_edit_parses_it() {
    let Ok(dir) = std::env::var("AKS_NETLINT_HCL_CORPUS") else {
        return;
    };
    let (n, diffs) = compare_tree(Path::new(&dir));
    eprintln!("{n} files compared, {} differ", diffs.len());
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));
}

/// Texts that exercise each construct and the corners where the two could part.
const CASES: &[&str] = &[
    "a = 1\n",
    "a = 1",
    "a = -1.5e3\nb = 1e2\nc = 0.25\nd = 18446744073709551615\n",
    "a = \"x\\n\\t\\\"\\\\\\u00e9\\U0001F600\"\n",
    "a = \"$${not} %%{not} $ % $$\"\n",
    "a = \"pre ${var.x} post\"\n",
    "a = \"${var.x}\"\n",
    "a = \"${~ var.x ~}\"\n",
    "a = \"%{ if var.x }yes%{ else }no%{ endif }\"\n",
    "a = \"%{~ for k, v in var.m ~}${k}=${v},%{ endfor }\"\n",
    "a = <<EOT\nline one\n  ${var.x}\nEOT\n",
    "a = <<-EOT\n    indented\n      more\n    EOT\n",
    "a = <<-EOT\n    ${var.x} after\n    next\n  EOT\n",
    "a = <<EOT\nEOT\n",
    "a = <<EOT\r\nwindows\r\nEOT\r\n",
    "a = [1, 2, 3,]\nb = []\nc = [\n  1,\n  # comment\n  2\n]\n",
    "a = { x = 1, \"y\" = 2, (var.k) = 3 }\n",
    "a = {\n  x = 1 # trailing\n  y: 2\n  z = [\n    1]\n}\n",
    "a = { for k, v in var.m : k => v... if v != null }\n",
    "a = [for x in var.l : upper(x) if x != \"\"]\n",
    "a = [\n  for x in var.l :\n  x\n]\n",
    "a = var.x.y[0].z[*].w\nb = var.l.*.id\nc = var.l.0.name\n",
    "a = local.m[\"key\"]\n",
    "a = f()\nb = f(1, 2,)\nc = f(var.l...)\nd = provider::azurerm::normalise_resource_id(x)\n",
    "a = f(\n  1,\n  2\n)\n",
    "a = 1 + 2 * 3 - 4 / 5 % 6\n",
    "a = x == y && z != w || !v\n",
    "a = a < b == c >= d\n",
    "a = -x.y\nb = !f(1)\nc = - 5\n",
    "a = x ? y : z ? 1 : 2\n",
    "a = (x\n  + y)\n",
    "a = length(x) > 0 ? \"a\" : \"b\"\n",
    "a = length(x) > 0\n  ? \"a\"\n  : \"b\"\n",
    "a = null\nb = true\nc = false\nd = nullable\n",
    "resource \"azurerm_x\" \"y\" {\n  name = \"n\"\n  block {\n    v = 1\n  }\n  dynamic \"d\" {\n    for_each = x\n    content {}\n  }\n}\n",
    "locals { a = 1 }\nb {}\nc \"l\" { }\n",
    "block label1 \"label2\" {\n}\n",
    "# comment\n// comment\n/* block\ncomment */\na = 1 /* inline */ # trailing\n",
    "a = 1\n\n\n   \n",
    "é = 1\nvar_ü = \"ü\"\n",
    "a = x /* c */ + /* d */ y\n",
    "a = [1, 2] # after\n",
    // Rejected by both.
    "a = \n",
    "a = 1 b = 2\n",
    "a = 1\na = 2\n",
    "a = { x = 1, x = 2 }\n",
    "a = \"unterminated\n",
    "a = \"bad \\q escape\"\n",
    "a = [1, 2\n",
    "block {\n",
    "block { a = 1 b = 2 }\n",
    "a = 1e\n",
    "a = 18446744073709551616\n",
    "a = f(1...,)\n",
    "}\n",
    "a = <<EOT\nno end\n",
    "a = \"%{ bogus }\"\n",
    "a = x ? y\n",
    "a = 1 +\n",
];

#[test]
fn constructs_and_corners_parse_as_hcl_edit_parses_them() {
    let diffs: Vec<String> = CASES
        .iter()
        .filter_map(|c| difference(&format!("{c:?}"), c))
        .collect();
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));
    // Most cases are valid: the comparison is of trees, not of two rejections.
    let accepted = CASES.iter().filter(|c| outlines(c).0.is_ok()).count();
    assert_eq!(accepted, 42);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for text in [
        format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        format!("a = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000)),
        format!("a = {}1\n", "-".repeat(100_000)),
        format!("a = \"{}\"\n", "${\"".repeat(10_000)),
        "b {\n".repeat(10_000),
        format!("a = 1{}\n", " + 1".repeat(1_000)),
    ] {
        let (ours, theirs) = outlines(&text);
        assert!(ours.is_err(), "{}", &text[..40]);
        assert!(theirs.is_err(), "{}", &text[..40]);
    }
}
