//! String functions: formatting, joining and splitting, regular expressions, case and trimming.

use std::sync::Arc;

use super::{int, str_arg};
use crate::eval::common::{not_evaluated, string_value, MAX_ITEMS, MAX_STRING};
use crate::eval::value::{fmt_num, Kind, Value};
use crate::source::Span;

/// Evaluates one of this group's functions (the dispatch table in `super` sends only those).
pub(super) fn call(name: &str, args: Vec<Value>, here: Option<Span>) -> Value {
    let computed = |k: Kind| Value::at(k, here);
    let s = |x: String| string_value(x, here);
    match name {
        "format" => match str_arg(&args, 0) {
            Some(f) => match format(&f, args.get(1..).unwrap_or(&[])) {
                Ok(x) => s(x),
                Err(e) => e,
            },
            None => Value::error("format: invalid format string"),
        },
        "join" => {
            let Some(sep) = str_arg(&args, 0) else {
                return Value::error("join: invalid separator");
            };
            let mut parts = Vec::new();
            for l in args.iter().skip(1) {
                let Some(items) = l.as_list() else {
                    return Value::error("join: not a list");
                };
                for i in items {
                    if i.is_unknown() {
                        return i.clone();
                    }
                    match i.to_tf_string() {
                        Some(x) => parts.push(x),
                        None => return Value::error("join: element is not a string"),
                    }
                }
            }
            s(parts.join(&sep))
        }
        "split" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(sep), Some(x)) if !sep.is_empty() => Value::list(
                x.split(sep.as_str())
                    .take(MAX_ITEMS)
                    .map(|p| Value::at(Kind::Str(Arc::from(p)), here))
                    .collect(),
            )
            .located(here),
            _ => Value::error("split: invalid arguments"),
        },
        "replace" => match (str_arg(&args, 0), str_arg(&args, 1), str_arg(&args, 2)) {
            (Some(x), Some(from), Some(to)) => {
                if from.starts_with('/') && from.ends_with('/') && from.len() > 1 {
                    let pat = from.get(1..from.len() - 1).unwrap_or("");
                    match compiled(pat) {
                        Some(re) => s(re
                            .replace_all(&x, to.replace("$", "$$").as_str())
                            .into_owned()),
                        None => Value::unknown("replace: unsupported regular expression"),
                    }
                } else if from.is_empty() {
                    s(x)
                } else {
                    s(x.replace(&from, &to))
                }
            }
            _ => Value::error("replace: invalid arguments"),
        },
        "regex" | "regexall" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(pat), Some(text)) => match compiled(&pat) {
                Some(re) => {
                    let one = |c: regex::Captures<'_>| -> Value {
                        let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
                        if names.is_empty() {
                            return s(c.get(0).map_or("", |m| m.as_str()).to_string());
                        }
                        if names.iter().all(Option::is_some) {
                            let m = names
                                .iter()
                                .flatten()
                                .map(|n| {
                                    (
                                        n.to_string(),
                                        c.name(n).map_or_else(Value::null, |x| {
                                            s(x.as_str().to_string())
                                        }),
                                    )
                                })
                                .collect();
                            return Value::map(m).located(here);
                        }
                        Value::list(
                            (1..c.len())
                                .map(|i| {
                                    c.get(i)
                                        .map_or_else(Value::null, |x| s(x.as_str().to_string()))
                                })
                                .collect(),
                        )
                        .located(here)
                    };
                    if name == "regexall" {
                        Value::list(re.captures_iter(&text).take(MAX_ITEMS).map(one).collect())
                            .located(here)
                    } else {
                        match re.captures(&text) {
                            Some(c) => one(c),
                            None => Value::error("regex: no match"),
                        }
                    }
                }
                // Terraform uses RE2 syntax; a pattern the regex crate rejects stays unknown.
                None => Value::unknown("regex: unsupported pattern"),
            },
            _ => Value::error("regex: invalid arguments"),
        },
        "lower" => str_arg(&args, 0).map_or_else(
            || Value::error("lower: not a string"),
            |x| s(x.to_lowercase()),
        ),
        "upper" => str_arg(&args, 0).map_or_else(
            || Value::error("upper: not a string"),
            |x| s(x.to_uppercase()),
        ),
        "trimspace" => {
            str_arg(&args, 0).map_or_else(|| Value::error("trimspace"), |x| s(x.trim().to_string()))
        }
        "trimprefix" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(x), Some(p)) => s(x.strip_prefix(p.as_str()).unwrap_or(&x).to_string()),
            _ => Value::error("trimprefix"),
        },
        "trimsuffix" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(x), Some(p)) => s(x.strip_suffix(p.as_str()).unwrap_or(&x).to_string()),
            _ => Value::error("trimsuffix"),
        },
        "trim" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(x), Some(cs)) => s(x.trim_matches(|c| cs.contains(c)).to_string()),
            _ => Value::error("trim"),
        },
        "startswith" | "endswith" | "strcontains" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(x), Some(p)) => computed(Kind::Bool(match name {
                "startswith" => x.starts_with(&p),
                "endswith" => x.ends_with(&p),
                _ => x.contains(&p),
            })),
            _ => Value::error("string predicate: invalid arguments"),
        },
        "substr" => match (
            str_arg(&args, 0),
            args.get(1).and_then(int),
            args.get(2).and_then(int),
        ) {
            (Some(x), Some(off), Some(len)) => {
                let chars: Vec<char> = x.chars().collect();
                let n = chars.len() as i64;
                let start = if off < 0 {
                    (n + off).max(0)
                } else {
                    off.min(n)
                };
                let end = if len < 0 { n } else { (start + len).min(n) };
                s(chars
                    .get(start as usize..end.max(start) as usize)
                    .map(|c| c.iter().collect())
                    .unwrap_or_default())
            }
            _ => Value::error("substr: invalid arguments"),
        },
        _ => not_evaluated(name),
    }
}

