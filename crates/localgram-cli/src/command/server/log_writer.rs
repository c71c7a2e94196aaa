//! Where log lines go: a buffer in memory that a writer thread empties into stderr.
//!
//! A line costs its thread an append under a lock. An idle writer thread is woken by the first
//! line and writes it at once; it then waits [`FLUSH_INTERVAL`] before it writes again, so under
//! load it writes what has accumulated in one call every interval, and nobody wakes it.
//! (tracing-appender's non-blocking writer sends each line through a channel and wakes its
//! thread for it. At tens of thousands of requests per second, that wake-up and the `write` that
//! follows cost more than formatting the line.)
//!
//! Nothing is dropped. When the buffer holds [`HIGH_WATER`] bytes, the thread that logs writes
//! it out itself before going on, so a flood of logging slows the server down rather than
//! growing its memory. Lines stay whole and in order. Dropping the [`FlushGuard`] writes what is
//! left.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// The least time between two writes of the writer thread (how long a line may wait in memory).
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(10);
/// How much may wait before the logging thread writes it out itself.
pub const HIGH_WATER: usize = 256 * 1024;

/// Hands out writers that append to the shared buffer (see the module documentation).
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

/// Stops the writer thread and writes what is left when dropped.
pub struct FlushGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    /// Lines not written yet.
    pending: Mutex<Vec<u8>>,
    /// The destination. Its lock is taken before `pending`'s when emptying it, so buffers are
    /// written in the order they were taken.
    out: Mutex<Output>,
    /// Set when the guard is dropped.
    stopped: Mutex<bool>,
    /// Wakes the writer thread: for a line when it waits for one, or to stop.
    wake: Condvar,
    /// Whether the writer thread waits for a line (then the next line wakes it).
    idle: AtomicBool,
}

struct Output {
    sink: Box<dyn Write + Send>,
    /// The buffer swapped in for `pending` at each write (so neither is reallocated).
    spare: Vec<u8>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl LogWriter {
    /// A writer into `sink`, and the guard of its writer thread.
    pub fn new(sink: impl Write + Send + 'static) -> (Self, FlushGuard) {
        Self::with_interval(sink, FLUSH_INTERVAL)
    }

    /// [`LogWriter::new`], the thread waking every `interval`.
    fn with_interval(sink: impl Write + Send + 'static, interval: Duration) -> (Self, FlushGuard) {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Vec::with_capacity(64 * 1024)),
            out: Mutex::new(Output {
                sink: Box::new(sink),
                spare: Vec::with_capacity(64 * 1024),
            }),
            stopped: Mutex::new(false),
            wake: Condvar::new(),
            idle: AtomicBool::new(false),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("localgram-log".into())
                .spawn(move || shared.run(interval))
                .ok()
        };
        let guard = FlushGuard {
            shared: Arc::clone(&shared),
            thread,
        };
        (Self { shared }, guard)
    }
}

impl LogWriter {
    /// Appends `bytes` (whole lines) as one event's writer does.
    pub fn append(&self, bytes: &[u8]) {
        let _ = Append {
            shared: &self.shared,
        }
        .write(bytes);
    }
}

impl Shared {
    /// The writer thread: wait for a line, write out, let `interval` pass; until stopped.
    fn run(&self, interval: Duration) {
        let mut stopped = lock(&self.stopped);
        loop {
            // Idle until a line comes. `idle` is set before `pending` is looked at, and a line
            // is appended before `idle` is looked at: either this sees the line, or the line's
            // thread sees `idle` and (under `stopped`'s lock, so not before this waits) wakes it.
            while !*stopped {
                self.idle.store(true, Ordering::SeqCst);
                if !lock(&self.pending).is_empty() {
                    break;
                }
                stopped = self
                    .wake
                    .wait(stopped)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            self.idle.store(false, Ordering::SeqCst);
            if *stopped {
                return;
            }
            drop(stopped);
            self.flush();
            // Lines that come meanwhile wait (nobody wakes this), then go out in one write.
            stopped = lock(&self.stopped);
            if !*stopped {
                stopped = self
                    .wake
                    .wait_timeout(stopped, interval)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        }
    }

    /// Writes out everything appended so far.
    fn flush(&self) {
        let mut out = lock(&self.out);
        let Output { sink, spare } = &mut *out;
        std::mem::swap(&mut *lock(&self.pending), spare);
        if !spare.is_empty() {
            // A log that cannot be written (stderr closed) is not a reason to stop serving.
            let _ = sink.write_all(spare).and_then(|()| sink.flush());
            spare.clear();
        }
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        *lock(&self.shared.stopped) = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.shared.flush();
    }
}

/// One event's writer: tracing-subscriber writes each formatted line with one `write_all`.
pub struct Append<'a> {
    shared: &'a Shared,
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = Append<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Append {
            shared: &self.shared,
        }
    }
}

