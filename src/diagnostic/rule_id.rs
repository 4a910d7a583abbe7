//! Rule IDs. Rule files name their own (`rules/<ID>.toml`); the IDs the tool reports itself
//! (parse and evaluation problems, suppression diagnostics) are the associated constants here,
//! so code that raises or recognizes them cannot misspell one.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::{Serialize, Serializer};

/// A rule ID such as `OVL001`: borrowed for the tool's own IDs, owned for rule files'.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(Cow<'static, str>);

impl RuleId {
    /// A file cannot be read or parsed.
    pub const PARSE001: RuleId = RuleId::from_static("PARSE001");
    /// A file is a template for another tool (Go/Jinja markers) and is skipped.
    pub const PARSE002: RuleId = RuleId::from_static("PARSE002");
    /// A rule could not decide because a value is unknown (`--show-unknown`).
    pub const EVAL001: RuleId = RuleId::from_static("EVAL001");
    /// Evaluation stopped at a cycle or a limit.
    pub const EVAL002: RuleId = RuleId::from_static("EVAL002");
    /// An inline suppression that suppresses nothing.
    pub const SUPPRESS001: RuleId = RuleId::from_static("SUPPRESS001");
    /// An inline suppression without a reason.
    pub const SUPPRESS002: RuleId = RuleId::from_static("SUPPRESS002");
    /// A suppression naming an unknown rule.
    pub const SUPPRESS003: RuleId = RuleId::from_static("SUPPRESS003");

    pub const fn from_static(id: &'static str) -> RuleId {
        RuleId(Cow::Borrowed(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for RuleId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for RuleId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`: tables align IDs with `{:<width$}`.
        f.pad(&self.0)
    }
}

impl From<&'static str> for RuleId {
    fn from(id: &'static str) -> RuleId {
        RuleId::from_static(id)
    }
}

impl From<String> for RuleId {
    fn from(id: String) -> RuleId {
        RuleId(Cow::Owned(id))
    }
}

impl From<RuleId> for String {
    fn from(id: RuleId) -> String {
        id.0.into_owned()
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for RuleId {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

/// As the plain string, so the JSON and baseline formats stay as they were.
impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}