/// Compiles a pattern once per thread: modules call `regex()` inside `for` filters with the same
/// pattern for every key, and compiling dominates otherwise. Shared, not cloned: a cloned
/// `Regex` starts with an empty match cache, and building one costs more than most matches.
fn compiled(pattern: &str) -> Option<std::rc::Rc<regex::Regex>> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;
    thread_local! {
        static CACHE: RefCell<HashMap<String, Option<Rc<regex::Regex>>>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(re) = c.get(pattern) {
            return re.clone();
        }
        let re = regex::Regex::new(pattern).ok().map(Rc::new);
        if c.len() < 512 {
            c.insert(pattern.to_string(), re.clone());
        }
        re
    })
}

/// Terraform's `format` verbs: %s %d %f %v %q %% (flags and width are accepted and ignored
/// except for zero-padded integers, which CIDR-building code uses).
fn format(f: &str, args: &[Value]) -> Result<String, Value> {
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || matches!(d, '-' | '+' | '#' | ' ' | '.') {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let Some(verb) = chars.next() else {
            return Err(Value::error("format: trailing %"));
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(a) = args.get(next) else {
            return Err(Value::error("format: not enough arguments"));
        };
        next += 1;
        let text = match verb {
            's' | 'v' => a.to_tf_string(),
            'q' => a.to_tf_string().map(|x| format!("{x:?}")),
            'd' => a.as_num().map(|n| {
                let width: usize = spec.trim_start_matches('0').parse().unwrap_or(0);
                if spec.starts_with('0') {
                    format!("{:0width$}", n as i64)
                } else {
                    fmt_num(n.trunc())
                }
            }),
            'f' | 'g' | 'e' => a.as_num().map(fmt_num),
            't' => a.as_bool().map(|b| b.to_string()),
            _ => None,
        };
        match text {
            Some(t) => out.push_str(&t),
            None => return Err(Value::error(format!("format: bad argument for %{verb}"))),
        }
        if out.len() > MAX_STRING {
            return Err(Value::unknown("string too long"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{list_of, strs, tf};
    use crate::eval::value::Value;

    #[test]
    fn format_and_join() {
        let v = tf(
            "format",
            vec![
                Value::str("10.%d.0.0/%s"),
                Value::num(4.0),
                Value::str("16"),
            ],
        );
        assert_eq!(v.as_str(), Some("10.4.0.0/16"));
        let j = tf(
            "join",
            vec![
                Value::str(","),
                Value::list(vec![Value::str("a"), Value::num(1.0)]),
            ],
        );
        assert_eq!(j.as_str(), Some("a,1"));
    }

    // The examples of Terraform's function documentation.

    #[test]
    fn split_doc_examples() {
        for (text, want) in [
            ("foo,bar,baz", vec!["foo", "bar", "baz"]),
            ("foo", vec!["foo"]),
            ("", vec![""]),
        ] {
            let v = tf("split", vec![Value::str(","), Value::str(text)]);
            assert_eq!(strs(&v), want, "split(\",\", {text:?})");
        }
    }

    #[test]
    fn join_doc_examples() {
        let foo_bar_baz = list_of(&["foo", "bar", "baz"]);
        let v = tf("join", vec![Value::str("-"), foo_bar_baz.clone()]);
        assert_eq!(v.as_str(), Some("foo-bar-baz"));
        let v = tf("join", vec![Value::str(", "), foo_bar_baz]);
        assert_eq!(v.as_str(), Some("foo, bar, baz"));
        let v = tf("join", vec![Value::str(", "), list_of(&["foo"])]);
        assert_eq!(v.as_str(), Some("foo"));
    }

    #[test]
    fn replace_doc_examples() {
        let v = tf(
            "replace",
            vec![Value::str("1 + 2 + 3"), Value::str("+"), Value::str("-")],
        );
        assert_eq!(v.as_str(), Some("1 - 2 - 3"));
        let v = tf(
            "replace",
            vec![
                Value::str("hello world"),
                Value::str("/w.*d/"),
                Value::str("everybody"),
            ],
        );
        assert_eq!(v.as_str(), Some("hello everybody"));
    }
}
