//! Strings that are partly known: known text with holes for what only the platform knows
//! (`'${subscription().id}/resourceGroups/${resourceGroup().name}/providers/...'`).
//!
//! Real templates take resource ids apart (`split(id, '/')[8]`, `last(split(id, '/'))`), so a
//! string with an unknown part must still answer what its known parts decide, and nothing
//! else: every operation here returns `None` (unknown) unless the answer is the same for every
//! filling of the holes. A hole may carry a symbolic key (the canonical text of the expression
//! that made it, in one deployment scope), so two holes with the same key stand for the same
//! unknown text; that is what lets names built with `uniqueString(resourceGroup().id)` link.

use std::sync::Arc;

/// An unknown part of a string.
#[derive(Clone, Debug, PartialEq)]
pub struct Hole {
    /// Why it is unknown (shown with `--show-unknown`).
    pub reason: Arc<str>,
    /// Whatever fills it contains no `/`, so it cannot shift the segments of an id.
    pub no_slash: bool,
    /// Canonical text of the expression it stands for, within one deployment scope: holes with
    /// the same key hold the same text.
    pub key: Option<Arc<str>>,
}

impl Hole {
    /// A hole about which nothing is known.
    pub fn opaque(reason: impl Into<Arc<str>>) -> Hole {
        Hole {
            reason: reason.into(),
            no_slash: false,
            key: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Text(String),
    Hole(Hole),
}

/// A string made of known text and holes; adjacent text is merged and empty text dropped, so
/// two partials built the same way compare equal.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partial {
    pieces: Vec<Piece>,
}

/// What a string operation gives: fully known, or still partial (with at least one hole).
#[derive(Clone, Debug, PartialEq)]
pub enum Text {
    Known(String),
    Partial(Partial),
}

impl Partial {
    pub fn new() -> Partial {
        Partial::default()
    }

    pub fn hole(h: Hole) -> Partial {
        let mut p = Partial::new();
        p.push_hole(h);
        p
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    pub fn push_text(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        match self.pieces.last_mut() {
            Some(Piece::Text(last)) => last.push_str(t),
            _ => self.pieces.push(Piece::Text(t.to_string())),
        }
    }

    pub fn push_hole(&mut self, h: Hole) {
        self.pieces.push(Piece::Hole(h));
    }

    pub fn push(&mut self, other: &Partial) {
        for p in &other.pieces {
            match p {
                Piece::Text(t) => self.push_text(t),
                Piece::Hole(h) => self.push_hole(h.clone()),
            }
        }
    }

    /// Known text length in bytes (a bound for evaluation limits).
    pub fn text_len(&self) -> usize {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.len(),
                Piece::Hole(_) => 0,
            })
            .sum()
    }

    /// The whole text when there is no hole, else the partial itself.
    pub fn into_text(self) -> Text {
        match self.pieces.as_slice() {
            [] => Text::Known(String::new()),
            [Piece::Text(t)] => Text::Known(t.clone()),
            _ => Text::Partial(self),
        }
    }

