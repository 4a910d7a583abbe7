//! `--format html`: one self-contained page (inline SVG, CSS and script; a Content Security
//! Policy that forbids every fetch) with a variant selector, hover details (value chain and
//! file:line), click-a-cluster highlighting, VNet groups that collapse, a cluster search box
//! and the conflicts listed with their rule and location.

use std::fmt::Write as _;

use super::layout::{Laid, LaneKind};
use super::svg::{self, esc, Index, BAR_W, LABEL_W, LANE_H};

/// Cluster lanes above which VNet groups start collapsed, so a large plan opens readable.
const COLLAPSE_OVER: usize = 30;

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#222}\
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:8px 12px;display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center;z-index:2}\
h1{font-size:18px;margin:0;white-space:nowrap}h2{font-size:15px;margin:14px 12px 4px}main{padding:0 0 40px}\
.row{height:46px;margin-left:12px}.row.hidden{display:none}.row svg{display:block}\
.row[data-toggle] .lane-label{cursor:pointer;text-decoration:underline dotted}\
.lane-cluster .lane-label,.range{cursor:pointer}\
section.dim g.range{opacity:.25}section.dim g.range.hl{opacity:1}g.range.hl rect.range{stroke:#000;stroke-width:2}\
.row.found{background:#fff6c8}#tip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:6px 8px;border-radius:4px;font-size:12px;white-space:pre;max-width:700px;z-index:3}\
table{border-collapse:collapse;margin:0 12px;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}\
tr.picked{background:#fde2e2}.hint{font-size:11px;color:#666}.legend span{display:inline-block;padding:0 6px;margin-right:4px;border:1px solid #999;font-size:12px}";

const JS: &str = r#"(function(){
var t0=performance.now();
var sel=document.getElementById('variant'),search=document.getElementById('search'),
 status=document.getElementById('status'),tip=document.getElementById('tip');
function sections(){return document.querySelectorAll('section.variant');}
function current(){return document.querySelector('section.variant:not([hidden])');}
function show(i){sections().forEach(function(s,j){s.hidden=(j!=i);});clear();}
if(sel){sel.addEventListener('change',function(){show(+sel.value);});}
function clear(){document.querySelectorAll('.hl').forEach(function(e){e.classList.remove('hl');});
 document.querySelectorAll('section.dim').forEach(function(e){e.classList.remove('dim');});
 document.querySelectorAll('.found').forEach(function(e){e.classList.remove('found');});
 document.querySelectorAll('tr.picked').forEach(function(e){e.classList.remove('picked');});}
function highlight(name){clear();var s=current();if(!s)return 0;var n=0;
 s.querySelectorAll('[data-clusters]').forEach(function(g){if(g.getAttribute('data-clusters').split('\u001f').indexOf(name)>=0){g.classList.add('hl');n++;}});
 s.classList.add('dim');return n;}
function toggle(group,open){var s=current();if(!s)return;
 s.querySelectorAll('.row[data-group="'+group+'"]').forEach(function(r){r.classList.toggle('hidden',!open);});
 var v=s.querySelector('.row[data-toggle="'+group+'"]');if(v)v.setAttribute('data-open',open?'1':'0');}
document.addEventListener('mouseover',function(e){var el=e.target.closest&&e.target.closest('[data-tip]');
 if(!el){tip.hidden=true;return;}tip.textContent=el.getAttribute('data-tip');tip.hidden=false;});
document.addEventListener('mousemove',function(e){tip.style.left=(e.clientX+14)+'px';tip.style.top=(e.clientY+14)+'px';});
document.addEventListener('click',function(e){var t=e.target;if(!t.closest)return;
 var c=t.closest('.conflict');
 if(c){e.preventDefault();clear();var row=document.getElementById(current().id+'-'+c.getAttribute('data-conflict'));
  if(row){row.classList.add('picked');row.scrollIntoView({block:'center'});}return;}
 var vl=t.closest('.row[data-toggle]');
 if(vl&&t.closest('.lane-label')){toggle(vl.getAttribute('data-toggle'),vl.getAttribute('data-open')!=='1');return;}
 var cl=t.closest('[data-cluster]');
 if(cl){highlight(cl.getAttribute('data-cluster'));return;}
 var r=t.closest('[data-clusters]');
 if(r&&r.getAttribute('data-clusters')){highlight(r.getAttribute('data-clusters').split('\u001f')[0]);return;}
 clear();});
function find(q){q=q.trim().toLowerCase();clear();var s=current();if(!q||!s){status.textContent='';return null;}
 var rows=[].slice.call(s.querySelectorAll('.row[data-cluster]')).filter(function(r){return r.getAttribute('data-cluster').toLowerCase().indexOf(q)>=0;});
 status.textContent=rows.length+(rows.length==1?' cluster':' clusters');
 if(!rows.length)return null;var r=rows[0],g=r.getAttribute('data-group');if(g)toggle(g,true);
 highlight(r.getAttribute('data-cluster'));r.classList.add('found');r.scrollIntoView({block:'center'});return r;}
if(search){search.addEventListener('input',function(){find(search.value);});}
var h=decodeURIComponent(location.hash||'');
if(h.indexOf('#find=')===0){search.value=h.slice(6);find(search.value);}
document.body.setAttribute('data-render-ms',String(Math.round(performance.now()-t0)));
document.body.setAttribute('data-ready','1');
window.addEventListener('load',function(){document.body.setAttribute('data-load-ms',String(Math.round(performance.now())));});
})();"#;

/// The page for every variant.
pub fn render(variants: &[Laid]) -> String {
    let mut o = String::with_capacity(64 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    // The page must never reach the network: no fetch, image, font or frame from anywhere.
    o.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">");
    o.push_str(
        "<meta name=\"viewport\" content=\"width=device-width\"><title>aks-netlint map</title>",
    );
    let _ = write!(o, "<style>{CSS}{}</style></head><body>", svg::STYLE);
    o.push_str("<header><h1>aks-netlint map</h1>");
    if variants.len() > 1 {
        o.push_str("<label>Variant <select id=\"variant\">");
        for (i, v) in variants.iter().enumerate() {
            let _ = write!(o, "<option value=\"{i}\">{}</option>", esc(&v.name));
        }
        o.push_str("</select></label>");
    } else if let Some(v) = variants.first() {
        let _ = write!(o, "<span>{}</span>", esc(&v.name));
    }
    o.push_str("<input id=\"search\" type=\"search\" placeholder=\"find a cluster\" autocomplete=\"off\"><span id=\"status\"></span><span class=\"hint\">hover: value and source; click a cluster: what it uses; click an underlined name: show or hide its clusters</span>");
    o.push_str("<span class=\"legend\"><span class=\"kind-vnet\" style=\"background:#cfe3ff\">VNet</span><span style=\"background:#9cc3f5\">subnet</span><span style=\"background:#d7f0d0\">pods</span><span style=\"background:#ffe9b3\">services</span><span style=\"background:#e3d3f5\">on-premises</span><span style=\"background:#fde2e2;border-color:#d00000\">conflict</span><span style=\"border-style:dashed\">free</span></span></header>");
    let _ = write!(
        o,
        "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\">{}</svg><main>",
        svg::DEFS
    );
    for (i, v) in variants.iter().enumerate() {
        section(&mut o, i, v);
    }
    let _ = writeln!(
        o,
        "</main><div id=\"tip\" hidden></div><script>{JS}</script></body></html>"
    );
    o
}

fn section(o: &mut String, i: usize, v: &Laid) {
    let ix = Index::new(v);
    let hidden = if i == 0 { "" } else { " hidden" };
    let _ = write!(
        o,
        "<section class=\"variant\" id=\"v{i}\" data-variant=\"{}\"{hidden}>",
        esc(&v.name)
    );
    let cluster_lanes = v
        .families
        .iter()
        .flat_map(|f| &f.blocks)
        .flat_map(|b| &b.lanes)
        .filter(|l| l.kind == LaneKind::Cluster)
        .count();
    let collapsed = cluster_lanes > COLLAPSE_OVER;
    let width = LABEL_W + BAR_W + 10.0;
    for f in &v.families {
        let _ = write!(
            o,
            "<h2>{}</h2>",
            if f.family == "ipv4" { "IPv4" } else { "IPv6" }
        );
        for b in &f.blocks {
            let _ = write!(o, "<div class=\"block\" data-block=\"{}\">", b.block);
            for l in &b.lanes {
                let mut attrs = String::new();
                let heads_group = l.kind != LaneKind::Cluster
                    && b.lanes.iter().any(|o| o.group.as_ref() == Some(&l.scale));
                if heads_group {
                    let open = if collapsed { "0" } else { "1" };
                    let _ = write!(attrs, " data-toggle=\"{}\" data-open=\"{open}\"", l.scale);
                }
                if l.kind == LaneKind::Cluster {
                    let _ = write!(attrs, " data-cluster=\"{}\"", esc(&l.label));
                }
                let mut class = String::from("row");
                if let Some(g) = &l.group {
                    let _ = write!(attrs, " data-group=\"{g}\"");
                    if collapsed {
                        class.push_str(" hidden");
                    }
                }
                let _ = write!(
                    o,
                    "<div class=\"{class}\"{attrs}><svg width=\"{width}\" height=\"{LANE_H}\">{}</svg></div>",
                    tips_as_attributes(&svg::lane(l, &ix, 0.0))
                );
            }
            o.push_str("</div>");
        }
    }
    if !v.unknowns.is_empty() {
        o.push_str("<h2>Unknown values (not drawn, never guessed)</h2>");
        let (rows, h) = svg::unknowns(v, 0.0);
        let rows = tips_as_attributes(&rows);
        let _ = write!(
            o,
            "<div class=\"row\" style=\"height:{h}px\"><svg width=\"{width}\" height=\"{h}\">{rows}</svg></div>"
        );
    }
    o.push_str("<h2>Conflicts</h2>");
    if v.conflicts.is_empty() {
        o.push_str(
            "<p style=\"margin:0 12px\">No overlap among the drawn ranges was reported.</p>",
        );
    } else {
        o.push_str("<table><tr><th>rule</th><th>severity</th><th>where</th><th>overlap</th><th>message</th></tr>");
        for c in &v.conflicts {
            let _ = write!(
                o,
                "<tr id=\"v{i}-{}\"><td><a href=\"{}/blob/main/docs/rules/{}.md\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                c.id,
                env!("CARGO_PKG_REPOSITORY"),
                esc(&c.rule),
                esc(&c.rule),
                c.severity,
                esc(&c.location),
                crate::cidr::canonical(&c.overlap),
                esc(&c.message)
            );
        }
        o.push_str("</table>");
    }
    o.push_str("</section>");
}

/// The SVG's `<title>` children as `data-tip` attributes of their element: the page shows its
/// own tooltip (a browser's would show the same text twice), and a large plan opens faster
/// without a node per tooltip. Every title is the first child of its element and already
/// escaped, so the text moves as it is.
fn tips_as_attributes(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find("><title>") {
        let (head, tail) = rest.split_at(i);
        let body = tail.get("><title>".len()..).unwrap_or("");
        let Some(end) = body.find("</title>") else {
            break;
        };
        out.push_str(head);
        out.push_str(" data-tip=\"");
        out.push_str(body.get(..end).unwrap_or(""));
        out.push_str("\">");
        rest = body.get(end + "</title>".len()..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_become_attributes() {
        let svg =
            "<g><rect x=\"1\"><title>a &amp; b</title></rect><text>t<title>u</title></text></g>";
        assert_eq!(
            super::tips_as_attributes(svg),
            "<g><rect x=\"1\" data-tip=\"a &amp; b\"></rect><text>t<title>u</title></text></g>"
        );
    }
}
