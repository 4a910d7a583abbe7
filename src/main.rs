//! Thin entry point: parse flags, run, map the outcome to an exit code. A panic that slips
//! through becomes an internal-error message and exit code 2, never a bare backtrace.

use std::process::ExitCode;

use clap::Parser;

aks_netlint::global_allocator!();

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "error: internal error in aks-netlint {}: {info}\nplease report this with the input that caused it",
            env!("CARGO_PKG_VERSION")
        );
    }));
    let cli = aks_netlint::cli::Cli::parse();
    match std::panic::catch_unwind(|| aks_netlint::cli::main_with(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(_) => ExitCode::from(2),
    }
}
