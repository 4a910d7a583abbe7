//! IP network functions: `cidrsubnet`, `cidrsubnets`, `cidrhost`, `cidrnetmask`, computed with
//! [`crate::cidr`] so they agree with the rules' own address arithmetic.

use super::{int, str_arg};
use crate::cidr;
use crate::eval::common::{not_evaluated, string_value};
use crate::eval::value::Value;
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    let s = |x: String| string_value(x, here);
    match name {
        "cidrsubnet" => {
            let (Some(base), Some(nb), Some(nn)) = (
                str_arg(&args, 0).and_then(|x| cidr::parse(&x)),
                args.get(1).and_then(int),
                args.get(2).and_then(int),
            ) else {
                return Value::error("cidrsubnet: invalid arguments");
            };
            match cidr::cidrsubnet(&base, nb, nn) {
                Ok(n) => s(n.to_string()),
                Err(e) => Value::error(format!("cidrsubnet: {e}")),
            }
        }
        "cidrsubnets" => {
            let Some(base) = str_arg(&args, 0).and_then(|x| cidr::parse(&x)) else {
                return Value::error("cidrsubnets: invalid prefix");
            };
            // Allocates consecutive subnets, each aligned to its own size (Terraform's algorithm).
            let mut out = Vec::new();
            let base_len = u32::from(base.prefix_len());
            let total: u32 = if cidr::is_v4(&base) { 32 } else { 128 };
            let mut next: u128 = 0; // offset in units of the smallest possible block
            for nb in args.iter().skip(1) {
                let Some(nb) = int(nb).and_then(|n| u32::try_from(n).ok()) else {
                    return Value::error("cidrsubnets: invalid newbits");
                };
                if base_len + nb > total {
                    return Value::error("cidrsubnets: not enough address space");
                }
                let host = total - base_len - nb;
                let block = 1u128.checked_shl(host).unwrap_or(0);
                if block == 0 {
                    return Value::error("cidrsubnets: block too large");
                }
                let start = next.div_ceil(block) * block;
                let netnum = start / block;
                match cidr::cidrsubnet(&base, i64::from(nb), i64::try_from(netnum).unwrap_or(-1)) {
                    Ok(n) => out.push(s(n.to_string())),
                    Err(e) => return Value::error(format!("cidrsubnets: {e}")),
                }
                next = start + block;
            }
            Value::list(out).located(here)
        }
        "cidrhost" => {
            let (Some(base), Some(h)) = (
                str_arg(&args, 0).and_then(|x| cidr::parse(&x)),
                args.get(1).and_then(int),
            ) else {
                return Value::error("cidrhost: invalid arguments");
            };
            match cidr::cidrhost(&base, h) {
                Ok(ip) => s(ip.to_string()),
                Err(e) => Value::error(format!("cidrhost: {e}")),
            }
        }
        "cidrnetmask" => match str_arg(&args, 0).and_then(|x| cidr::parse(&x)) {
            Some(base) => match cidr::netmask(&base) {
                Ok(m) => s(m),
                Err(e) => Value::error(format!("cidrnetmask: {e}")),
            },
            None => Value::error("cidrnetmask: invalid prefix"),
        },
        _ => not_evaluated(name),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{strs, tf};
    use crate::eval::value::Value;

    fn n(x: f64) -> Value {
        Value::num(x)
    }

    #[test]
    fn cidrsubnets_aligns_like_terraform() {
        let v = tf(
            "cidrsubnets",
            vec![Value::str("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)],
        );
        assert_eq!(
            strs(&v),
            [
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20"
            ]
        );
    }

    // The examples of Terraform's function documentation.

    #[test]
    fn cidrsubnet_doc_examples() {
        for (prefix, newbits, netnum, want) in [
            ("172.16.0.0/12", 4.0, 2.0, "172.18.0.0/16"),
            ("10.1.2.0/24", 4.0, 15.0, "10.1.2.240/28"),
            (
                "fd00:fd12:3456:7890::/56",
                16.0,
                162.0,
                "fd00:fd12:3456:7800:a200::/72",
            ),
        ] {
            let v = tf(
                "cidrsubnet",
                vec![Value::str(prefix), n(newbits), n(netnum)],
            );
            assert_eq!(
                v.as_str(),
                Some(want),
                "cidrsubnet({prefix}, {newbits}, {netnum})"
            );
        }
    }

    #[test]
    fn cidrsubnets_doc_example_ipv6() {
        let v = tf(
            "cidrsubnets",
            vec![
                Value::str("fd00:fd12:3456:7890::/56"),
                n(16.0),
                n(16.0),
                n(16.0),
                n(32.0),
            ],
        );
        assert_eq!(
            strs(&v),
            [
                "fd00:fd12:3456:7800::/72",
                "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72",
                "fd00:fd12:3456:7800:300::/88"
            ]
        );
    }

    #[test]
    fn cidrhost_doc_examples() {
        for (prefix, host, want) in [
            ("10.12.112.0/20", 16.0, "10.12.112.16"),
            ("10.12.112.0/20", 268.0, "10.12.113.12"),
            (
                "fd00:fd12:3456:7890:00a2::/72",
                34.0,
                "fd00:fd12:3456:7890::22",
            ),
        ] {
            let v = tf("cidrhost", vec![Value::str(prefix), n(host)]);
            assert_eq!(v.as_str(), Some(want), "cidrhost({prefix}, {host})");
        }
    }

    #[test]
    fn cidrnetmask_doc_example() {
        let v = tf("cidrnetmask", vec![Value::str("172.16.0.0/12")]);
        assert_eq!(v.as_str(), Some("255.240.0.0"));
    }
}
