//! Command line: raw flags ([`args`]) turned into [`lint::Options`](crate::lint::Options), the
//! choice of output, and the mapping of outcomes to exit codes (0 clean, 1 findings at or above
//! the fail level, 2 error).

pub mod args;
pub mod baseline;
pub mod explain;
mod fixing;
mod manpage;

pub use args::{CheckArgs, Cli, Color, Command, FailLevel, Format, ListFormat, MapArgs};

use std::io::{IsTerminal, Write};

use crate::diagnostic::Severity;
use crate::lint::{self, Options};
use crate::report;

/// Flags that cannot be turned into options; printed after `error: `.
#[derive(Debug, thiserror::Error)]
enum UsageError {
    #[error("--var takes NAME=VALUE, got `{0}`")]
    VarSyntax(String),
    #[error("cannot read stdin: {0}")]
    Stdin(std::io::Error),
    #[error(transparent)]
    Baseline(#[from] baseline::BaselineError),
}

/// Runs the CLI; returns the process exit code.
pub fn main_with(cli: Cli) -> u8 {
    match cli.command {
        Some(Command::Rules { format }) => print(&explain::list(format == ListFormat::Json)),
        Some(Command::Explain { id }) => match explain::explain(&id) {
            Some(t) => print(&t),
            None => {
                eprintln!("error: no rule {id}; `aks-netlint rules` lists them");
                2
            }
        },
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "aks-netlint", &mut out);
            print(&String::from_utf8_lossy(&out))
        }
        Some(Command::Manpage) => match manpage::render() {
            Some(page) => print(&page),
            None => 2,
        },
        Some(Command::Check(args)) => check(&args),
        Some(Command::Map(args)) => map(&args),
        Some(Command::Server) => crate::server::run(),
        None => check(&cli.check),
    }
}

fn print(s: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    if out.write_all(s.as_bytes()).is_err() {
        return 2;
    }
    0
}

fn check(args: &CheckArgs) -> u8 {
    if let Some(j) = args.jobs {
        // Only fails if a pool already exists, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global();
    }
    let opts = match options(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let outcome = match lint::run(&opts) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let outcome = match fixing::run(args, &opts, outcome) {
        fixing::Flow::Report(o) => *o,
        fixing::Flow::Exit(code) => return code,
    };
    let view = outcome.report();
    if let Some(b) = &args.write_baseline {
        // Recording a baseline accepts today's findings: say what was written and pass.
        if let Err(e) = baseline::write(b, &view) {
            eprintln!("error: {e}");
            return 2;
        }
        let n = outcome.findings.len();
        let s = if n == 1 { "" } else { "s" };
        println!("wrote a baseline of {n} finding{s} to {}", b.display());
        for note in report::notes(&view) {
            println!("{note}");
        }
        return 0;
    }
    let format = args.format.unwrap_or(Format::Text);
    let text = render(args, format, &view);
    if format != Format::Text {
        // Machine formats keep stdout parseable; what was not read still reaches the user,
        // in one write (stderr is unbuffered: a large repository has thousands of notes).
        let notes: String = report::notes(&view).into_iter().map(|n| n + "\n").collect();
        let _ = std::io::stderr().lock().write_all(notes.as_bytes());
    }
    let written = match &args.output {
        Some(p) => crate::fix::write::atomic(p, text.as_bytes())
            .map_err(|e| format!("{}: {e}", p.display())),
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string()),
    };
    if let Err(e) = written {
        eprintln!("error: {e}");
        return 2;
    }
    exit_code(args.fail_level, &outcome)
}

/// `map`: runs the pipeline as `check` would and writes the picture. Exit 0 when written
/// (findings are drawn, not judged), 2 on a usage or I/O error.
fn map(args: &MapArgs) -> u8 {
    use crate::map::{self, MapFormat};
    let check_args = args.as_check();
    if let Some(j) = args.jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global();
    }
    let built = options(&check_args)
        .map_err(|e| e.to_string())
        .and_then(|o| map::build(&o).map_err(|e| e.to_string()));
    let m = match built {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    for n in report::notes(&m.outcome.report()) {
        eprintln!("{n}");
    }
    let format = args.format.unwrap_or(MapFormat::Html);
    let text = match format {
        MapFormat::Html => map::html::render(&m.variants),
        MapFormat::Svg => map::svg::render(&m.variants),
        MapFormat::Json => map::json::render(&m.variants),
    };
    let target = match (&args.output, format) {
        (Some(p), _) => Some(p.clone()),
        (None, MapFormat::Html) => Some(std::path::PathBuf::from(map::DEFAULT_HTML)),
        (None, _) => None,
    };
    let written = match &target {
        Some(p) => std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display())),
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string()),
    };
    match (written, target) {
        (Err(e), _) => {
            eprintln!("error: {e}");
            2
        }
        (Ok(()), Some(p)) => {
            eprintln!("wrote {}", p.display());
            0
        }
        (Ok(()), None) => 0,
    }
}

/// The pipeline's options from the flags: `--var` split, the editor buffer read from stdin,
/// the baseline file read.
fn options(args: &CheckArgs) -> Result<Options, UsageError> {
    let mut vars = Vec::new();
    for v in &args.vars {
        match v.split_once('=') {
            Some((k, val)) => vars.push((k.trim().to_string(), val.to_string())),
            None => return Err(UsageError::VarSyntax(v.clone())),
        }
    }
    let mut opts = Options {
        paths: args.paths.clone(),
        var_files: args.var_files.clone(),
        param_files: args.param_files.clone(),
        vars,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        show_unknown: args.show_unknown,
        config: args.config.clone(),
        no_config: args.no_config,
        stdin: None,
        baseline: None,
        follow_outside_root: args.follow_outside_root,
        compare_to: args.compare_to.clone(),
        plan: args.plan.clone(),
        overlay: None,
        rescan: None,
    };
    if let Some(name) = &args.stdin_filename {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(UsageError::Stdin)?;
        opts.stdin = Some((name.clone(), text));
    }
    if let Some(b) = &args.baseline {
        opts.baseline = Some(baseline::read(b)?);
    }
    Ok(opts)
}

/// The report in the chosen format; text is colored when asked or when it goes to a terminal
/// that does not set NO_COLOR.
fn render(args: &CheckArgs, format: Format, view: &report::Report<'_>) -> String {
    let to_tty = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color.unwrap_or(Color::Auto) {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => to_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    match format {
        Format::Text => report::text::render_with(view, color, !args.quiet),
        Format::Json => report::json::render(view),
        Format::Compact => report::compact::render(view),
        Format::Sarif => report::sarif::render(view),
        Format::Github => report::github::render(view),
        Format::Junit => report::xml::junit(view),
        Format::Checkstyle => report::xml::checkstyle(view),
    }
}

/// 1 when a finding is at or above the fail level (the flag's, else the config file's, else
/// warning), else 0.
fn exit_code(flag: Option<FailLevel>, outcome: &lint::Outcome) -> u8 {
    let threshold = match flag {
        Some(FailLevel::Error) => Some(Severity::Error),
        Some(FailLevel::Warning) => Some(Severity::Warning),
        Some(FailLevel::Info) => Some(Severity::Info),
        Some(FailLevel::Never) => None,
        None => outcome
            .fail_level
            .map_or(Some(Severity::Warning), |f| f.threshold()),
    };
    let failing = threshold.is_some_and(|t| outcome.findings.iter().any(|f| f.severity >= t));
    u8::from(failing)
}
