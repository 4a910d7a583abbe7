//! Quoted strings, heredocs and the template language inside them (`${}` interpolations,
//! `%{ if }` and `%{ for }` directives).

use super::ast::{Element, Expr, Template};
use super::{Parser, Result};

/// Where a run of template elements ends.
#[derive(Clone, Copy)]
enum Until<'d> {
    /// A closing `"`; escapes are decoded.
    Quote,
    /// A `%{` that opens no directive (`else`, `endif`, `endfor`), or the end of the text.
    Directive,
    /// A line holding only the delimiter (after optional spaces).
    Heredoc(&'d str),
}

impl<'a> Parser<'a> {
    /// A quoted string: a plain string when it has no interpolation or directive, else a
    /// template.
    pub(super) fn quoted(&mut self) -> Result<Expr> {
        self.expect(b'"')?;
        let elements = self.elements(Until::Quote)?;
        self.expect(b'"')?;
        Ok(plain(elements))
    }

    /// A quoted string without interpolations or directives (a block label); `None` when it
    /// has one. Escapes are decoded.
    pub(super) fn quoted_string_literal(&mut self) -> Result<Option<String>> {
        let start = self.pos;
        match self.quoted()? {
            Expr::String(s) => Ok(Some(s.into())),
            _ => {
                self.pos = start;
                Ok(None)
            }
        }
    }

    fn elements(&mut self, until: Until<'_>) -> Result<Vec<Element>> {
        let mut out = Vec::new();
        let mut lit = String::new();
        loop {
            let start = self.pos;
            // Plain text up to the next byte that may matter.
            while let Some(b) = self.peek() {
                match (b, until) {
                    (b'$' | b'%', _) => break,
                    (b'"' | b'\\', Until::Quote) => break,
                    (b'\n' | b'\r', Until::Heredoc(_)) => break,
                    _ => self.pos += 1,
                }
            }
            lit.push_str(self.text(start, self.pos));
            let Some(b) = self.peek() else {
                return match until {
                    Until::Quote => Err(self.error("unterminated string")),
                    _ => Ok(finish(out, lit)),
                };
            };
            match b {
                b'"' => return Ok(finish(out, lit)),
                b'\\' => lit.push(self.escape()?),
                b'\n' | b'\r' => {
                    if let Until::Heredoc(delim) = until {
                        if self.at_heredoc_end(delim) {
                            return Ok(finish(out, lit));
                        }
                    }
                    lit.push(char::from(b));
                    self.pos += 1;
                }
                _ => {
                    // `${` or `%{`, escaped by doubling the sign.
                    if self.eat("$${") {
                        lit.push_str("${");
                    } else if self.eat("%%{") {
                        lit.push_str("%{");
                    } else if self.starts_with("${") {
                        flush(&mut out, &mut lit);
                        out.push(Element::Interpolation(self.interpolation()?));
                    } else if self
                        .directive_keyword()
                        .is_some_and(|k| k == "if" || k == "for")
                    {
                        flush(&mut out, &mut lit);
                        self.directive()?;
                        out.push(Element::Directive);
                    } else if self.starts_with("%{") {
                        return match until {
                            Until::Quote => Err(self.error("expected `%{ if` or `%{ for`")),
                            _ => Ok(finish(out, lit)),
                        };
                    } else {
                        // A `$` or `%` that opens nothing.
                        lit.push(char::from(b));
                        self.pos += 1;
                    }
                }
            }
        }
    }

    /// A backslash escape in a quoted string.
    fn escape(&mut self) -> Result<char> {
        self.pos += 1;
        let Some(b) = self.peek() else {
            return Err(self.error("unterminated escape sequence"));
        };
        self.pos += 1;
        Ok(match b {
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'\\' => '\\',
            b'"' => '"',
            b'/' => '/',
            b'b' => '\u{08}',
            b'f' => '\u{0C}',
            b'u' => self.hex_escape(4)?,
            b'U' => self.hex_escape(8)?,
            _ => {
                self.pos -= 1;
                return Err(self.error("invalid escape sequence"));
            }
        })
    }

