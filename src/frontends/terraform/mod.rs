//! Terraform frontend: parses `.tf` and `.tfvars` with the HCL parser, which keeps byte spans on
//! every node, and indexes each module directory's declarations (variables, locals,
//! resources, data sources, module calls, outputs) for the evaluator. Nothing is evaluated here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt};

use crate::frontends::hcl::{self, Block, Body, Expr, Expression, Spanned};

use crate::source::{FileId, SourceMap, Span};

/// A file that could not be parsed.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

/// Parses one `.tf`/`.tfvars` file.
pub fn parse_file(sources: &SourceMap, file: FileId) -> Result<Body, ParseError> {
    let Some(text) = sources.text(file) else {
        return Err(ParseError {
            span: Span::new(file, 0..0),
            message: "file not loaded".into(),
        });
    };
    parse_hcl(&text).map_err(|(off, message)| {
        let off = off.min(text.len());
        let end = text
            .get(off..)
            .unwrap_or("")
            .char_indices()
            .nth(1)
            .map_or(text.len(), |(i, _)| off + i);
        ParseError {
            span: Span::new(file, off..end),
            message,
        }
    })
}

/// Parses HCL text; an error is its byte offset and the first line of the parser's message.
/// A parsed file, or the offset and message of its first syntax error.
pub type Parsed = Result<Body, (usize, String)>;

pub fn parse_hcl(text: &str) -> Parsed {
    hcl::parse_body(text).map_err(|e| (e.offset, e.message))
}

/// Span of a node that came out of the parser (falls back to the file start).
pub fn span_of(file: FileId, node: &impl Spanned) -> Span {
    Span::new(file, node.span())
}

/// The header of a block: from its identifier through its last label.
pub fn header_span(file: FileId, block: &Block) -> Span {
    let start = block.ident.span().start;
    let end = block.labels.last().unwrap_or(&block.ident).span().end;
    Span::new(file, start..end)
}

pub struct Variable<'a> {
    pub file: FileId,
    pub default: Option<&'a Expression>,
    /// `type = string` or no type: `-var` values are taken as raw strings, the way Terraform
    /// does (other types parse them as HCL).
    pub is_string: bool,
    /// The type constraint, for `optional()` attribute defaults.
    pub ty: Option<&'a Expression>,
}

pub struct Resource<'a> {
    pub data: bool,
    pub ty: String,
    pub name: String,
    pub file: FileId,
    pub body: &'a Body,
    pub header: Span,
}

pub struct Call<'a> {
    pub name: String,
    pub source: Option<String>,
    pub file: FileId,
    pub body: &'a Body,
    pub header: Span,
}

/// One directory of `.tf` files: a Terraform module.
pub struct Module<'a> {
    pub dir: PathBuf,
    pub files: Vec<FileId>,
    pub variables: BTreeMap<String, Variable<'a>>,
    pub locals: HashMap<String, (FileId, &'a Expression)>,
    pub resources: Vec<Resource<'a>>,
    pub res_index: HashMap<(bool, String, String), usize>,
    pub calls: Vec<Call<'a>>,
    pub call_index: HashMap<String, usize>,
    pub outputs: HashMap<String, (FileId, &'a Expression)>,
}

impl<'a> Module<'a> {
    /// Indexes the top-level blocks of a module's files.
    pub fn index(dir: &Path, files: &[(FileId, &'a Body)]) -> Module<'a> {
        let mut m = Module {
            dir: dir.to_path_buf(),
            files: files.iter().map(|(f, _)| *f).collect(),
            variables: BTreeMap::new(),
            locals: HashMap::new(),
            resources: Vec::new(),
            res_index: HashMap::new(),
            calls: Vec::new(),
            call_index: HashMap::new(),
            outputs: HashMap::new(),
        };
        for &(file, body) in files {
            for block in body.blocks() {
                let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
                match (block.ident.as_str(), labels.as_slice()) {
                    ("variable", [name]) => {
                        // Terraform takes `-var` values literally for `string` and for a variable
                        // without a type constraint; other types parse them as HCL.
                        let is_string = block.body.get_attribute("type").is_none_or(
                            |a| matches!(&a.value.kind, Expr::Variable(v) if &**v == "string"),
                        );
                        m.variables.insert(
                            name.to_string(),
                            Variable {
                                file,
                                default: block.body.get_attribute("default").map(|a| &a.value),
                                is_string,
                                ty: block.body.get_attribute("type").map(|a| &a.value),
                            },
                        );
                    }
                    ("locals", []) => {
                        for attr in block.body.attributes() {
                            m.locals
                                .insert(attr.key.as_str().to_string(), (file, &attr.value));
                        }
                    }
                    (kind @ ("resource" | "data"), [ty, name]) => {
                        let data = kind == "data";
                        m.res_index
                            .insert((data, ty.to_string(), name.to_string()), m.resources.len());
                        m.resources.push(Resource {
                            data,
                            ty: ty.to_string(),
                            name: name.to_string(),
                            file,
                            body: &block.body,
                            header: header_span(file, block),
                        });
                    }
                    ("module", [name]) => {
                        let source =
                            block
                                .body
                                .get_attribute("source")
                                .and_then(|a| match &a.value.kind {
                                    Expr::String(s) => Some(s.to_string()),
                                    _ => None,
                                });
                        m.call_index.insert(name.to_string(), m.calls.len());
                        m.calls.push(Call {
                            name: name.to_string(),
                            source,
                            file,
                            body: &block.body,
                            header: header_span(file, block),
                        });
                    }
                    ("output", [name]) => {
                        if let Some(a) = block.body.get_attribute("value") {
                            m.outputs.insert(name.to_string(), (file, &a.value));
                        }
                    }
                    _ => {}
                }
            }
        }
        m
    }
}

/// Local module sources start with `./` or `../` (Terraform's rule).
pub fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// Lexically resolves `base/rel` (no filesystem access, so symlinks cannot redirect it).
pub fn join_normalized(base: &Path, rel: &str) -> PathBuf {
    let mut out = base.to_path_buf();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out
}

/// `.terraform/modules/modules.json`: module key (`a` or `a.b`) -> directory.
pub fn read_modules_json(root_dir: &Path, text: &str) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return out;
    };
    for m in v
        .get("Modules")
        .and_then(|m| m.as_array())
        .into_iter()
        .flatten()
    {
        if let (Some(key), Some(dir)) = (
            m.get("Key").and_then(|k| k.as_str()),
            m.get("Dir").and_then(|d| d.as_str()),
        ) {
            if !key.is_empty() {
                out.insert(key.to_string(), join_normalized(root_dir, dir));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_has_location() {
        let mut map = SourceMap::default();
        let id = map.add("bad.tf".into(), "resource \"a\" \"b\" {\n  x = \n".into());
        let err = parse_file(&map, id).err();
        assert!(err.is_some_and(|e| e.span.start > 0));
    }

    #[test]
    fn normalizes_relative_sources() {
        let p = join_normalized(Path::new("/r/envs/prod"), "../../modules/aks");
        assert_eq!(p, PathBuf::from("/r/modules/aks"));
    }
}