    fn holes(&self) -> impl Iterator<Item = &Hole> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Hole(h) => Some(h),
            Piece::Text(_) => None,
        })
    }

    /// Why the string is not fully known: the first hole's reason.
    pub fn reason(&self) -> Arc<str> {
        self.holes().next().map_or_else(
            || Arc::from("a part of the string is unknown"),
            |h| h.reason.clone(),
        )
    }

    /// Whatever fills the holes, the string contains no `/` outside its known text.
    pub fn holes_have_no_slash(&self) -> bool {
        self.holes().all(|h| h.no_slash)
    }

    /// A canonical text standing for this string when every hole has a key: equal keys mean
    /// equal strings. Keys are set apart with `⟨⟩`, which no Azure name contains.
    pub fn symbolic_key(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Hole(h) => {
                    out.push('⟨');
                    out.push_str(h.key.as_deref()?);
                    out.push('⟩');
                }
            }
        }
        Some(out)
    }

    /// Known text before the first hole.
    fn prefix(&self) -> &str {
        match self.pieces.first() {
            Some(Piece::Text(t)) => t,
            _ => "",
        }
    }

    /// Known text after the last hole.
    fn suffix(&self) -> &str {
        match self.pieces.last() {
            Some(Piece::Text(t)) if self.pieces.len() > 1 => t,
            _ => "",
        }
    }

    /// `split(s, delim)` when the number of segments is decidable: the delimiter is `/` and no
    /// hole can hold one. Each segment is known or partial.
    pub fn split(&self, delim: &str) -> Option<Vec<Text>> {
        if delim != "/" || !self.holes_have_no_slash() {
            return None;
        }
        let mut out = Vec::new();
        let mut cur = Partial::new();
        for p in &self.pieces {
            match p {
                Piece::Hole(h) => cur.push_hole(h.clone()),
                Piece::Text(t) => {
                    let mut parts = t.split(delim);
                    if let Some(first) = parts.next() {
                        cur.push_text(first);
                    }
                    for part in parts {
                        out.push(std::mem::take(&mut cur).into_text());
                        cur.push_text(part);
                    }
                }
            }
        }
        out.push(cur.into_text());
        Some(out)
    }

    /// The first character, when the string starts with known text.
    pub fn first_char(&self) -> Option<char> {
        self.prefix().chars().next()
    }

    /// The last character, when the string ends with known text.
    pub fn last_char(&self) -> Option<char> {
        self.suffix().chars().last()
    }

    /// `substring(s, start, len)` when the range lies in the known text before the first hole.
    pub fn substring(&self, start: usize, len: usize) -> Option<String> {
        let end = start.checked_add(len)?;
        let chars: Vec<char> = self.prefix().chars().collect();
        chars.get(start..end).map(|c| c.iter().collect())
    }

    /// Whether the string starts with `p` (`fold`: ignoring case, as ARM does).
    pub fn starts_with(&self, p: &str, fold: bool) -> Option<bool> {
        let (known, p) = folded(self.prefix(), p, fold);
        if known.len() >= p.len() {
            Some(known.starts_with(&p))
        } else if p.starts_with(&known) {
            // The hole may complete it, or not.
            None
        } else {
            Some(false)
        }
    }

    /// Whether the string ends with `p`.
    pub fn ends_with(&self, p: &str, fold: bool) -> Option<bool> {
        let (known, p) = folded(self.suffix(), p, fold);
        if known.len() >= p.len() {
            Some(known.ends_with(&p))
        } else if p.ends_with(&known) {
            None
        } else {
            Some(false)
        }
    }

    /// Whether the string contains `x`: true when known text does; otherwise undecidable.
    pub fn contains(&self, x: &str, fold: bool) -> Option<bool> {
        let found = self.pieces.iter().any(|p| match p {
            Piece::Text(t) => {
                let (t, x) = folded(t, x, fold);
                t.contains(&x)
            }
            Piece::Hole(_) => false,
        });
        found.then_some(true)
    }

    /// `replace(s, from, to)` when no occurrence can involve a hole: `from` is `/` and no hole
    /// holds one. Holes keep their key: their text does not change.
    pub fn replace(&self, from: &str, to: &str) -> Option<Partial> {
        if from != "/" || !self.holes_have_no_slash() {
            return None;
        }
        let mut out = Partial::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_text(&t.replace(from, to)),
                Piece::Hole(h) => out.push_hole(h.clone()),
            }
        }
        Some(out)
    }
}