impl Write for Append<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let full = {
            let mut pending = lock(&self.shared.pending);
            pending.extend_from_slice(buf);
            pending.len() >= HIGH_WATER
        };
        if full {
            self.shared.flush();
        } else if self.shared.idle.swap(false, Ordering::SeqCst) {
            let _stopped = lock(&self.shared.stopped);
            self.shared.wake.notify_one();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// A sink that records what it was given, and how many writes it took.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let mut s = lock(&self.0);
            s.0.extend_from_slice(buf);
            s.1 += 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8(lock(&self.0).0.clone()).unwrap()
        }
        fn writes(&self) -> usize {
            lock(&self.0).1
        }
    }

    /// Logs `text` as tracing-subscriber does: the whole line in one `write_all`.
    fn line(writer: &LogWriter, text: &str) {
        writer
            .make_writer()
            .write_all(format!("{text}\n").as_bytes())
            .unwrap();
    }

    #[test]
    fn lines_arrive_whole_in_order_and_in_few_writes() {
        let sink = Sink::default();
        let (writer, guard) = LogWriter::new(sink.clone());
        std::thread::scope(|s| {
            for t in 0..4 {
                let writer = writer.clone();
                s.spawn(move || {
                    for i in 0..1000 {
                        line(&writer, &format!("thread {t} line {i}"));
                    }
                });
            }
        });
        drop(guard);
        let text = sink.text();
        assert_eq!(text.lines().count(), 4000);
        for t in 0..4 {
            let mine: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with(&format!("thread {t} ")))
                .collect();
            let expected: Vec<String> = (0..1000).map(|i| format!("thread {t} line {i}")).collect();
            assert!(
                mine == expected,
                "thread {t}'s lines are not whole and in order"
            );
        }
        assert!(
            sink.writes() < 400,
            "{} writes for 4000 lines",
            sink.writes()
        );
    }

    #[test]
    fn a_lone_line_is_written_without_more_logging() {
        let sink = Sink::default();
        let (writer, _guard) = LogWriter::new(sink.clone());
        line(&writer, "one line");
        let start = Instant::now();
        // Generous: this only turns a writer thread that never writes into a failure.
        while sink.text().is_empty() && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(sink.text(), "one line\n");
    }

    #[test]
    fn a_full_buffer_is_written_by_the_logging_thread_at_once() {
        let sink = Sink::default();
        // After its first write, the writer thread waits an hour: only the logging thread's
        // own write can make more bytes appear before the guard is dropped.
        let (writer, guard) = LogWriter::with_interval(sink.clone(), Duration::from_secs(3600));
        line(&writer, "first");
        let start = Instant::now();
        while sink.text().is_empty() && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(sink.text(), "first\n");
        let long = "x".repeat(1023);
        let mut written = "first\n".len();
        while written < "first\n".len() + HIGH_WATER {
            line(&writer, &long);
            written += long.len() + 1;
        }
        assert_eq!(
            sink.text().len(),
            written,
            "the logging thread wrote the full buffer itself"
        );
        assert_eq!(sink.writes(), 2);
        drop(guard);
        assert_eq!(sink.text().len(), written);
    }

    #[test]
    fn dropping_the_guard_writes_what_is_left() {
        let sink = Sink::default();
        let (writer, guard) = LogWriter::new(sink.clone());
        for i in 0..10 {
            line(&writer, &format!("line {i}"));
        }
        drop(guard);
        assert_eq!(sink.text().lines().count(), 10);
        assert!(sink.text().ends_with("line 9\n"));
    }
}
