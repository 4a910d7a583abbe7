//! `--format svg` and the lanes the HTML page embeds: every lane is a row with its label on
//! the left and its scale's range as a bar; members are drawn at their place on that scale
//! (never narrower than a hairline), free blocks as gaps, conflicts hatched in red and linked
//! to their rule. Data attributes carry what the page's script shows on hover and click.

use std::fmt::Write as _;

use foldhash::{HashMap, HashMapExt};

use super::layout::{position, Conflict, Free, Laid, Lane, LaneKind, Proposal};
use super::plan::{Range, RangeKind};
use crate::cidr;

/// Width of the label column and of the bars, in pixels.
pub const LABEL_W: f64 = 300.0;
pub const BAR_W: f64 = 900.0;
pub const LANE_H: f64 = 46.0;
const BAR_Y: f64 = 6.0;
const BAR_H: f64 = 20.0;
/// The narrowest a range is drawn, so a /28 in a /8 is still there to hover.
const MIN_W: f64 = 2.0;

/// The hatch pattern conflicts fill with; once per document.
pub const DEFS: &str = r##"<defs><pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fde2e2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d00000" stroke-width="3"/></pattern></defs>"##;

/// CSS for the picture, shared by the SVG and the page.
pub const STYLE: &str = "text{font-family:system-ui,sans-serif;font-size:12px;fill:#222}\
.lane-label{font-weight:600}.lane-vnet .lane-label,.lane-cluster .lane-label{font-weight:400}\
.scale{fill:#e8e8e8;stroke:#999}.lane-cluster .scale{fill:#fafafa}.free{fill:#fff}.free.largest{stroke:#69a;stroke-dasharray:3 2}\
.free-label{font-size:9px;fill:#367}.range-below{font-size:10px}.range-below.over{fill:#b00000;font-weight:600}\
.lane-sub{font-size:10px;fill:#666}.gauge{fill:#fff;stroke:#4a8;stroke-width:.6}.range{stroke:#333;stroke-width:.6}\
.kind-vnet{fill:#cfe3ff}.kind-subnet{fill:#9cc3f5}.kind-pod{fill:#d7f0d0}.kind-service{fill:#ffe9b3}\
.kind-on_prem{fill:#e3d3f5}.kind-reserved{fill:#ddd;stroke-dasharray:2 2}.virtual{fill-opacity:.55;stroke-dasharray:4 2}\
.cap{fill:#4a8}.cap.over{fill:#d00000}.conflict{stroke:#d00000;stroke-width:1.2}.proposal{fill:none;stroke:#1f5fbf;stroke-width:1.5;stroke-dasharray:4 2}\
.range-label{font-size:10px;paint-order:stroke;stroke:#fff;stroke-width:3px;pointer-events:none}.unknown{fill:#fff;stroke:#888;stroke-dasharray:4 3}";

/// Escapes text for XML content and attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// `text` cut to `max` characters with an ellipsis (the full text stays in a hover).
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut t: String = text.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// Lookups one variant's lanes need.
pub struct Index<'a> {
    ranges: HashMap<&'a str, &'a Range>,
    free: HashMap<&'a str, Vec<&'a Free>>,
    conflicts: &'a [Conflict],
    proposals: &'a [Proposal],
}

impl<'a> Index<'a> {
    pub fn new(v: &'a Laid) -> Index<'a> {
        let mut free: HashMap<&str, Vec<&Free>> = HashMap::new();
        for f in &v.free {
            free.entry(f.parent.as_str()).or_default().push(f);
        }
        Index {
            ranges: v.ranges.iter().map(|r| (r.id.as_str(), r)).collect(),
            free,
            conflicts: &v.conflicts,
            proposals: &v.proposals,
        }
    }

    pub fn range(&self, id: &str) -> Option<&'a Range> {
        self.ranges.get(id).copied()
    }
}