fn folded(a: &str, b: &str, fold: bool) -> (String, String) {
    if fold {
        (a.to_lowercase(), b.to_lowercase())
    } else {
        (a.to_string(), b.to_string())
    }
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    reason = "tests fail by panicking"
)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn no_slash(key: &str) -> Hole {
        Hole {
            reason: Arc::from(format!("{key} is unknown")),
            no_slash: true,
            key: Some(Arc::from(key)),
        }
    }

    /// `${subscription().id}/resourceGroups/${rg}/providers/.../virtualNetworks/vnet1/subnets/nodes`
    fn subnet_id() -> Partial {
        let mut p = Partial::new();
        p.push_text("/subscriptions/");
        p.push_hole(no_slash("sub"));
        p.push_text("/resourceGroups/");
        p.push_hole(no_slash("rg"));
        p.push_text("/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/nodes");
        p
    }

    #[test]
    fn known_segments_of_an_id_resolve() {
        let segs = subnet_id().split("/").unwrap();
        assert_eq!(segs.len(), 11);
        assert_eq!(segs[8], Text::Known("vnet1".into()));
        assert_eq!(segs[10], Text::Known("nodes".into()));
        assert!(matches!(segs[2], Text::Partial(_)));
    }

    #[test]
    fn a_hole_that_may_hold_a_slash_makes_segments_undecidable() {
        let mut p = Partial::hole(Hole::opaque("a parameter"));
        p.push_text("/subnets/nodes");
        assert_eq!(p.split("/"), None);
        assert_eq!(subnet_id().split("-"), None);
    }

    #[test]
    fn prefixes_and_suffixes_decide_what_they_can() {
        let p = subnet_id();
        assert_eq!(p.starts_with("/SUBSCRIPTIONS/", true), Some(true));
        assert_eq!(p.starts_with("/subscriptions/x", false), None);
        assert_eq!(p.starts_with("/resourceGroups", false), Some(false));
        assert_eq!(p.ends_with("/nodes", false), Some(true));
        assert_eq!(p.contains("virtualNetworks", false), Some(true));
        assert_eq!(p.contains("zzz", false), None);
        assert_eq!(p.substring(1, 13), Some("subscriptions".into()));
        assert_eq!(p.substring(10, 10), None);
        assert_eq!(p.first_char(), Some('/'));
        assert_eq!(p.last_char(), Some('s'));
    }

    #[test]
    fn equal_keys_give_equal_symbolic_text() {
        let mut a = Partial::hole(no_slash("uniquestring(rg)"));
        a.push_text("vnet");
        let mut b = Partial::hole(no_slash("uniquestring(rg)"));
        b.push_text("vnet");
        assert_eq!(a.symbolic_key(), b.symbolic_key());
        assert!(a.symbolic_key().is_some());
        assert_eq!(Partial::hole(Hole::opaque("x")).symbolic_key(), None);
    }

    /// A string fully known, and the same string with some of its pieces made holes.
    fn filled_and_partial() -> impl Strategy<Value = (String, Partial)> {
        let piece = prop_oneof![
            Just("/".to_string()),
            "[a-zA-Z0-9]{0,4}".prop_map(|s| s),
            "[a-z/]{0,4}".prop_map(|s| s),
        ];
        prop::collection::vec((piece, any::<bool>()), 0..10).prop_map(|pieces| {
            let mut full = String::new();
            let mut p = Partial::new();
            for (i, (text, hidden)) in pieces.into_iter().enumerate() {
                full.push_str(&text);
                if hidden {
                    p.push_hole(Hole {
                        reason: Arc::from("hidden"),
                        no_slash: !text.contains('/'),
                        key: Some(Arc::from(format!("k{i}"))),
                    });
                } else {
                    p.push_text(&text);
                }
            }
            (full, p)
        })
    }

    fn known(t: &Text) -> Option<&str> {
        match t {
            Text::Known(s) => Some(s),
            Text::Partial(_) => None,
        }
    }

    proptest! {
        /// Whatever a partial string decides, the full string decides the same.
        #[test]
        fn partial_answers_agree_with_every_filling(
            (full, p) in filled_and_partial(),
            start in 0usize..12,
            len in 0usize..12,
            probe in "[a-z/]{0,3}",
        ) {
            if let Some(segs) = p.split("/") {
                let real: Vec<&str> = full.split('/').collect();
                prop_assert_eq!(segs.len(), real.len());
                for (s, r) in segs.iter().zip(&real) {
                    if let Some(k) = known(s) {
                        prop_assert_eq!(k, *r);
                    }
                }
            }
            if let Some(s) = p.substring(start, len) {
                let real: String = full.chars().skip(start).take(len).collect();
                prop_assert_eq!(s, real);
            }
            if let Some(b) = p.starts_with(&probe, false) {
                prop_assert_eq!(b, full.starts_with(&probe));
            }
            if let Some(b) = p.ends_with(&probe, false) {
                prop_assert_eq!(b, full.ends_with(&probe));
            }
            if let Some(b) = p.contains(&probe, false) {
                prop_assert_eq!(b, full.contains(&probe));
            }
            if let Some(c) = p.first_char() {
                prop_assert_eq!(Some(c), full.chars().next());
            }
            if let Some(c) = p.last_char() {
                prop_assert_eq!(Some(c), full.chars().last());
            }
            if let Some(r) = p.replace("/", "-") {
                if let Text::Known(k) = r.into_text() {
                    prop_assert_eq!(k, full.replace('/', "-"));
                }
            }
        }
    }
}
