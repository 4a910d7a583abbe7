//! Linting off the message loop. The loop sends jobs (units made stale at a generation, with a
//! snapshot of the open buffers); the worker waits for a quiet moment (the debounce), then lints
//! one unit at a time, checking for newer work between units and between fix verifications, so
//! a keystroke cancels what the previous one started. Results carry their generation: the loop
//! drops any result for a unit that went stale after the run began.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

use super::convert::{self, Found, Texts};
use super::hover::{self, Entry};
use super::settings::Settings;
use super::units::{Unit, Units};
use crate::discover::Overlay;
use crate::lint;

/// What a run sees: the open buffers, the settings and the workspace's units.
pub struct Snapshot {
    pub overlay: Arc<Overlay>,
    /// Versions of the open buffers, for `publishDiagnostics`.
    pub versions: BTreeMap<PathBuf, i32>,
    pub settings: Arc<Settings>,
    pub units: Arc<Units>,
}

pub enum Job {
    Lint {
        generation: u64,
        snapshot: Arc<Snapshot>,
        units: Vec<Unit>,
    },
    Stop,
}

/// One unit linted.
#[derive(Clone)]
pub struct Done {
    pub unit: Unit,
    pub generation: u64,
    /// Every file the run read: a change to any of them makes the unit stale.
    pub deps: BTreeSet<PathBuf>,
    pub found: Vec<Found>,
    pub hovers: Vec<(PathBuf, Entry)>,
    pub versions: BTreeMap<PathBuf, i32>,
    /// The run's notes and unread sources, said once in the client's log.
    pub notes: Vec<String>,
    /// Why the run failed (a config error), shown to the user.
    pub error: Option<String>,
    /// How long the run took, for the client's trace.
    pub elapsed_ms: u128,
    /// Sent again after verifying the fixes (the findings are the same).
    pub verified: bool,
}

pub fn spawn(jobs: Receiver<Job>, done: Sender<Done>) -> thread::JoinHandle<()> {
    thread::spawn(move || Worker::default().run(&jobs, &done))
}

#[derive(Default)]
struct Worker {
    /// Stale units and the generation that made them stale.
    pending: BTreeMap<Unit, u64>,
    snapshot: Option<Arc<Snapshot>>,
}

enum Next {
    Work,
    Stop,
}

impl Worker {
    fn run(mut self, jobs: &Receiver<Job>, done: &Sender<Done>) {
        loop {
            if self.pending.is_empty() {
                match jobs.recv() {
                    Ok(job) => {
                        if let Next::Stop = self.take(job) {
                            return;
                        }
                    }
                    Err(_) => return,
                }
            }
            // The quiet period: every job that arrives during it restarts it.
            let debounce = self
                .snapshot
                .as_ref()
                .map(|s| s.settings.debounce())
                .unwrap_or_default();
            loop {
                match jobs.recv_timeout(debounce) {
                    Ok(job) => {
                        if let Next::Stop = self.take(job) {
                            return;
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            while let Some(unit) = self.next() {
                let Some(snapshot) = self.snapshot.clone() else {
                    break;
                };
                let generation = self.pending.remove(&unit).unwrap_or_default();
                let stop = || !jobs.is_empty();
                // A bug in the pipeline must cost one unit's findings, not the editor's server:
                // the unit reports the failure and the worker goes on.
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    lint_unit(&unit, generation, &snapshot, done, &stop)
                }));
                let sent = match run {
                    Ok(sent) => sent,
                    Err(_) => done
                        .send(Done::failed(
                            &unit,
                            generation,
                            &snapshot,
                            "internal error while linting (a bug; please report it with the file)",
                        ))
                        .map_err(|_| ()),
                };
                if sent.is_err() {
                    return;
                }
                match jobs.try_recv() {
                    Ok(job) => {
                        if let Next::Stop = self.take(job) {
                            return;
                        }
                        break;
                    }
                    Err(TryRecvError::Empty) => {}
                    Err(TryRecvError::Disconnected) => return,
                }
            }
        }
    }

    fn take(&mut self, job: Job) -> Next {
        match job {
            Job::Stop => Next::Stop,
            Job::Lint {
                generation,
                snapshot,
                units,
            } => {
                for u in units {
                    self.pending.insert(u, generation);
                }
                self.snapshot = Some(snapshot);
                Next::Work
            }
        }
    }

    /// Units of open buffers first: they are what the user is looking at.
    fn next(&self) -> Option<Unit> {
        let snap = self.snapshot.as_ref()?;
        let open: BTreeSet<Unit> = snap
            .versions
            .keys()
            .filter_map(|p| snap.units.owner(p))
            .collect();
        self.pending
            .keys()
            .find(|u| open.contains(u))
            .or_else(|| self.pending.keys().next())
            .cloned()
    }
}

impl Done {
    fn failed(unit: &Unit, generation: u64, snap: &Snapshot, why: &str) -> Done {
        Done {
            error: Some(why.to_string()),
            ..Done::empty(unit, generation, snap)
        }
    }

    fn empty(unit: &Unit, generation: u64, snap: &Snapshot) -> Done {
        Done {
            unit: unit.clone(),
            generation,
            deps: BTreeSet::new(),
            found: Vec::new(),
            hovers: Vec::new(),
            versions: snap.versions.clone(),
            notes: Vec::new(),
            error: None,
            elapsed_ms: 0,
            verified: false,
        }
    }
}

/// Lints one unit and sends its findings; then verifies their fix candidates (one scan each)
/// unless newer work arrived, and sends them again with the fixes that work.
fn lint_unit(
    unit: &Unit,
    generation: u64,
    snap: &Snapshot,
    done: &Sender<Done>,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<(), ()> {
    let started = std::time::Instant::now();
    let mut result = Done::empty(unit, generation, snap);
    let paths = snap.units.paths(unit);
    if paths.is_empty() {
        return done.send(result).map_err(|_| ());
    }
    result.deps.extend(paths.iter().cloned());
    let mut opts = snap.settings.options(&snap.units.root, paths);
    opts.overlay = Some(snap.overlay.clone());
    let mut raws = Vec::new();
    let outcome = lint::run_observed(&opts, &mut |roots, sources| {
        raws = hover::collect(roots, sources);
    });
    let mut outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            result.error = Some(e.to_string());
            return done.send(result).map_err(|_| ());
        }
    };
    for i in 0..outcome.sources.len() {
        if let Some(src) = outcome.sources.get(i).filter(|s| s.revision.is_none()) {
            result.deps.insert(src.path.clone());
        }
    }
    result.notes = outcome.notes.clone();
    result.notes.extend(
        outcome
            .unread
            .iter()
            .map(|u| format!("not read: {} ({})", u.path, u.reason)),
    );
    {
        let mut texts = Texts::new(&outcome.sources);
        result.hovers = hover::place(raws, &mut texts);
        let mut found = convert::findings(&outcome.findings, &snap.settings, &mut texts);
        // Candidates are not fixes until verified.
        for f in &mut found {
            f.fix = None;
        }
        result.found = found;
    }
    result.elapsed_ms = started.elapsed().as_millis();
    done.send(result.clone()).map_err(|_| ())?;
    if outcome.findings.iter().all(|f| f.fix.is_none()) || stop() {
        return Ok(());
    }
    crate::fix::verify::verify_until(&opts, &mut outcome, stop);
    if stop() {
        return Ok(());
    }
    let mut texts = Texts::new(&outcome.sources);
    result.found = convert::findings(&outcome.findings, &snap.settings, &mut texts);
    result.verified = true;
    result.elapsed_ms = started.elapsed().as_millis();
    done.send(result).map_err(|_| ())
}
