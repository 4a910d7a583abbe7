//! Text operators: a pattern, a length, or that a value is there at all.

use regex::Regex;

use super::Probe;

pub enum Op {
    Matches(Regex),
    LongerThan(usize),
    Present,
}

impl Op {
    pub fn test(&self, p: &Probe<'_>) -> bool {
        match self {
            Op::Matches(re) => p.value.as_str().is_some_and(|s| re.is_match(s)),
            Op::LongerThan(n) => p.value.as_str().is_some_and(|s| s.chars().count() > *n),
            Op::Present => true,
        }
    }
}