    fn hex_escape(&mut self, digits: usize) -> Result<char> {
        let hex = self.text(self.pos, self.pos + digits);
        let c = (hex.len() == digits && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
            .and_then(char::from_u32);
        match c {
            Some(c) => {
                self.pos += digits;
                Ok(c)
            }
            None => Err(self.error("invalid unicode escape")),
        }
    }

    /// `${ expression }`, with optional `~` strip markers (kept out of the value, as hcl-edit
    /// does).
    fn interpolation(&mut self) -> Result<super::ast::Expression> {
        self.pos += 2;
        self.eat("~");
        self.skip_ws();
        let e = self.multiline_expr()?;
        self.skip_ws();
        self.eat("~");
        self.expect(b'}')?;
        Ok(e)
    }

    /// The keyword after a `%{` here (`if`, `else`, ...), without consuming anything. Like a
    /// tag, it is a prefix: `%{ iffy }` starts an `if`.
    fn directive_keyword(&self) -> Option<&'static str> {
        if !self.starts_with("%{") {
            return None;
        }
        let mut p = Parser {
            pos: self.pos + 2,
            ..*self
        };
        p.eat("~");
        p.skip_ws();
        ["endif", "endfor", "else", "if", "for"]
            .into_iter()
            .find(|k| p.starts_with(k))
    }

    /// `%{`, an optional `~`, whitespace and `keyword`.
    fn directive_open(&mut self, keyword: &str) -> Result<()> {
        self.expect(b'%')?;
        self.expect(b'{')?;
        self.eat("~");
        self.skip_ws();
        if !self.eat(keyword) {
            return Err(self.error(&format!("expected `{keyword}`")));
        }
        self.skip_ws();
        Ok(())
    }

    /// An optional `~`, then `}`.
    fn directive_close(&mut self) -> Result<()> {
        self.eat("~");
        self.expect(b'}')
    }

    /// `%{ if c }...%{ else }...%{ endif }` or `%{ for x in xs }...%{ endfor }`: checked, not
    /// kept.
    fn directive(&mut self) -> Result<()> {
        if self.directive_keyword() == Some("if") {
            self.directive_open("if")?;
            self.expr()?;
            self.skip_ws();
            self.directive_close()?;
            self.nested(|p| p.elements(Until::Directive))?;
            if self.directive_keyword() == Some("else") {
                self.directive_open("else")?;
                self.directive_close()?;
                self.nested(|p| p.elements(Until::Directive))?;
            }
            self.directive_open("endif")?;
            self.directive_close()
        } else {
            self.directive_open("for")?;
            self.for_variable()?;
            if self.eat(",") {
                self.skip_ws();
                self.for_variable()?;
            }
            if !self.eat("in") {
                return Err(self.error("expected `in`"));
            }
            self.skip_ws();
            self.expr()?;
            self.skip_ws();
            self.directive_close()?;
            self.nested(|p| p.elements(Until::Directive))?;
            self.directive_open("endfor")?;
            self.directive_close()
        }
    }

    /// A `for` variable and the whitespace after it.
    pub(super) fn for_variable(&mut self) -> Result<super::ast::Ident> {
        let start = self.pos;
        let Some((name, _)) = self.ident() else {
            return Err(self.error("expected an identifier"));
        };
        let ident = super::ast::Ident::new(name, start..self.pos);
        self.skip_ws();
        Ok(ident)
    }

    /// Whether a line ending here is followed by a line that holds only `delim` (after spaces
    /// or tabs).
    fn at_heredoc_end(&self, delim: &str) -> bool {
        let mut p = Parser { ..*self };
        if !p.eat_line_ending() {
            return false;
        }
        p.at_delimiter(delim)
    }

