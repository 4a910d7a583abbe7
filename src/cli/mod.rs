//! Command line: raw flags (clap) resolved into [`lint::Options`](crate::lint::Options), and the
//! mapping of outcomes to exit codes (0 clean, 1 findings at or above the fail level, 2 error).

pub mod baseline;
pub mod explain;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;
use crate::lint::{self, Options};
use crate::report;

#[derive(Parser, Debug)]
#[command(
    name = "aks-netlint",
    version,
    about = "Lint AKS networking in Terraform, Bicep and ARM before it fails in Azure"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint paths (the default command).
    Check(Box<CheckArgs>),
    /// List every rule ID with its severity and status.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Explain one rule: what, why, sources with dates, examples.
    Explain { id: String },
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff).
    Manpage,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Compact,
    Sarif,
    Github,
    Junit,
    Checkstyle,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailLevel {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug, Default, Clone)]
pub struct CheckArgs {
    /// Files or directories to lint (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to a file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum)]
    pub fail_level: Option<FailLevel>,
    /// Only these rules (IDs or family prefixes such as OVL), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules (IDs or family prefixes), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// A Terraform variable file, after the automatic ones (repeatable).
    #[arg(long = "var-file")]
    pub var_files: Vec<PathBuf>,
    /// ARM parameter file (JSON or .bicepparam) applied to every template (repeatable); files
    /// named `<template>.parameters[.<env>].json` beside a template are paired automatically.
    #[arg(long = "param-file", value_name = "FILE")]
    pub param_files: Vec<PathBuf>,
    /// A Terraform plan as JSON (`terraform show -json tfplan > plan.json`): every rule runs on
    /// its planned values and the migration rules on its changes. Findings point at the `.tf`
    /// source when the plan's configuration is among the scanned paths, else into the plan.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Migration checks (MIG rules): compare with the same paths at this git revision, e.g.
    /// `HEAD` in a pre-commit hook or `origin/main` in a pull request. Read-only.
    #[arg(long, value_name = "GIT_REV")]
    pub compare_to: Option<String>,
    /// A Terraform variable, NAME=VALUE (repeatable; wins over files).
    #[arg(long = "var")]
    pub vars: Vec<String>,
    /// Also report what could not be decided because a value is unknown (EVAL001).
    #[arg(long)]
    pub show_unknown: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// When to color text output (NO_COLOR is honored in auto).
    #[arg(long, value_enum)]
    pub color: Option<Color>,
    /// Print nothing but findings (no summary line).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Use this config file instead of looking for `.aks-netlint.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any `.aks-netlint.toml`.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Read the file from stdin as if it were at this path (editors); siblings come from disk
    /// and only this file's findings are reported.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings as a baseline (fingerprints stable across line shifts).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Also read symlinks and local module sources that point outside the repository root.
    #[arg(long)]
    pub follow_outside_root: bool,
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
        Some(Command::Manpage) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            if clap_mangen::Man::new(cmd).render(&mut out).is_err() {
                return 2;
            }
            print(&String::from_utf8_lossy(&out))
        }
        Some(Command::Check(args)) => check(&args),
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
    let mut vars = Vec::new();
    for v in &args.vars {
        match v.split_once('=') {
            Some((k, val)) => vars.push((k.trim().to_string(), val.to_string())),
            None => {
                eprintln!("error: --var takes NAME=VALUE, got `{v}`");
                return 2;
            }
        }
    }
    let opts = Options {
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
    };
    let mut opts = opts;
    if let Some(name) = &args.stdin_filename {
        let mut text = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
            eprintln!("error: cannot read stdin: {e}");
            return 2;
        }
        opts.stdin = Some((name.clone(), text));
    }
    if let Some(b) = &args.baseline {
        match baseline::read(b) {
            Ok(set) => opts.baseline = Some(set),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    let outcome = match lint::run(&opts) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
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
    let to_tty = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color.unwrap_or(Color::Auto) {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => to_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let text = match format {
        Format::Text => report::text::render_with(&view, color, !args.quiet),
        Format::Json => report::json::render(&view),
        Format::Compact => report::compact::render(&view),
        Format::Sarif => report::sarif::render(&view),
        Format::Github => report::github::render(&view),
        Format::Junit => report::xml::junit(&view),
        Format::Checkstyle => report::xml::checkstyle(&view),
    };
    if format != Format::Text {
        // Machine formats keep stdout parseable; what was not read still reaches the user.
        for n in report::notes(&view) {
            eprintln!("{n}");
        }
    }
    let written = match &args.output {
        Some(p) => std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display())),
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string()),
    };
    if let Err(e) = written {
        eprintln!("error: {e}");
        return 2;
    }
    let threshold = match args.fail_level {
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
