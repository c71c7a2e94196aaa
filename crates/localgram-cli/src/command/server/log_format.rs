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
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, format};
use tracing_subscriber::registry::LookupSpan;

/// The target of the access-log events.
const ACCESS_TARGET: &str = "localgram::access";

/// The `pretty` format (see the module documentation).
pub struct PrettyFormat<T = SystemTime> {
    compact: Format<Compact, T>,
    timer: T,
}

impl PrettyFormat {
    /// The format with wall-clock timestamps.
    pub fn new() -> Self {
        Self::with_timer(SystemTime)
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
        write!(writer, " {:>5} {ACCESS_TARGET}: ", meta.level())?;
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
        // `Debug` of a string that needs no escaping is the string in quotes.
        self.result = if value
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
        {
            self.writer
                .write_char('"')
                .and_then(|()| self.writer.write_str(value))
                .and_then(|()| self.writer.write_char('"'))
        } else {
            write!(self.writer, "{value:?}")
        };
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
        assert_eq!(pretty.lines().count(), 7);
    }

    #[test]
    fn colored_output_is_the_compact_format_itself() {
        let compact = lines(format().compact().with_timer(Fixed), true, events);
        let pretty = lines(PrettyFormat::with_timer(Fixed), true, events);
        assert_eq!(pretty, compact);
        assert!(pretty.contains('\u{1b}'), "colored");
    }
}
