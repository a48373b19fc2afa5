//! Long work off the UI thread, the way gitui's `AsyncSingleJob` does it: one worker thread per
//! lane, at most one running job and one pending job per lane. Submitting a job replaces the
//! pending one (it is dropped, never run) and raises the cancel flag of the running one, so the
//! newest request always wins. Jobs report progress and their result as [`JobEvent`]s on a
//! channel the UI drains between frames; a job that panics becomes a [`JobEventKind::Panicked`]
//! event and the worker lives on.

use std::any::Any;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// A unit of work: gets its context, returns its output or an error message.
pub type Job<T> = Box<dyn FnOnce(&JobContext<T>) -> Result<T, String> + Send>;

/// Where a lane's events go: a function that sends one event on, e.g. wrapped in the app's
/// event type and put on its channel. Cloned into every job's context.
pub struct Outbox<T>(Arc<dyn Fn(JobEvent<T>) + Send + Sync>);

impl<T> Clone for Outbox<T> {
    fn clone(&self) -> Self {
        Outbox(self.0.clone())
    }
}

impl<T: 'static> Outbox<T> {
    /// Events wrapped by `wrap` into the channel's type `E` (ignored once the receiver is gone).
    pub fn mapped<E: Send + 'static>(events: Sender<E>, wrap: fn(JobEvent<T>) -> E) -> Outbox<T> {
        let events = Mutex::new(events);
        Outbox(Arc::new(move |e| {
            let events = events.lock().unwrap_or_else(|p| p.into_inner());
            let _ = events.send(wrap(e));
        }))
    }

    fn send(&self, event: JobEvent<T>) {
        (self.0)(event)
    }
}

impl<T: Send + 'static> From<Sender<JobEvent<T>>> for Outbox<T> {
    /// The events as they are.
    fn from(events: Sender<JobEvent<T>>) -> Outbox<T> {
        Outbox::mapped(events, |e| e)
    }
}

/// What a job tells the UI.
#[derive(Debug)]
pub struct JobEvent<T> {
    /// The id [`SingleJob::submit`] returned.
    pub id: u64,
    pub kind: JobEventKind<T>,
}

#[derive(Debug)]
pub enum JobEventKind<T> {
    Started,
    /// Fraction done in 0..=1 and a short label.
    Progress(f32, String),
    /// A line for the log of a long job (start-up).
    Note(String),
    Finished(Result<T, String>),
    /// The job saw its cancel flag (a newer job replaced it).
    Cancelled,
    /// The job was replaced before it started.
    Dropped,
    /// The job panicked; the message of the panic.
    Panicked(String),
}

impl<T> JobEventKind<T> {
    /// The kind's name (`Finished(Err)` is `failed`).
    pub fn name(&self) -> &'static str {
        match self {
            JobEventKind::Started => "started",
            JobEventKind::Progress(..) => "progress",
            JobEventKind::Note(_) => "note",
            JobEventKind::Finished(Ok(_)) => "finished",
            JobEventKind::Finished(Err(_)) => "failed",
            JobEventKind::Cancelled => "cancelled",
            JobEventKind::Dropped => "dropped",
            JobEventKind::Panicked(_) => "panicked",
        }
    }
}

/// Handed to a running job.
pub struct JobContext<T> {
    id: u64,
    cancel: Arc<AtomicBool>,
    events: Outbox<T>,
}

impl<T: 'static> JobContext<T> {
    /// Reports progress (ignored when the UI has gone).
    pub fn progress(&self, fraction: f32, label: impl Into<String>) {
        self.events.send(JobEvent {
            id: self.id,
            kind: JobEventKind::Progress(fraction.clamp(0.0, 1.0), label.into()),
        });
    }

    /// Adds a line to the job's log.
    pub fn note(&self, line: impl Into<String>) {
        self.events.send(JobEvent {
            id: self.id,
            kind: JobEventKind::Note(line.into()),
        });
    }

    /// A progress reporter that can move to other threads (e.g. a download listener).
    pub fn progress_fn(&self) -> impl Fn(f32, String) + Send + Sync + 'static
    where
        T: Send + 'static,
    {
        let (id, events) = (self.id, self.events.clone());
        move |fraction, label| {
            events.send(JobEvent {
                id,
                kind: JobEventKind::Progress(fraction.clamp(0.0, 1.0), label),
            });
        }
    }

    /// A shared handle on the cancel flag.
    pub fn cancel_handle(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// True once a newer job has been submitted or the worker is shutting down.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// The flag itself, for engine calls that take one.
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }
}

