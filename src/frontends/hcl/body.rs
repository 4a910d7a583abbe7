//! Bodies: attributes and blocks, one per line.

use foldhash::HashSet;

use super::ast::{Attribute, Block, Body, Expression, Ident, Structure};
use super::{Parser, Result};

impl<'a> Parser<'a> {
    /// Structures up to the first thing that cannot start one (`}` or the end), each ended by a
    /// newline or the end of the text.
    pub(super) fn body(&mut self) -> Result<Body> {
        let mut structures = Vec::new();
        let mut keys = Keys::default();
        loop {
            self.skip_ws();
            if !self.at_ident_start() {
                return Ok(Body { structures });
            }
            structures.push(self.structure(&mut keys)?);
            self.skip_sp();
            self.skip_line_comment();
            if !(self.eat_line_ending() || self.at_end()) {
                return Err(self.error("expected a newline after the attribute or block"));
            }
        }
    }

    fn structure(&mut self, keys: &mut Keys<'a>) -> Result<Structure> {
        let Some((name, start)) = self.ident() else {
            return Err(self.error("expected an identifier"));
        };
        let ident = Ident::new(name, start..self.pos);
        self.skip_sp();
        match self.peek() {
            Some(b'=') => {
                if !keys.insert(name) {
                    self.pos = start;
                    return Err(self.error(&format!("attribute `{name}` is defined twice")));
                }
                let value = self.attribute_value()?;
                Ok(Structure::Attribute(Attribute { key: ident, value }))
            }
            Some(b'{') => Ok(Structure::Block(Block {
                ident,
                labels: Vec::new(),
                body: self.block_body()?,
            })),
            Some(b'"') => self.labelled(ident),
            _ if self.at_ident_start() => self.labelled(ident),
            _ => Err(self.error("expected `=`, `{`, a label or an identifier")),
        }
    }

    /// `= expression`.
    fn attribute_value(&mut self) -> Result<Expression> {
        self.expect(b'=')?;
        self.skip_sp();
        self.root_expr()
    }

    fn labelled(&mut self, ident: Ident) -> Result<Structure> {
        let mut labels = Vec::new();
        loop {
            let start = self.pos;
            if self.peek() == Some(b'"') {
                // A label is a plain string: an interpolation ends the labels (and then the
                // block is missing its `{`).
                match self.quoted_string_literal()? {
                    Some(text) => labels.push(Ident::new(text, start..self.pos)),
                    None => {
                        self.pos = start;
                        break;
                    }
                }
            } else if let Some((name, _)) = self.ident() {
                labels.push(Ident::new(name, start..self.pos));
            } else {
                break;
            }
            self.skip_sp();
        }
        Ok(Structure::Block(Block {
            ident,
            labels,
            body: self.block_body()?,
        }))
    }

    /// `{`, then a newline and a body, or one attribute (or none) on the same line; then `}`.
    fn block_body(&mut self) -> Result<Body> {
        self.nested(|p| {
            p.expect(b'{')?;
            let open = p.pos;
            p.skip_sp();
            p.skip_line_comment();
            let body = if p.eat_line_ending() {
                p.body()?
            } else {
                p.pos = open;
                p.skip_sp();
                let mut structures = Vec::new();
                let start = p.pos;
                if let Some((name, _)) = p.ident() {
                    let key = Ident::new(name, start..p.pos);
                    p.skip_sp();
                    let value = p.attribute_value()?;
                    structures.push(Structure::Attribute(Attribute { key, value }));
                    p.skip_sp();
                }
                Body { structures }
            };
            if p.peek() != Some(b'}') {
                return Err(p.error("expected `}` or a newline"));
            }
            p.pos += 1;
            Ok(body)
        })
    }
}

/// The attribute names of one body, to reject a second definition: a list while it is short
/// (most bodies), a set once it is long (a `locals` block of thousands).
#[derive(Default)]
struct Keys<'a> {
    few: Vec<&'a str>,
    many: HashSet<&'a str>,
}

impl<'a> Keys<'a> {
    const FEW: usize = 32;

    /// Adds `key`; false when it was there already.
    fn insert(&mut self, key: &'a str) -> bool {
        if self.few.len() < Self::FEW {
            if self.few.contains(&key) {
                return false;
            }
            self.few.push(key);
            return true;
        }
        if self.many.is_empty() {
            self.many.extend(self.few.iter().copied());
        }
        self.many.insert(key)
    }
}
