//! IP network functions (`cidrSubnet`, `cidrHost`, `parseCidr`) as ARM defines them: a new
//! prefix length instead of Terraform's added bits, and host 0 as the first usable address.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{int, to_text};
use crate::cidr;
use crate::eval::common::{not_evaluated, string_value};
use crate::eval::value::{Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    let s = |x: String| string_value(x, here);
    let computed = |k: Kind| Value::at(k, here);
    let arg = |i: usize| args.get(i);
    let text = |i: usize| arg(i).and_then(to_text);
    match name {
        "cidrsubnet" => {
            let (Some(base), Some(len), Some(idx)) = (
                text(0).and_then(|x| cidr::parse(&x)),
                arg(1).and_then(int),
                arg(2).and_then(int),
            ) else {
                return Value::error("cidrSubnet: invalid arguments");
            };
            let newbits = len - i64::from(base.prefix_len());
            match cidr::cidrsubnet(&base.trunc(), newbits, idx) {
                Ok(n) => s(n.to_string()),
                Err(e) => Value::error(format!("cidrSubnet: {e}")),
            }
        }
        "cidrhost" => {
            let (Some(base), Some(idx)) =
                (text(0).and_then(|x| cidr::parse(&x)), arg(1).and_then(int))
            else {
                return Value::error("cidrHost: invalid arguments");
            };
            // Index 0 is the first usable address (the network address is skipped in IPv4).
            let skip = i64::from(cidr::is_v4(&base));
            match cidr::cidrhost(&base.trunc(), idx + skip) {
                Ok(ip) => s(ip.to_string()),
                Err(e) => Value::error(format!("cidrHost: {e}")),
            }
        }
        "parsecidr" => {
            let Some(net) = text(0).and_then(|x| cidr::parse(&x)) else {
                return Value::error("parseCidr: invalid CIDR");
            };
            let net = net.trunc();
            let v4 = cidr::is_v4(&net);
            let mut m = BTreeMap::new();
            m.insert("network".into(), s(net.network().to_string()));
            m.insert("netmask".into(), s(net.netmask().to_string()));
            m.insert(
                "cidr".into(),
                computed(Kind::Num(f64::from(net.prefix_len()))),
            );
            let (first, last) = if v4 && net.prefix_len() < 31 {
                (cidr::cidrhost(&net, 1).ok(), cidr::cidrhost(&net, -2).ok())
            } else {
                (Some(net.network()), Some(net.broadcast()))
            };
            if v4 {
                m.insert("broadcast".into(), s(net.broadcast().to_string()));
            }
            if let Some(f) = first {
                m.insert("firstUsable".into(), s(f.to_string()));
            }
            if let Some(l) = last {
                m.insert("lastUsable".into(), s(l.to_string()));
            }
            computed(Kind::Map(Arc::new(m)))
        }
        _ => not_evaluated(name),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{sp, st};
    use crate::eval::arm_functions::call;
    use crate::eval::value::Value;

    #[test]
    fn cidr_functions_follow_the_arm_docs() {
        let v = call(
            "cidrsubnet",
            vec![st("10.144.0.0/20"), Value::num(24.0), Value::num(3.0)],
            sp(),
        );
        assert_eq!(v.as_str(), Some("10.144.3.0/24"));
        let h = call("cidrhost", vec![st("10.144.3.0/24"), Value::num(0.0)], sp());
        assert_eq!(h.as_str(), Some("10.144.3.1"));
        let p = call("parsecidr", vec![st("10.144.0.0/20")], sp());
        let m = p.as_map().unwrap();
        assert_eq!(m["lastUsable"].as_str(), Some("10.144.15.254"));
        assert_eq!(m["cidr"].as_num(), Some(20.0));
    }
}
