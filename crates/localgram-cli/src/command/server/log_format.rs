//! The `pretty` log format: tracing-subscriber's compact format, with access-log lines written
//! directly.
//!
//! Every request logs one `localgram::access` event. The compact format writes each of its
//! fields through a `Debug` call and style wrappers, which costs a few percent of a Graph call
//! answered from memory. [`PrettyFormat`] writes those lines itself, byte for byte as the
//! compact format would (a test compares the two), and hands everything else to the compact
//! format: other events, lines inside a span, and colored output on a terminal.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{Compact, Format, FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, format};
use tracing_subscriber::registry::LookupSpan;

use localgram_server::http::logging::{ACCESS_TARGET, AccessLine, AccessLog};

/// Wall-clock timestamps exactly as tracing-subscriber's `SystemTime` writes them (RFC 3339 in
/// UTC with microseconds: `2026-11-23T17:08:14.409473Z`), with the date and time of day
/// formatted once per second on each thread instead of through `fmt` on every line.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogTime;

impl FormatTime for LogTime {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        #[allow(clippy::disallowed_methods)] // a log line's wall-clock time, not the emulated clock
        let now = std::time::SystemTime::now();
        write_stamp(w, now)
    }
}

/// Writes `at` as [`LogTime`] does.
fn write_stamp(w: &mut impl fmt::Write, at: std::time::SystemTime) -> fmt::Result {
    thread_local! {
        /// The whole second last formatted on this thread, and its `YYYY-MM-DDTHH:MM:SS.`.
        static SECOND: std::cell::RefCell<(u64, String)> = const {
            std::cell::RefCell::new((u64::MAX, String::new()))
        };
    }
    let Ok(since) = at.duration_since(std::time::UNIX_EPOCH) else {
        return Err(fmt::Error);
    };
    let (secs, micros) = (since.as_secs(), since.subsec_micros());
    SECOND.with_borrow_mut(|(second, prefix)| {
        if *second != secs {
            let t = i64::try_from(secs)
                .ok()
                .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
                .ok_or(fmt::Error)?;
            prefix.clear();
            fmt::Write::write_fmt(
                prefix,
                format_args!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                ),
            )?;
            *second = secs;
        }
        w.write_str(prefix)
    })?;
    let mut digits = [b'0'; 7];
    let mut n = micros;
    for d in digits[..6].iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    digits[6] = b'Z';
    // Seven ASCII bytes.
    w.write_str(std::str::from_utf8(&digits).map_err(|_| fmt::Error)?)
}

/// The `pretty` format (see the module documentation).
pub struct PrettyFormat<T = LogTime> {
    compact: Format<Compact, T>,
    timer: T,
}

impl PrettyFormat {
    /// The format with wall-clock timestamps.
    pub fn new() -> Self {
        Self::with_timer(LogTime)
    }
}

impl<T: FormatTime + Clone> PrettyFormat<T> {
    /// The format with timestamps from `timer`.
    pub fn with_timer(timer: T) -> Self {
        Self {
            compact: format().compact().with_timer(timer.clone()),
            timer,
        }
    }
}

impl<S, N, T> FormatEvent<S, N> for PrettyFormat<T>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    T: FormatTime,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        if meta.target() != ACCESS_TARGET
            || writer.has_ansi_escapes()
            || ctx.lookup_current().is_some()
        {
            return self.compact.format_event(ctx, writer, event);
        }
        if self.timer.format_time(&mut writer).is_err() {
            writer.write_str("<unknown time>")?;
        }
        // The level right-aligned in five columns, as `{:>5}` writes it, without `fmt`.
        let level = match *meta.level() {
            tracing::Level::TRACE => "TRACE",
            tracing::Level::DEBUG => "DEBUG",
            tracing::Level::INFO => " INFO",
            tracing::Level::WARN => " WARN",
            tracing::Level::ERROR => "ERROR",
        };
        writer.write_char(' ')?;
        writer.write_str(level)?;
        writer.write_char(' ')?;
        writer.write_str(ACCESS_TARGET)?;
        writer.write_str(": ")?;
        let mut fields = Fields {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_char('\n')
    }
}