struct LaneState<T> {
    next_id: u64,
    pending: Option<(u64, Job<T>)>,
    running: Option<(u64, Arc<AtomicBool>)>,
    shutdown: bool,
}

type Shared<T> = Arc<(Mutex<LaneState<T>>, Condvar)>;

/// One lane's worker thread.
pub struct SingleJob<T: Send + 'static> {
    shared: Shared<T>,
    events: Outbox<T>,
    thread: Option<JoinHandle<()>>,
}

thread_local! {
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// True on a worker thread: the terminal's panic hook leaves the screen alone for those panics,
/// which the worker catches and reports.
pub fn on_worker_thread() -> bool {
    IN_WORKER.with(Cell::get)
}

impl<T: Send + 'static> SingleJob<T> {
    /// Starts the lane's thread (`name` names it); events go to `events`.
    pub fn new(name: &str, events: impl Into<Outbox<T>>) -> SingleJob<T> {
        let events = events.into();
        let shared: Shared<T> = Arc::new((
            Mutex::new(LaneState {
                next_id: 1,
                pending: None,
                running: None,
                shutdown: false,
            }),
            Condvar::new(),
        ));
        let (s, tx) = (shared.clone(), events.clone());
        let thread = std::thread::Builder::new()
            .name(format!("whyrec-{name}"))
            .spawn(move || work(s, tx))
            .ok();
        SingleJob {
            shared,
            events,
            thread,
        }
    }

    /// Queues `job` as the lane's only pending job, dropping an older pending one and cancelling
    /// the running one. Returns the job's id.
    pub fn submit(&self, job: Job<T>) -> u64 {
        let (lock, wake) = &*self.shared;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        let id = state.next_id;
        state.next_id += 1;
        if let Some((old, _)) = state.pending.take() {
            self.events.send(JobEvent {
                id: old,
                kind: JobEventKind::Dropped,
            });
        }
        if let Some((_, flag)) = &state.running {
            flag.store(true, Ordering::SeqCst);
        }
        state.pending = Some((id, job));
        wake.notify_all();
        id
    }

    /// Cancels the running job and drops the pending one without queueing anything.
    pub fn cancel(&self) {
        let (lock, _) = &*self.shared;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((old, _)) = state.pending.take() {
            self.events.send(JobEvent {
                id: old,
                kind: JobEventKind::Dropped,
            });
        }
        if let Some((_, flag)) = &state.running {
            flag.store(true, Ordering::SeqCst);
        }
    }

    /// True while a job runs or waits.
    pub fn is_busy(&self) -> bool {
        let (lock, _) = &*self.shared;
        let state = lock.lock().unwrap_or_else(|p| p.into_inner());
        state.pending.is_some() || state.running.is_some()
    }
}

impl<T: Send + 'static> Drop for SingleJob<T> {
    fn drop(&mut self) {
        {
            let (lock, wake) = &*self.shared;
            let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
            state.shutdown = true;
            state.pending = None;
            if let Some((_, flag)) = &state.running {
                flag.store(true, Ordering::SeqCst);
            }
            wake.notify_all();
        }
        // A job that ignores its cancel flag would block here; detach instead of waiting.
        drop(self.thread.take());
    }
}

