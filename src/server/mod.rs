//! `aks-netlint server`: the linter as a language server over stdio.
//!
//! The message loop ([`state`]) owns the open buffers, the workspace's units and the cached
//! results per unit; a worker thread ([`worker`]) lints stale units with the buffers laid over
//! the files on disk. Findings become diagnostics ([`convert`]), the evaluated models become
//! the value chain on hover ([`hover`]), verified fixes and suppression comments become code
//! actions ([`actions`]).
//!
//! lsp-server (rust-analyzer's transport) over tower-lsp: the pipeline is synchronous and
//! parallel with rayon, so an async runtime would only add a layer between the loop and the
//! work; a plain thread and two channels are all the scheduling the server needs.

mod actions;
mod convert;
mod hover;
mod settings;
mod state;
mod text;
mod transport;
mod units;
mod uri;
mod worker;

pub use settings::Settings;
pub use transport::Out;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::Message;

/// Runs the server on stdio until the client says `exit` or closes stdin. The exit code
/// follows the protocol: 0 after `shutdown`, 1 otherwise.
pub fn run() -> u8 {
    let (incoming, outgoing, writer) = transport::stdio();
    let code = serve(&incoming, outgoing.clone());
    let _ = outgoing.send(Out::Stop);
    let _ = writer.join();
    code
}

/// Serves messages from `incoming`, answering on `outgoing` (stdio, or channels in a benchmark).
pub fn serve(incoming: &Receiver<Message>, outgoing: Sender<Out>) -> u8 {
    let (jobs_tx, jobs_rx) = crossbeam_channel::unbounded();
    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    let worker = worker::spawn(jobs_rx, done_tx);
    let mut server = state::Server::new(outgoing, jobs_tx.clone());
    let code = server.serve(incoming, &done_rx);
    let _ = jobs_tx.send(worker::Job::Stop);
    drop(server);
    let _ = worker.join();
    code
}