/// Access lines written straight into the log's buffer, byte for byte what [`PrettyFormat`]
/// writes for the `localgram::access` event (a test compares the two), without the event's
/// dispatch and its fields' visits. Installed only where that format writes without colors and
/// the filter has no span or field directives; a line the filter drops is dropped, and a line
/// inside a span goes to the event.
pub struct DirectAccessLog {
    writer: super::log_writer::LogWriter,
}

impl DirectAccessLog {
    /// Access lines into `writer`.
    pub fn new(writer: super::log_writer::LogWriter) -> Self {
        Self { writer }
    }
}

impl AccessLog for DirectAccessLog {
    fn write(&self, line: &AccessLine<'_>) {
        if !tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO) {
            return;
        }
        if !tracing::Span::current().is_none() {
            return line.emit();
        }
        thread_local! {
            static LINE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        LINE.with_borrow_mut(|buf| {
            buf.clear();
            if write_access_line(buf, &LogTime, line).is_ok() {
                self.writer.append(buf.as_bytes());
            }
        });
    }
}

/// Writes `line` as [`PrettyFormat`] writes its event, timestamp from `timer`.
fn write_access_line(
    out: &mut String,
    timer: &impl FormatTime,
    line: &AccessLine<'_>,
) -> fmt::Result {
    if timer.format_time(&mut Writer::new(out)).is_err() {
        out.push_str("<unknown time>");
    }
    // The level right-aligned in five columns after a space, as in the event's line.
    out.push_str("  INFO ");
    out.push_str(ACCESS_TARGET);
    out.push_str(": request method=");
    out.push_str(line.method);
    out.push_str(" path=");
    out.push_str(line.path);
    out.push_str(" query=");
    write_debug_str(out, line.query)?;
    out.push_str(" status=");
    out.push_str(itoa::Buffer::new().format(line.status));
    out.push_str(" latency_ms=");
    write_millis(out, line.latency_us)?;
    out.push_str(" app=");
    write_debug_str(out, line.app)?;
    out.push_str(" graph_code=");
    out.push_str(itoa::Buffer::new().format(line.graph_code));
    out.push('\n');
    Ok(())
}

/// `micros` as milliseconds, what `Debug` writes for `micros as f64 / 1000.0`
/// ([`AccessLine::latency_ms`]) without `fmt`: below 2^50 microseconds that value is the double
/// nearest to a decimal with three places, doubles there lie less than 0.0005 apart, so its
/// shortest round-trip form is that decimal with its trailing zeros dropped (one kept).
fn write_millis(out: &mut String, micros: u64) -> fmt::Result {
    if micros >= 1 << 50 {
        return fmt::Write::write_fmt(out, format_args!("{:?}", micros as f64 / 1000.0));
    }
    out.push_str(itoa::Buffer::new().format(micros / 1000));
    out.push('.');
    let frac = micros % 1000;
    let digits = [frac / 100, frac / 10 % 10, frac % 10].map(|d| char::from(b'0' + d as u8));
    let kept = match frac {
        f if f % 100 == 0 => 1,
        f if f % 10 == 0 => 2,
        _ => 3,
    };
    out.extend(&digits[..kept]);
    Ok(())
}

/// Whether `Debug` writes `value` as itself in quotes (printable ASCII without `"` or `\`).
fn plain(value: &str) -> bool {
    // Sixteen bytes at a time without an early exit, which the compiler turns into vector
    // compares (a query is a hundred bytes and more).
    value.as_bytes().chunks(16).all(|chunk| {
        chunk.iter().fold(true, |plain, &b| {
            plain & (b' '..=b'~').contains(&b) & (b != b'"') & (b != b'\\')
        })
    })
}

/// `value` as `Debug` writes it.
fn write_debug_str(out: &mut impl fmt::Write, value: &str) -> fmt::Result {
    if plain(value) {
        out.write_char('"')?;
        out.write_str(value)?;
        out.write_char('"')
    } else {
        write!(out, "{value:?}")
    }
}