    /// Spaces or tabs, then `delim` not followed by an identifier character.
    fn at_delimiter(&self, delim: &str) -> bool {
        let mut p = Parser { ..*self };
        while matches!(p.peek(), Some(b' ' | b'\t')) {
            p.pos += 1;
        }
        p.eat(delim) && !p.at_ident_continue()
    }

    /// `<<EOT` or `<<-EOT`, its lines, and the line holding `EOT`. The text includes the last
    /// line's ending; `<<-` removes the lines' common indentation.
    pub(super) fn heredoc(&mut self) -> Result<Expr> {
        self.pos += 2;
        let indented = self.eat("-");
        let Some((delim, _)) = self.ident() else {
            return Err(self.error("expected the heredoc's delimiter"));
        };
        if !self.eat_line_ending() {
            return Err(self.error("expected a newline after the heredoc's delimiter"));
        }
        let mut elements = Vec::new();
        if !self.at_delimiter(delim) {
            elements = self.elements(Until::Heredoc(delim))?;
            let start = self.pos;
            if !self.eat_line_ending() {
                return Err(self.error(&format!("expected `{delim}` ending the heredoc")));
            }
            let ending = self.text(start, self.pos);
            match elements.last_mut() {
                Some(Element::Literal(l)) => l.push_str(ending),
                _ => elements.push(Element::Literal(ending.to_string())),
            }
        }
        if !self.at_delimiter(delim) {
            return Err(self.error(&format!("expected `{delim}` ending the heredoc")));
        }
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos += delim.len();
        let mut template = Template { elements };
        if indented {
            dedent(&mut template);
        }
        Ok(Expr::HeredocTemplate(template))
    }
}

fn flush(out: &mut Vec<Element>, lit: &mut String) {
    if !lit.is_empty() {
        out.push(Element::Literal(std::mem::take(lit)));
    }
}

fn finish(mut out: Vec<Element>, mut lit: String) -> Vec<Element> {
    flush(&mut out, &mut lit);
    out
}

/// A string without interpolations is a plain string.
fn plain(mut elements: Vec<Element>) -> Expr {
    match elements.as_mut_slice() {
        [] => Expr::String("".into()),
        [Element::Literal(l)] => Expr::String(std::mem::take(l).into()),
        _ => Expr::StringTemplate(Template { elements }),
    }
}

/// Removes from every line of an indented heredoc the least indentation of its lines, as
/// hcl-edit does: lines are counted across the top-level literals, an interpolation at the
/// start of a line forbids any removal, and a literal with a line that has no indentation at
/// all does not constrain the amount.
fn dedent(t: &mut Template) {
    let mut indent: Option<usize> = None;
    let mut skip_first = false;
    for el in &t.elements {
        match el {
            Element::Literal(l) => {
                if let Some(n) = least_indent(l, skip_first) {
                    indent = Some(indent.map_or(n, |i| i.min(n)));
                }
                skip_first = !l.ends_with('\n');
            }
            _ if !skip_first => return,
            _ => {}
        }
    }
    let Some(indent) = indent else { return };
    let mut skip_first = false;
    for el in &mut t.elements {
        match el {
            Element::Literal(l) => {
                *l = dedent_by(l, indent, skip_first);
                skip_first = !l.ends_with('\n');
            }
            _ => skip_first = true,
        }
    }
}

fn least_indent(s: &str, skip_first: bool) -> Option<usize> {
    let mut least: Option<usize> = None;
    for (i, line) in s.lines().enumerate() {
        if (i == 0 && skip_first) || line.is_empty() {
            continue;
        }
        let n = line.chars().take_while(|c| c.is_whitespace()).count();
        if n == 0 {
            return None;
        }
        least = Some(least.map_or(n, |l| l.min(n)));
    }
    least
}

fn dedent_by(s: &str, n: usize, skip_first: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.lines().enumerate() {
        if i == 0 && skip_first {
            out.push_str(line);
        } else if !line.is_empty() {
            out.extend(line.chars().skip(n));
        }
        out.push('\n');
    }
    if !s.ends_with('\n') {
        out.pop();
    }
    out
}