fn rule_url(rule: &str) -> String {
    format!(
        "{}/blob/main/docs/rules/{rule}.md",
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// What a range says on hover.
fn describe(r: &Range) -> String {
    let mut t = format!("{} {} ({:?})", r.name, cidr::canonical(&r.cidr), r.kind);
    t = t.replace("(Vnet)", "(VNet)");
    let _ = write!(t, "\n{} addresses", cidr::size(&r.cidr));
    if let Some(c) = &r.capacity {
        match (c.needed, &c.unknown) {
            (Some(n), _) => {
                let _ = write!(t, "\n{} usable, {n} needed at full scale", c.usable);
            }
            (None, Some(why)) => {
                let _ = write!(t, "\n{} usable, need unknown: {why}", c.usable);
            }
            _ => {}
        }
    }
    if r.is_virtual {
        t.push_str("\noverlay pod CIDR: virtual, may be reused by other clusters");
    }
    if !r.peered_with.is_empty() {
        let _ = write!(t, "\npeered with {}", r.peered_with.join(", "));
    }
    if !r.clusters.is_empty() {
        let _ = write!(t, "\nused by {}", r.clusters.join(", "));
    }
    if let Some(c) = &r.chain {
        let _ = write!(t, "\n{c}");
    } else if let Some(s) = &r.source {
        let _ = write!(t, "\n{s}");
    }
    t
}

/// A label under the bar, placed left to right where it does not collide with another.
struct Below {
    x: f64,
    text: String,
    class: &'static str,
}

/// Keeps the labels that fit on the one row under the bar, in the order given (ranges
/// before free blocks), about 5.5 px a character at 9-10 px.
fn place(labels: Vec<Below>) -> Vec<Below> {
    let mut taken: Vec<(f64, f64)> = Vec::new();
    let mut out = Vec::new();
    for l in labels {
        let x =
            l.x.min(LABEL_W + BAR_W - l.text.len() as f64 * 5.5)
                .max(LABEL_W);
        let end = x + l.text.len() as f64 * 5.5 + 6.0;
        if taken.iter().any(|(a, b)| x < *b && *a < end) {
            continue;
        }
        taken.push((x, end));
        out.push(Below { x, ..l });
    }
    out
}

/// Overlapping members (two templates declaring the same VNet, spokes that collide) are
/// stacked, each on the first level where it overlaps nothing, so none hides another; the
/// level of each and how many levels there are (at most 4; more share the last).
fn stack(members: &[&Range]) -> (Vec<usize>, usize) {
    const MAX: usize = 4;
    let mut placed: Vec<Vec<ipnet::IpNet>> = Vec::new();
    let mut levels = Vec::with_capacity(members.len());
    for r in members {
        let free = placed
            .iter()
            .position(|l| !l.iter().any(|n| cidr::overlaps(n, &r.cidr)));
        let level = match free {
            Some(i) if i < MAX => i,
            _ if placed.len() < MAX => {
                placed.push(Vec::new());
                placed.len() - 1
            }
            _ => MAX - 1,
        };
        if let Some(l) = placed.get_mut(level) {
            l.push(r.cidr);
        }
        levels.push(level);
    }
    (levels, placed.len().max(1))
}

/// One lane at height `y`: its elements.
pub fn lane(l: &Lane, ix: &Index<'_>, y: f64) -> String {
    let mut o = String::new();
    let Some(scale) = ix.range(&l.scale) else {
        return o;
    };
    let kind = match l.kind {
        LaneKind::Block => "block",
        LaneKind::Vnet => "vnet",
        LaneKind::Cluster => "cluster",
    };
    let group = l
        .group
        .as_deref()
        .map(|g| format!(" data-group=\"{g}\""))
        .unwrap_or_default();
    let cluster = if l.kind == LaneKind::Cluster {
        format!(" data-cluster=\"{}\"", esc(&l.label))
    } else {
        String::new()
    };
    let _ = write!(
        o,
        "<g class=\"lane lane-{kind}\" data-scale=\"{}\"{group}{cluster} transform=\"translate(0,{y})\">",
        scale.id
    );
    let indent = match l.kind {
        LaneKind::Block => 4.0,
        _ => 20.0,
    };
    let _ = write!(
        o,
        "<text class=\"lane-label\" x=\"{indent}\" y=\"{}\">{}<title>{}</title></text>",
        BAR_Y + 14.0,
        esc(&clip(&l.label, 42)),
        esc(&l.label)
    );
    let sub = match l.kind {
        LaneKind::Vnet if !scale.peered_with.is_empty() => {
            format!("peered with {}", scale.peered_with.join(", "))
        }
        LaneKind::Cluster => "pods and services".to_string(),
        _ => String::new(),
    };
    if !sub.is_empty() {
        let _ = write!(
            o,
            "<text class=\"lane-sub\" x=\"{indent}\" y=\"{}\">{}</text>",
            BAR_Y + BAR_H + 10.0,
            esc(&sub)
        );
    }
    let at = |x: f64| LABEL_W + x * BAR_W;
    let _ = write!(
        o,
        "<rect class=\"scale\" x=\"{LABEL_W}\" y=\"{BAR_Y}\" width=\"{BAR_W}\" height=\"{BAR_H}\"><title>{}</title></rect>",
        esc(&describe(scale))
    );
    let mut below = Vec::new();
    let mut free_below = Vec::new();
    if l.kind != LaneKind::Cluster {
        for f in ix.free.get(scale.id.as_str()).into_iter().flatten() {
            let (x, w) = position(&f.cidr, &scale.cidr);
            let text = cidr::canonical(&f.cidr);
            let class = if f.labelled { "free largest" } else { "free" };
            let _ = write!(
                o,
                "<rect class=\"{class}\" data-free=\"{text}\" x=\"{:.2}\" y=\"{BAR_Y}\" width=\"{:.2}\" height=\"{BAR_H}\"><title>free {text} ({} addresses)</title></rect>",
                at(x),
                (w * BAR_W).max(MIN_W / 2.0),
                f.addresses
            );
            if f.labelled {
                free_below.push(Below {
                    x: at(x) + 1.0,
                    text: format!("free {text}"),
                    class: "free-label",
                });
            }
        }
    }
    let mut inside = Vec::new();
    let members: Vec<&Range> = l.members.iter().filter_map(|id| ix.range(id)).collect();
    let (levels, count) = stack(&members);
    let h = BAR_H / count as f64;
    for (r, level) in members.iter().zip(levels) {
        let y = BAR_Y + level as f64 * h;
        match member(&mut o, r, &scale.cidr, at(0.0), (y, h)) {
            Some(b) if b.class == "range-label" => inside.push(b),
            Some(b) => below.push(b),
            None => {}
        }
    }
    below.sort_by(|a, b| a.x.total_cmp(&b.x));
    below.extend(free_below);
    for c in ix
        .conflicts
        .iter()
        .filter(|c| c.ranges.iter().any(|id| l.members.contains(id)))
    {
        if !cidr::overlaps(&c.overlap, &scale.cidr) {
            continue;
        }
        let (x, w) = position(&c.overlap, &scale.cidr);
        let _ = write!(
            o,
            "<a href=\"{}\"><rect class=\"conflict\" data-conflict=\"{}\" data-rule=\"{}\" data-ranges=\"{}\" data-source=\"{}\" x=\"{:.2}\" y=\"{}\" width=\"{:.2}\" height=\"{}\" fill=\"url(#hatch)\"><title>{} {}: {}</title></rect></a>",
            esc(&rule_url(&c.rule)),
            c.id,
            esc(&c.rule),
            c.ranges.join(" "),
            esc(&c.location),
            at(x),
            BAR_Y - 2.0,
            (w * BAR_W).max(MIN_W * 2.0),
            BAR_H + 4.0,
            esc(&c.rule),
            esc(&c.location),
            esc(&c.message)
        );
    }
    // A fix's value as a dashed outline on the same scale, over the range it replaces.
    // A value outside the lane's scale (another block) is a marker at the lane's end.
    for p in ix.proposals.iter().filter(|p| l.members.contains(&p.range)) {
        let (x, w) = if cidr::overlaps(&p.cidr, &scale.cidr) {
            position(&p.cidr, &scale.cidr)
        } else {
            (1.0 - MIN_W * 2.0 / BAR_W, 0.0)
        };
        let text = cidr::canonical(&p.cidr);
        let _ = write!(
            o,
            "<rect class=\"proposal\" data-proposal=\"{}\" data-range=\"{}\" data-rule=\"{}\" x=\"{:.2}\" y=\"{}\" width=\"{:.2}\" height=\"{}\"><title>proposed {text} ({} fix, {}): {}</title></rect>",
            p.id,
            p.range,
            esc(&p.rule),
            at(x),
            BAR_Y - 1.0,
            (w * BAR_W).max(MIN_W * 2.0),
            BAR_H + 2.0,
            p.applicability,
            esc(&p.rule),
            esc(&p.description)
        );
    }
    // Text last, so a hatched overlap never hides a name.
    for b in inside {
        let _ = write!(
            o,
            "<text class=\"range-label\" x=\"{:.2}\" y=\"{}\">{}</text>",
            b.x,
            BAR_Y + 13.0,
            esc(&b.text)
        );
    }
    for b in place(below) {
        let _ = write!(
            o,
            "<text class=\"{}\" x=\"{:.2}\" y=\"{}\">{}</text>",
            b.class,
            b.x,
            BAR_Y + BAR_H + 11.0,
            esc(&b.text)
        );
    }
    o.push_str("</g>");
    o
}

/// What a range's label says: name, CIDR, and the node subnet's need at full scale.
fn label_of(r: &Range) -> String {
    // A cluster lane already names the cluster; its ranges say what they are.
    let mut t = match r.kind {
        RangeKind::Reserved => format!("reserved {}", cidr::canonical(&r.cidr)),
        RangeKind::Pod => format!("pods {}", cidr::canonical(&r.cidr)),
        RangeKind::Service => format!("services {}", cidr::canonical(&r.cidr)),
        RangeKind::OnPrem => format!("on-premises {} {}", r.name, cidr::canonical(&r.cidr)),
        _ => format!("{} {}", r.name, cidr::canonical(&r.cidr)),
    };
    if r.is_virtual {
        t.push_str(" (virtual)");
    }
    if r.default {
        t.push_str(" (AKS default)");
    }
    if let Some(c) = &r.capacity {
        match c.needed {
            Some(n) => {
                let _ = write!(t, " · {n}/{} IPs", c.usable);
            }
            None => {
                let _ = write!(t, " · ?/{} IPs", c.usable);
            }
        }
    }
    t
}

/// One range on a lane's scale, with its capacity bar; its label inside when it fits, else
/// returned to go under the bar.
fn member(
    o: &mut String,
    r: &Range,
    scale: &ipnet::IpNet,
    left: f64,
    (y, h): (f64, f64),
) -> Option<Below> {
    let (x, w) = position(&r.cidr, scale);
    let px = (w * BAR_W).max(MIN_W);
    let x = left + x * BAR_W;
    let kind = serde_json::to_value(r.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let virt = if r.is_virtual { " virtual" } else { "" };
    let _ = write!(
        o,
        "<g class=\"range kind-{kind}{virt}\" data-id=\"{}\" data-clusters=\"{}\" data-cidr=\"{}\" data-source=\"{}\" data-chain=\"{}\">",
        r.id,
        esc(&r.clusters.join("\u{1f}")),
        cidr::canonical(&r.cidr),
        esc(r.source.as_deref().unwrap_or("")),
        esc(r.chain.as_deref().unwrap_or("")),
    );
    let _ = write!(
        o,
        "<rect class=\"range kind-{kind}{virt}\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{px:.2}\" height=\"{h:.2}\"><title>{}</title></rect>",
        esc(&describe(r))
    );
    let mut over = false;
    if let Some(c) = &r.capacity {
        if let (Some(n), true) = (c.needed, c.usable > 0) {
            let frac = (n / c.usable as f64).min(1.0);
            over = n > c.usable as f64;
            let class = if over { "cap over" } else { "cap" };
            // Never narrower than a readable gauge, so a /24 in a /16 still shows its fill.
            let gauge = px.max(40.0);
            let _ = write!(
                o,
                "<rect class=\"gauge\" x=\"{x:.2}\" y=\"{}\" width=\"{gauge:.2}\" height=\"5\"/><rect class=\"{class}\" x=\"{x:.2}\" y=\"{}\" width=\"{:.2}\" height=\"5\"><title>{n} of {} usable IPs needed at full scale</title></rect>",
                BAR_Y + BAR_H - 5.0,
                BAR_Y + BAR_H - 5.0,
                frac * gauge,
                c.usable
            );
        }
    }
    let label = label_of(r);
    o.push_str("</g>");
    // About 6 px a character at 10 px, on a full-height bar.
    if h >= BAR_H && px > label.len() as f64 * 6.0 {
        return Some(Below {
            x: x + 3.0,
            text: label,
            class: "range-label",
        });
    }
    Some(Below {
        x,
        text: label,
        class: if over {
            "range-below over"
        } else {
            "range-below"
        },
    })
}

/// Rows for the unknown values: a dashed placeholder with the reason.
pub fn unknowns(v: &Laid, y: f64) -> (String, f64) {
    let mut o = String::new();
    let mut y = y;
    for u in &v.unknowns {
        let src = u
            .source
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        let _ = write!(
            o,
            "<g class=\"unknown-row\" transform=\"translate(0,{y})\"><rect class=\"unknown\" x=\"{LABEL_W}\" y=\"{BAR_Y}\" width=\"{BAR_W}\" height=\"{BAR_H}\"><title>{}</title></rect><text x=\"20\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\">unknown: {}</text></g>",
            esc(&format!("{}: unknown: {}{src}", u.name, u.reason)),
            BAR_Y + 14.0,
            esc(&clip(&u.name, 42)),
            LABEL_W + 6.0,
            BAR_Y + 14.0,
            esc(&clip(&format!("{}{src}", u.reason), 140)),
        );
        y += LANE_H;
    }
    (o, y)
}

/// What the colors mean, top right of the static picture.
const LEGEND: &str = "<g class=\"legend\" transform=\"translate(620,8)\">\
<rect class=\"range kind-vnet\" x=\"0\" y=\"0\" width=\"14\" height=\"12\"/><text x=\"18\" y=\"10\">VNet</text>\
<rect class=\"range kind-subnet\" x=\"60\" y=\"0\" width=\"14\" height=\"12\"/><text x=\"78\" y=\"10\">subnet</text>\
<rect class=\"range kind-pod\" x=\"130\" y=\"0\" width=\"14\" height=\"12\"/><text x=\"148\" y=\"10\">pods</text>\
<rect class=\"range kind-service\" x=\"188\" y=\"0\" width=\"14\" height=\"12\"/><text x=\"206\" y=\"10\">services</text>\
<rect class=\"range kind-on_prem\" x=\"264\" y=\"0\" width=\"14\" height=\"12\"/><text x=\"282\" y=\"10\">on-premises</text>\
<rect x=\"360\" y=\"0\" width=\"14\" height=\"12\" fill=\"url(#hatch)\"/><text x=\"378\" y=\"10\">conflict</text>\
<rect class=\"free largest\" x=\"430\" y=\"0\" width=\"14\" height=\"12\"/><text x=\"448\" y=\"10\">free</text>\
<rect class=\"proposal\" x=\"478\" y=\"0\" width=\"14\" height=\"12\"/><text x=\"496\" y=\"10\">proposed fix</text></g>";

/// The whole picture of every variant as one SVG document.
pub fn render(variants: &[Laid]) -> String {
    let mut body = String::from(LEGEND);
    let mut y = 10.0;
    for v in variants {
        let ix = Index::new(v);
        let _ = write!(
            body,
            "<text class=\"variant\" x=\"4\" y=\"{}\" font-size=\"16\">{}</text>",
            y + 14.0,
            esc(&v.name)
        );
        y += 26.0;
        for f in &v.families {
            let _ = write!(
                body,
                "<text class=\"family\" x=\"4\" y=\"{}\" font-size=\"14\">{}</text>",
                y + 14.0,
                if f.family == "ipv4" { "IPv4" } else { "IPv6" }
            );
            y += 22.0;
            for b in &f.blocks {
                for l in &b.lanes {
                    body.push_str(&lane(l, &ix, y));
                    y += LANE_H;
                }
                y += 8.0;
            }
        }
        let (u, ny) = unknowns(v, y);
        body.push_str(&u);
        y = ny + 10.0;
    }
    let width = LABEL_W + BAR_W + 20.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"aks-netlint-map\" width=\"{width}\" height=\"{y}\" viewBox=\"0 0 {width} {y}\">{DEFS}<style>{STYLE}</style>{body}</svg>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::plan::RangeKind;

    fn range(c: &str) -> Range {
        Range::bare(
            RangeKind::Vnet,
            String::new(),
            cidr::parse(c).unwrap_or_else(|| ipnet::IpNet::V4(Default::default())),
        )
    }

    #[test]
    fn overlapping_members_stack_and_disjoint_ones_share_a_level() {
        let (a, b, c) = (
            range("10.1.0.0/16"),
            range("10.1.0.0/16"),
            range("10.2.0.0/16"),
        );
        let (levels, count) = stack(&[&a, &b, &c]);
        assert_eq!(levels, [0, 1, 0]);
        assert_eq!(count, 2);
        let many: Vec<Range> = (0..6).map(|_| range("10.1.0.0/16")).collect();
        let refs: Vec<&Range> = many.iter().collect();
        let (levels, count) = stack(&refs);
        assert_eq!(levels, [0, 1, 2, 3, 3, 3]);
        assert_eq!(count, 4);
    }

    #[test]
    fn clipped_labels_keep_their_start() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
