//! Why a rule file does not load. Rules are embedded and checked by the tests, so a user sees
//! these only from a broken build; they still name the file and the field at fault.

/// A rule file that fails to parse, validate or compile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    /// The file and what is wrong in it.
    #[error("rules/{name}: {err}")]
    InFile { name: String, err: Box<RuleError> },
    #[error("rules/{name}: id {id} does not match the file name")]
    IdMismatch { name: String, id: String },
    /// TOML or JSON that does not fit the schema (the deserializer's message; kept as text so
    /// the registry can hand the same error to every caller).
    #[error("{0}")]
    Syntax(String),
    #[error("a rule cites at least one source")]
    NoSource,
    #[error("a source needs `doc` or `url`")]
    SourceWithoutLink,
    #[error("no source has a public `url` (a seed document alone cannot be linked from the docs or SARIF)")]
    NoPublicSource,
    #[error("a retired rule says why in `retired`")]
    RetiredWithoutReason,
    /// A table an active rule needs (`applies_to`, `condition`, `message`).
    #[error("missing [{0}]")]
    Missing(&'static str),
    #[error("`{path}` is not a field of {kind} documents (see docs/subjects.md)")]
    UndeclaredPath { path: String, kind: &'static str },
    #[error("placeholder {{{0}}} does not resolve")]
    Placeholder(String),
    #[error("placeholder {{{0}}} is not a field name")]
    PlaceholderField(String),
    #[error("invalid JSONPath `{path}`: {message}")]
    JsonPath { path: String, message: String },
    #[error("invalid CIDR `{0}` in rule")]
    Cidr(String),
    #[error("invalid regex `{pattern}`: {source}")]
    Regex {
        pattern: String,
        source: regex::Error,
    },
    #[error("invalid version `{0}`")]
    Version(String),
    #[error("unknown fact `{0}`")]
    UnknownFact(String),
}
