//! Lowering helpers: what turns parsed declarations into IR resources. Nested `resource`
//! declarations are flattened into top-level resources with their full type and parent, as
//! Bicep compiles them to ARM.

use crate::frontends::ir::{Expr, ExprKind, Parent, Resource};

use super::lexer::Piece;

/// A `resource` declared inside another's body, with its type relative to the parent.
pub(super) struct ChildDecl {
    pub(super) res: Resource,
    pub(super) kids: Vec<ChildDecl>,
}

/// Gives nested children their full type and their parent, depth first.
pub(super) fn flatten_children(parent: &Resource, kids: Vec<ChildDecl>, out: &mut Vec<Resource>) {
    for c in kids {
        let mut r = c.res;
        if !(r.ty.contains('/') && r.ty.contains('.')) {
            r.ty = format!("{}/{}", parent.ty, r.ty);
        }
        if r.parent.is_none() {
            if let Some(sym) = &parent.symbol {
                r.parent = Some(Parent::Expr(Box::new(Expr::new(
                    ExprKind::Ident(sym.clone()),
                    r.header,
                ))));
            }
        }
        let mut grand = Vec::new();
        flatten_children(&r, c.kids, &mut grand);
        out.push(r);
        out.extend(grand);
    }
}

/// The text of a string without holes.
pub(super) fn pieces_text(p: &[Piece]) -> Option<String> {
    match p {
        [Piece::Text(s)] => Some(s.clone()),
        _ => None,
    }
}

/// A property of an object literal by name.
pub(super) fn field(body: &Expr, name: &str) -> Option<Expr> {
    let e = match &body.kind {
        ExprKind::For(l) => &l.body,
        _ => body,
    };
    match &e.kind {
        ExprKind::Object(fields) => {
            fields
                .iter()
                .find_map(|(k, v)| match k.as_ref().map(|k| &k.kind) {
                    Some(ExprKind::Str(s)) if &**s == name => Some(v.clone()),
                    _ => None,
                })
        }
        _ => None,
    }
}
