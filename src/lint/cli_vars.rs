//! `--var NAME=VALUE` is checked the way Terraform checks it (DESIGN.md "Values given by the
//! user"): the variable must be declared by a scanned root, and a value for a typed variable
//! must parse and convert to that type. A bad value is a usage error, never a silent unknown.

use crate::frontends::hcl::{Expr, Expression};

use crate::error::VarError;
use crate::eval::Kind;
use crate::frontends::terraform::Variable;
use crate::source::SourceMap;

/// The broad shape a type constraint asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    Any,
    Str,
    Number,
    Bool,
    List,
    Map,
}

fn shape(ty: Option<&Expression>) -> Shape {
    let Some(ty) = ty else { return Shape::Any };
    let head: &str = match &ty.kind {
        Expr::Variable(v) => v,
        Expr::FuncCall(f) if f.namespace.is_empty() => f.name.as_str(),
        _ => "",
    };
    match head {
        "string" => Shape::Str,
        "number" => Shape::Number,
        "bool" => Shape::Bool,
        "list" | "set" | "tuple" => Shape::List,
        "map" | "object" => Shape::Map,
        _ => Shape::Any,
    }
}

fn shape_name(s: Shape) -> &'static str {
    match s {
        Shape::Any => "any",
        Shape::Str => "string",
        Shape::Number => "number",
        Shape::Bool => "bool",
        Shape::List => "list",
        Shape::Map => "map or object",
    }
}

/// Checks one `--var` value against its declaration; the error names the variable and where
/// it is declared.
pub fn check(
    name: &str,
    raw: &str,
    var: &Variable<'_>,
    sources: &SourceMap,
) -> Result<(), VarError> {
    let want = shape(var.ty);
    if want == Shape::Str || var.is_string {
        return Ok(());
    }
    let declared = sources.name(var.file);
    let parsed = match crate::frontends::hcl::parse_expr(raw) {
        Ok(e) => crate::eval::terraform::const_value(&e),
        // Untyped variables take an unparsable value as a string, as Terraform does.
        Err(_) if want == Shape::Any => return Ok(()),
        Err(e) => {
            let why = e.message;
            return Err(VarError::DoesNotParse {
                name: name.to_string(),
                raw: raw.to_string(),
                shape: shape_name(want),
                why,
                declared: declared.to_string(),
            });
        }
    };
    let fits = match (&parsed.kind, want) {
        (_, Shape::Any | Shape::Str) => true,
        (Kind::Num(_), Shape::Number) | (Kind::Bool(_), Shape::Bool) => true,
        (Kind::Str(s), Shape::Number) => s.trim().parse::<f64>().is_ok(),
        (Kind::Str(s), Shape::Bool) => matches!(&**s, "true" | "false"),
        (Kind::List(_), Shape::List) | (Kind::Map(_), Shape::Map) => true,
        (Kind::Null, _) => true,
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(VarError::WrongType {
            name: name.to_string(),
            raw: raw.to_string(),
            shape: shape_name(want),
            declared: declared.to_string(),
        })
    }
}

/// The error for `--var` names no scanned root declares.
pub fn undeclared(names: &[&str]) -> Option<VarError> {
    let first = names.first()?;
    Some(VarError::Undeclared {
        name: first.to_string(),
    })
}
