//! `--fix` and `--diff` on top of a scan, and the verification that makes every fix a report
//! shows one that works.

use std::io::Write;
use std::path::PathBuf;

use super::{CheckArgs, Format};
use crate::fix::{self, apply, diff, write};
use crate::lint::{Options, Outcome};

/// What happens after fixing: report the scan, or stop with an exit code (`--diff`).
pub(super) enum Flow {
    Report(Box<Outcome>),
    Exit(u8),
}

/// Verifies the scan's fixes (a report shows only fixes that work), or applies them.
pub(super) fn run(args: &CheckArgs, opts: &Options, mut outcome: Outcome) -> Flow {
    if !args.fix && !args.diff {
        // Each check costs a rescan: done only for formats that show fixes, so pre-commit's
        // compact lines and the JUnit/checkstyle reports cost no more than before.
        let shows_fixes = !matches!(
            args.format,
            Some(Format::Compact | Format::Junit | Format::Checkstyle)
        );
        if shows_fixes {
            note_unchecked(fix::verify_all(opts, &mut outcome));
        } else {
            // Unverified candidates never leave this function.
            for f in &mut outcome.findings {
                f.fix = None;
            }
        }
        return Flow::Report(Box::new(outcome));
    }
    let root = outcome.sources.root().map(PathBuf::from);
    let applied = apply::run(opts, outcome, args.unsafe_fixes);
    let changes: Vec<(&PathBuf, &str, &str, &str)> = applied
        .overlay
        .iter()
        .filter_map(|(path, new)| {
            let (name, old) = applied.originals.get(path)?;
            (old != new).then_some((path, name.as_str(), old.as_str(), new.as_str()))
        })
        .collect();
    let n = applied.descriptions.len();
    let plural = |n: usize, what: &str| {
        let s = match (n, what.ends_with('x')) {
            (1, _) => "",
            (_, true) => "es",
            _ => "s",
        };
        format!("{n} {what}{s}")
    };
    if args.diff {
        if changes.is_empty() {
            let mut remaining = applied.outcome;
            note_unchecked(fix::verify_all(opts, &mut remaining));
            return Flow::Report(Box::new(remaining));
        }
        let mut out = std::io::stdout().lock();
        for (_, name, old, new) in &changes {
            let _ = out.write_all(diff::unified(name, old, new).as_bytes());
        }
        // The diff is complete on stdout before the summary goes to stderr.
        let _ = out.flush();
        eprintln!(
            "would apply {} in {}",
            plural(n, "fix"),
            plural(changes.len(), "file")
        );
        for d in &applied.descriptions {
            eprintln!("  {d}");
        }
        return Flow::Exit(1);
    }
    let mut failed = false;
    let root = root.unwrap_or_default();
    for (path, name, old, new) in &changes {
        if let Err(e) = write::fixed_file(path, &root, old, new) {
            eprintln!("error: {name} not written: {e}");
            failed = true;
        }
    }
    if n > 0 {
        eprintln!(
            "applied {} in {}:",
            plural(n, "fix"),
            plural(changes.len(), "file")
        );
        for d in &applied.descriptions {
            eprintln!("  {d}");
        }
    }
    if failed {
        return Flow::Exit(2);
    }
    let mut remaining = applied.outcome;
    note_unchecked(fix::verify_all(opts, &mut remaining));
    Flow::Report(Box::new(remaining))
}

fn note_unchecked(n: usize) {
    if n > 0 {
        eprintln!(
            "note: fixes for {n} more finding{} were not checked (at most {} per run) and are not shown; `--fix` applies them in steps",
            if n == 1 { "" } else { "s" },
            fix::verify::MAX_VERIFIED
        );
    }
}