fn work<T: Send + 'static>(shared: Shared<T>, events: Outbox<T>) {
    IN_WORKER.with(|w| w.set(true));
    lower_this_thread();
    let (lock, wake) = &*shared;
    loop {
        let (id, job, cancel) = {
            let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
            while state.pending.is_none() && !state.shutdown {
                state = wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            if state.shutdown {
                return;
            }
            let Some((id, job)) = state.pending.take() else {
                continue;
            };
            let cancel = Arc::new(AtomicBool::new(false));
            state.running = Some((id, cancel.clone()));
            (id, job, cancel)
        };
        let send = |kind| events.send(JobEvent { id, kind });
        send(JobEventKind::Started);
        let context = JobContext {
            id,
            cancel: cancel.clone(),
            events: events.clone(),
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| job(&context)));
        let kind = match outcome {
            Err(payload) => JobEventKind::Panicked(panic_message(payload.as_ref())),
            Ok(_) if cancel.load(Ordering::SeqCst) => JobEventKind::Cancelled,
            Ok(result) => JobEventKind::Finished(result),
        };
        send(kind);
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        state.running = None;
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a job panicked".to_string()
    }
}

/// Background work at a lower priority than the interface thread: the threads of rayon's global
/// pool (which run the jobs' parallel parts) and every job lane's thread take nice 10 (Linux; a
/// no-op elsewhere), so that a key pressed while a retrain or a Trust job runs on both cores is
/// still answered at once — the interface thread and the threads it starts for its own scoring
/// keep the normal priority and win the cores whenever they want them; idle, the jobs get all of
/// them. Builds the global pool, so call it before any parallel work (later it leaves the pool
/// as it is).
pub fn background_pool_yields() {
    let _ = rayon::ThreadPoolBuilder::new()
        .start_handler(|_| lower_this_thread())
        .build_global();
}

/// Lowers the calling thread's scheduling priority to nice 10 (Linux: a thread's own nice value).
fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with `who` 0 changes only the calling thread's nice value; no memory
    // is touched.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, Receiver};
    use std::time::Duration;

    fn next(rx: &Receiver<JobEvent<u32>>) -> JobEvent<u32> {
        rx.recv_timeout(Duration::from_secs(20)).expect("an event")
    }

    #[test]
    fn newest_wins_pending_dropped_running_cancelled() {
        let (tx, rx) = channel();
        let lane = SingleJob::new("retrain", tx);
        let (gate_tx, gate_rx) = channel::<()>();
        let gate = Mutex::new(gate_rx);
        let first = lane.submit(Box::new(move |ctx| {
            let _ = gate.lock().unwrap().recv();
            while !ctx.is_cancelled() {
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(1)
        }));
        let e = next(&rx);
        assert!((e.id, matches!(e.kind, JobEventKind::Started)) == (first, true));
        let second = lane.submit(Box::new(|_| Ok(2)));
        let third = lane.submit(Box::new(|_| Ok(3)));
        gate_tx.send(()).unwrap();
        let mut seen = Vec::new();
        while seen.len() < 4 {
            let e = next(&rx);
            seen.push((e.id, format!("{:?}", e.kind)));
        }
        assert!(seen.contains(&(second, "Dropped".into())), "{seen:?}");
        assert!(seen.contains(&(first, "Cancelled".into())), "{seen:?}");
        assert!(seen.contains(&(third, "Started".into())), "{seen:?}");
        assert!(
            seen.contains(&(third, "Finished(Ok(3))".into())),
            "{seen:?}"
        );
    }

    #[test]
    fn a_panicking_job_is_reported_and_the_lane_lives_on() {
        let (tx, rx) = channel();
        let lane = SingleJob::new("compare", tx);
        let id = lane.submit(Box::new(|_| panic!("boom {}", 7)));
        let _started = next(&rx);
        let e = next(&rx);
        assert_eq!(e.id, id);
        assert!(
            matches!(e.kind, JobEventKind::Panicked(ref m) if m == "boom 7"),
            "{e:?}"
        );
        let id = lane.submit(Box::new(|ctx| {
            ctx.progress(0.5, "half");
            Ok(9)
        }));
        let kinds: Vec<String> = (0..3).map(|_| format!("{:?}", next(&rx).kind)).collect();
        assert_eq!(
            kinds,
            ["Started", "Progress(0.5, \"half\")", "Finished(Ok(9))"]
        );
        assert!(id > 1);
    }
}
