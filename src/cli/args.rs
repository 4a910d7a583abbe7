//! The command line as typed: clap's flags and subcommands, nothing resolved. [`super`] turns
//! them into the pipeline's [`Options`](crate::config::Options), which
//! [`config::resolve`](crate::config::resolve) merges with the config file.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
    /// Draw the address plan (VNets, subnets, pod and service CIDRs, conflicts, free space)
    /// as one self-contained HTML page, an SVG or the laid-out plan as JSON.
    Map(Box<MapArgs>),
    /// Run as a language server over stdio (LSP): findings as you type, the value chain on
    /// hover, fixes as code actions. Settings come from `.aks-netlint.toml` and the client's
    /// `initializationOptions` (the config file's keys).
    Server,
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
    /// Apply safe fixes in place (each verified by scanning again), then report what remains.
    #[arg(long, conflicts_with_all = ["diff", "stdin_filename", "write_baseline"])]
    pub fix: bool,
    /// With --fix or --diff: also apply unsafe fixes (shared values, attributes whose change
    /// replaces a deployed resource).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print what --fix would change as a unified diff and write nothing (exit 1 if it prints
    /// a diff).
    #[arg(long, conflicts_with_all = ["stdin_filename", "write_baseline"])]
    pub diff: bool,
}

/// `map`: the flags of `check` that choose what is read and how it is evaluated, and the
/// picture's format and file.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct MapArgs {
    /// Files or directories to draw (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// What to write: a self-contained page (default), the picture alone, or the plan as JSON.
    #[arg(long, value_enum)]
    pub format: Option<crate::map::MapFormat>,
    /// Write to this file (default: aks-netlint-map.html for html, stdout for svg and json).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Only these rules' findings are drawn as conflicts (IDs or family prefixes).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules (IDs or family prefixes), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// A Terraform variable file, after the automatic ones (repeatable).
    #[arg(long = "var-file")]
    pub var_files: Vec<PathBuf>,
    /// ARM parameter file (JSON or .bicepparam) applied to every template (repeatable).
    #[arg(long = "param-file", value_name = "FILE")]
    pub param_files: Vec<PathBuf>,
    /// A Terraform plan as JSON: draw its planned values.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Also draw the same paths at this git revision, as a variant (before/after).
    #[arg(long, value_name = "GIT_REV")]
    pub compare_to: Option<String>,
    /// A Terraform variable, NAME=VALUE (repeatable; wins over files).
    #[arg(long = "var")]
    pub vars: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Use this config file instead of looking for `.aks-netlint.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any `.aks-netlint.toml`.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Also read symlinks and local module sources that point outside the repository root.
    #[arg(long)]
    pub follow_outside_root: bool,
    /// `check`'s report-only flags, accepted so one argument list serves both commands (the
    /// Action passes its `args` to each); they change nothing in the picture.
    #[command(flatten)]
    pub report_only: ReportOnlyArgs,
}

/// Flags of `check` that only shape its report or exit code.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct ReportOnlyArgs {
    #[arg(long, value_enum, hide = true)]
    pub fail_level: Option<FailLevel>,
    #[arg(long, hide = true)]
    pub show_unknown: bool,
    #[arg(long, value_name = "FILE", hide = true)]
    pub baseline: Option<PathBuf>,
    #[arg(long, value_enum, hide = true)]
    pub color: Option<Color>,
    #[arg(long, short = 'q', hide = true)]
    pub quiet: bool,
}

impl MapArgs {
    /// The same request as `check` with these flags.
    pub fn as_check(&self) -> CheckArgs {
        CheckArgs {
            paths: self.paths.clone(),
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            var_files: self.var_files.clone(),
            param_files: self.param_files.clone(),
            plan: self.plan.clone(),
            compare_to: self.compare_to.clone(),
            vars: self.vars.clone(),
            jobs: self.jobs,
            config: self.config.clone(),
            no_config: self.no_config,
            follow_outside_root: self.follow_outside_root,
            ..CheckArgs::default()
        }
    }
}