/// Writes fields as the compact format's default visitor does without colors: the message
/// first and bare, then ` name=value`, values with `Debug`.
struct Fields<'w, 'a> {
    writer: &'w mut Writer<'a>,
    first: bool,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    /// Writes the separator and `name=`; false when the field is not written at all.
    fn name(&mut self, field: &Field) -> bool {
        let name = field.name();
        if self.result.is_err() || name.starts_with("log.") {
            return false;
        }
        let sep = if std::mem::take(&mut self.first) {
            Ok(())
        } else {
            self.writer.write_char(' ')
        };
        self.result = sep.and_then(|()| match name {
            "message" => Ok(()),
            name => {
                let name = name.strip_prefix("r#").unwrap_or(name);
                self.writer.write_str(name)?;
                self.writer.write_char('=')
            }
        });
        self.result.is_ok()
    }
}

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.name(field) {
            return;
        }
        self.result = write_debug_str(self.writer, value);
    }

    // Integers as `Debug` writes them, without `fmt`'s machinery.
    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.name(field) {
            self.result = self.writer.write_str(itoa::Buffer::new().format(value));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.name(field) {
            self.result = self.writer.write_str(itoa::Buffer::new().format(value));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.name(field) {
            self.result = write!(self.writer, "{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::fmt::time::SystemTime;

    /// A fixed timestamp, so that two formats' lines can be compared.
    #[derive(Clone)]
    struct Fixed;

    impl FormatTime for Fixed {
        fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
            w.write_str("2026-11-23T17:08:14.409473Z")
        }
    }

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Self;
        fn make_writer(&'a self) -> Self {
            self.clone()
        }
    }

    /// The lines `log` writes through `format`.
    fn lines<F>(format: F, ansi: bool, log: impl Fn()) -> String
    where
        F: FormatEvent<tracing_subscriber::Registry, format::DefaultFields> + Send + Sync + 'static,
    {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(buffer.clone())
            .with_ansi(ansi)
            .event_format(format)
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
    }

    fn events() {
        for (query, app) in [
            (
                "fields=id,caption&access_token=[redacted]",
                "990602627938098",
            ),
            ("", "-"),
            ("q=\"quoted\"\\back", "tab\there"),
            ("caf%C3%A9=é", "ünïcode"),
        ] {
            tracing::info!(
                target: "localgram::access",
                method = %"GET",
                path = %"/graph.instagram.com/me/media",
                query = query,
                status = 200_u16,
                latency_ms = 2.102_674_f64,
                app = app,
                graph_code = 190_i64,
                "request"
            );
        }
        // Integers at their edges, written without `fmt`.
        tracing::info!(
            target: "localgram::access",
            status = 0_u16,
            graph_code = -17_i64,
            big = u64::MAX,
            small = i64::MIN,
            "request"
        );
        tracing::warn!(target: "localgram::access", r#type = "raw", log.file = "x", "other shape");
        tracing::info!(target: "localgram::other", answer = 42, "not an access line");
        let span = tracing::info_span!("outer", id = 7);
        span.in_scope(|| {
            tracing::info!(target: "localgram::access", status = 404_u16, "request");
        });
    }

    #[test]
    fn access_lines_are_those_of_the_compact_format() {
        let compact = lines(format().compact().with_timer(Fixed), false, events);
        let pretty = lines(PrettyFormat::with_timer(Fixed), false, events);
        assert_eq!(pretty, compact);
        assert_eq!(
            pretty.lines().next().unwrap(),
            "2026-11-23T17:08:14.409473Z  INFO localgram::access: request method=GET \
             path=/graph.instagram.com/me/media \
             query=\"fields=id,caption&access_token=[redacted]\" status=200 \
             latency_ms=2.102674 app=\"990602627938098\" graph_code=190"
        );
        assert_eq!(pretty.lines().count(), 8);
    }

    /// Access lines of every shape a field can take: escapes, non-ASCII, integers at their
    /// limits, latencies that `Debug` writes with an exponent.
    fn access_lines() -> Vec<AccessLine<'static>> {
        let line = AccessLine {
            method: "GET",
            path: "/graph.instagram.com/me/media",
            query: "fields=id,caption&access_token=[redacted]",
            status: 200,
            latency_us: 2_102,
            app: "990602627938098",
            graph_code: 0,
        };
        vec![
            line,
            AccessLine {
                method: "POST",
                path: "/api.instagram.com/oauth/access_token",
                query: "",
                status: 400,
                latency_us: 0,
                app: "-",
                graph_code: 190,
            },
            AccessLine {
                query: "q=\"quoted\"&b=back\\slash&n=\nline&e=caf\u{e9}&z=\u{200b}&c=\u{1b}[0m",
                path: "/graph.facebook.com/v22.0/caf\u{e9}",
                status: u16::MAX,
                latency_us: 1,
                app: "tab\there",
                graph_code: i64::MIN,
                ..line
            },
            AccessLine {
                method: "DELETE",
                latency_us: u64::MAX,
                graph_code: i64::MAX,
                status: 0,
                ..line
            },
            AccessLine {
                latency_us: (1 << 50) - 1,
                graph_code: -17,
                ..line
            },
            AccessLine {
                latency_us: 1 << 50,
                ..line
            },
            AccessLine {
                latency_us: 120,
                ..line
            },
        ]
    }

    #[test]
    fn direct_access_lines_are_those_of_the_event() {
        for line in access_lines() {
            let event = lines(format().compact().with_timer(Fixed), false, || line.emit());
            let pretty = lines(PrettyFormat::with_timer(Fixed), false, || line.emit());
            let mut direct = String::new();
            write_access_line(&mut direct, &Fixed, &line).unwrap();
            assert_eq!(direct, event, "{line:?}");
            assert_eq!(pretty, event, "{line:?}");
        }
        let mut direct = String::new();
        write_access_line(&mut direct, &Fixed, &access_lines()[0]).unwrap();
        assert_eq!(
            direct,
            "2026-11-23T17:08:14.409473Z  INFO localgram::access: request method=GET \
             path=/graph.instagram.com/me/media \
             query=\"fields=id,caption&access_token=[redacted]\" status=200 \
             latency_ms=2.102 app=\"990602627938098\" graph_code=0\n"
        );
    }

    #[test]
    fn millis_are_what_debug_writes() {
        let check = |micros: u64| {
            let mut ours = String::new();
            write_millis(&mut ours, micros).unwrap();
            assert_eq!(ours, format!("{:?}", micros as f64 / 1000.0), "{micros}");
        };
        for micros in 0..200_000 {
            check(micros);
        }
        for micros in [(1 << 50) - 1, 1 << 50, (1 << 53) + 1, u64::MAX] {
            check(micros);
        }
    }

    proptest::proptest! {
        #[test]
        fn millis_are_what_debug_writes_anywhere(micros in proptest::prelude::any::<u64>(), shift in 0..64_u32) {
            for micros in [micros, micros >> shift] {
                let mut ours = String::new();
                write_millis(&mut ours, micros).unwrap();
                proptest::prop_assert_eq!(ours, format!("{:?}", micros as f64 / 1000.0));
            }
        }
    }

    #[test]
    fn log_time_writes_what_the_system_time_format_writes() {
        let at = |secs: u64, micros: u32| {
            std::time::UNIX_EPOCH + std::time::Duration::new(secs, micros * 1000 + 999)
        };
        let stamp = |t| {
            let mut out = String::new();
            write_stamp(&mut out, t).unwrap();
            out
        };
        assert_eq!(
            stamp(at(1_795_453_694, 409_473)),
            "2026-11-23T17:08:14.409473Z"
        );
        assert_eq!(stamp(at(1_795_453_694, 7)), "2026-11-23T17:08:14.000007Z");
        assert_eq!(stamp(at(1_795_453_695, 0)), "2026-11-23T17:08:15.000000Z");
        assert_eq!(stamp(at(0, 0)), "1970-01-01T00:00:00.000000Z");
        assert_eq!(stamp(at(951_782_400, 1)), "2000-02-29T00:00:00.000001Z");
        // The same instant through tracing-subscriber's own timer: only the part up to the
        // second can be compared, and only when both fall in the same second.
        for _ in 0..3 {
            let mut theirs = String::new();
            SystemTime
                .format_time(&mut Writer::new(&mut theirs))
                .unwrap();
            let mut ours = String::new();
            LogTime.format_time(&mut Writer::new(&mut ours)).unwrap();
            assert_eq!(ours.len(), theirs.len(), "{ours} / {theirs}");
            if ours[..20] == theirs[..20] {
                return;
            }
        }
        panic!("three seconds changed in a row");
    }

    #[test]
    fn colored_output_is_the_compact_format_itself() {
        let compact = lines(format().compact().with_timer(Fixed), true, events);
        let pretty = lines(PrettyFormat::with_timer(Fixed), true, events);
        assert_eq!(pretty, compact);
        assert!(pretty.contains('\u{1b}'), "colored");
    }
}
