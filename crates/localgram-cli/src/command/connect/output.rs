//! Output: JSON (one object per line) with `--json`, otherwise aligned text: `key  value` lines
//! for one object, a table with fixed column widths for lists (fixed, so that a list of any
//! length streams without being held in memory). The text is the same on a terminal and in a
//! pipe. The progress bar of the paging commands goes to stderr, and only when both stdout and
//! stderr are terminals and the output is not JSON.

use std::io::{BufWriter, IsTerminal as _, Stdout, Write as _};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::error::CliError;

/// Standard output, buffered.
pub struct Output {
    out: BufWriter<Stdout>,
    json: bool,
}

impl Output {
    /// Standard output, JSON or text.
    pub fn new(json: bool) -> Self {
        Self {
            out: BufWriter::with_capacity(64 * 1024, std::io::stdout()),
            json,
        }
    }

    /// Whether `--json` was given.
    pub fn json(&self) -> bool {
        self.json
    }

    /// One value as one line of JSON.
    pub fn json_line<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CliError> {
        serde_json::to_writer(&mut self.out, value).map_err(|e| match e.io_error_kind() {
            Some(kind) => CliError::from(std::io::Error::from(kind)),
            None => CliError::other(format!("cannot write JSON: {e}")),
        })?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    /// One line of text.
    pub fn line(&mut self, text: &str) -> Result<(), CliError> {
        self.out.write_all(text.as_bytes())?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    /// One object: a JSON line, or `key  value` lines (`id` first, then the keys in order).
    pub fn object<T: Serialize>(&mut self, value: &T) -> Result<(), CliError> {
        if self.json {
            return self.json_line(value);
        }
        let value = serde_json::to_value(value).expect("a model serialises");
        let Value::Object(map) = value else {
            return self.line(&cell(&value));
        };
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort_by_key(|k| (k.as_str() != "id", k.as_str()));
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        for key in keys {
            let line = format!("{key:<width$}  {}", cell(&map[key.as_str()]));
            self.line(line.trim_end())?;
        }
        Ok(())
    }

    /// `key  value` lines in the given order (text only).
    pub fn pairs(&mut self, pairs: &[(&str, String)]) -> Result<(), CliError> {
        let width = pairs
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (key, value) in pairs {
            let line = format!("{key:<width$}  {value}");
            self.line(line.trim_end())?;
        }
        Ok(())
    }

    /// How many bytes wait in the buffer.
    pub fn buffered(&self) -> usize {
        self.out.buffer().len()
    }

    /// Writes out what is buffered.
    pub fn flush(&mut self) -> Result<(), CliError> {
        self.out.flush()?;
        Ok(())
    }
}

/// A value as a table cell: strings as they are (newlines folded), numbers and booleans
/// written, objects and arrays as compact JSON, null and absent as `-`.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

/// A column: the field it shows, its header and its width (the last column is not padded).
#[derive(Debug, Clone)]
pub struct Column {
    field: String,
    width: usize,
    max_chars: Option<usize>,
}

impl Column {
    /// A column for `field`, with a width that suits it.
    pub fn new(field: &str) -> Self {
        let (width, max_chars) = match field {
            "id" | "user_id" => (20, None),
            "media_type" => (14, None),
            "timestamp" => (24, None),
            "media_product_type" => (18, None),
            "like_count" | "comments_count" | "media_count" => (8, None),
            "caption" | "name" => (30, Some(60)),
            "category" => (24, None),
            _ => (24, None),
        };
        Self {
            field: field.to_owned(),
            width,
            max_chars,
        }
    }
}

/// A table written row by row.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<Column>,
}

impl Table {
    /// A table of these fields.
    pub fn new<S: AsRef<str>>(fields: &[S]) -> Self {
        Self {
            columns: fields.iter().map(|f| Column::new(f.as_ref())).collect(),
        }
    }

    /// The columns for a `fields` selection (`id,caption,children{id}` → id, caption,
    /// children), `id` first since Graph always answers it.
    pub fn for_fields(fields: &str) -> Self {
        let mut names = vec!["id".to_owned()];
        for name in top_level_fields(fields) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        Self::new(&names)
    }

    fn render(&self, cells: impl Iterator<Item = String>) -> String {
        let mut line = String::new();
        let last = self.columns.len().saturating_sub(1);
        for (i, (column, text)) in self.columns.iter().zip(cells).enumerate() {
            // A long text is cut: at its limit in the last column, at the column's width in
            // the others, so that the next column stays aligned.
            let limit = column.max_chars.map(|max| {
                if i == last {
                    max
                } else {
                    max.min(column.width)
                }
            });
            let text = match limit {
                Some(max) if text.chars().count() > max => {
                    let mut cut: String = text.chars().take(max - 1).collect();
                    cut.push('…');
                    cut
                }
                _ => text,
            };
            if i == last {
                line.push_str(&text);
            } else {
                let pad = column.width.saturating_sub(text.chars().count());
                line.push_str(&text);
                line.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        line.trim_end().to_owned()
    }

    /// The header line (`ID  MEDIA_TYPE  …`).
    pub fn header(&self) -> String {
        self.render(self.columns.iter().map(|c| c.field.to_ascii_uppercase()))
    }

    /// One row.
    pub fn row<T: Serialize>(&self, item: &T) -> String {
        let value = serde_json::to_value(item).expect("a model serialises");
        self.render(
            self.columns
                .iter()
                .map(|c| cell(value.get(&c.field).unwrap_or(&Value::Null))),
        )
    }
}

/// A list being written: JSON lines, or a table whose header comes with the first row (so that
/// a request that fails prints nothing but the error).
#[derive(Debug)]
pub struct List {
    table: Option<Table>,
    started: bool,
}

impl List {
    /// A list on `out`: JSON lines with `--json`, else `table()`.
    pub fn new(out: &Output, table: impl FnOnce() -> Table) -> Self {
        Self {
            table: (!out.json()).then(table),
            started: false,
        }
    }

    fn start(&mut self, out: &mut Output) -> Result<(), CliError> {
        if !self.started {
            self.started = true;
            if let Some(table) = &self.table {
                out.line(&table.header())?;
            }
        }
        Ok(())
    }

    /// One item.
    pub fn item<T: Serialize>(&mut self, out: &mut Output, item: &T) -> Result<(), CliError> {
        self.start(out)?;
        match &self.table {
            Some(table) => out.line(&table.row(item)),
            None => out.json_line(item),
        }
    }

    /// The end of the list: an empty table still gets its header.
    pub fn end(&mut self, out: &mut Output) -> Result<(), CliError> {
        self.start(out)?;
        out.flush()
    }
}

/// The top-level names of a `fields` selection: `id,children{id,media_url},caption.limit(2)` →
/// `id`, `children`, `caption`.
pub fn top_level_fields(fields: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    let mut skipping = false;
    for c in fields.chars() {
        match c {
            '{' | '(' => depth += 1,
            '}' | ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                if !current.trim().is_empty() {
                    names.push(current.trim().to_owned());
                }
                current.clear();
                skipping = false;
            }
            '.' if depth == 0 => skipping = true,
            c if depth == 0 && !skipping => current.push(c),
            _ => {}
        }
    }
    if !current.trim().is_empty() {
        names.push(current.trim().to_owned());
    }
    names
}

/// The progress bar on the terminal, if one is drawn: [`note`] writes above it.
static SHOWN: std::sync::Mutex<Option<indicatif::ProgressBar>> = std::sync::Mutex::new(None);

/// A line for stderr (a retry, a throttle wait): above the progress bar when one is drawn, so
/// that the bar is not broken, else as it is.
pub fn note(line: &str) {
    let bar = SHOWN.lock().ok().and_then(|b| b.clone());
    match bar {
        Some(bar) => bar.println(line),
        None => eprintln!("{line}"),
    }
}

/// A progress bar on stderr for the paging commands (`media list --all`, `media children`,
/// `pages list`): the count, the total when known, and the rate.
///
/// It is drawn only when both stdout and stderr are terminals and `--json` is not given: never in
/// a pipe, a file or a log, and never among JSON lines. The rows of the list go to the same
/// terminal, so they are written out with the bar lifted ([`Progress::tick`]).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last_flush: Instant,
}

impl Progress {
    /// A bar counting `what`, when `out` and stderr are terminals and `out` is not JSON.
    pub fn new(out: &Output, what: &'static str) -> Self {
        let shown =
            !out.json() && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        let bar = shown.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr_with_hz(10),
            );
            bar.set_style(style(None));
            bar.set_message(what);
            bar.tick();
            if let Ok(mut shown) = SHOWN.lock() {
                *shown = Some(bar.clone());
            }
            bar
        });
        Self {
            bar,
            last_flush: Instant::now(),
        }
    }

    /// Whether it draws at all.
    pub fn enabled(&self) -> bool {
        self.bar.is_some()
    }

    /// The expected total, when known.
    pub fn set_total(&mut self, total: Option<u64>) {
        if let (Some(bar), Some(total)) = (&self.bar, total) {
            bar.set_length(total);
            bar.set_style(style(Some(total)));
        }
    }

    /// Counts one item written to `out`; what `out` holds is written out under the bar at most
    /// ten times a second.
    pub fn tick(&mut self, out: &mut Output) -> Result<(), CliError> {
        let Some(bar) = &self.bar else {
            return Ok(());
        };
        bar.inc(1);
        if self.last_flush.elapsed() >= Duration::from_millis(100) || out.buffered() > 32 * 1024 {
            self.last_flush = Instant::now();
            bar.suspend(|| out.flush())?;
        }
        Ok(())
    }

    /// Removes the bar (once).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            if let Ok(mut shown) = SHOWN.lock() {
                *shown = None;
            }
            bar.finish_and_clear();
        }
    }
}

/// The bar's look: a bar with the total when known, else a spinner; always the count and rate.
fn style(total: Option<u64>) -> indicatif::ProgressStyle {
    let template = match total {
        Some(_) => "{bar:30} {human_pos}/{human_len} {msg} ({per_sec:0}, {eta} left)",
        None => "{spinner} {human_pos} {msg} ({per_sec:0})",
    };
    indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
}

impl Drop for Progress {
    /// An error ends the stream early: the bar is removed before the error line.
    fn drop(&mut self) {
        self.finish();
    }
}

/// A token shown without giving it away: `IGQVJl…ived`.
pub fn redact(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() < 16 {
        return "[redacted]".to_owned();
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_pad_every_column_but_the_last() {
        let t = Table::new(&["id", "media_type", "timestamp", "caption"]);
        assert_eq!(
            t.header(),
            "ID                    MEDIA_TYPE      TIMESTAMP                 CAPTION"
        );
        let row = t.row(&json!({"id": "1", "media_type": "IMAGE", "timestamp": "2026-05-01T18:10:00+0000", "caption": "Sunset\nat sea"}));
        assert_eq!(
            row,
            "1                     IMAGE           2026-05-01T18:10:00+0000  Sunset at sea"
        );
        let long = "x".repeat(80);
        let row = t.row(&json!({"id": "1", "caption": long}));
        assert!(row.ends_with(&format!("{}…", "x".repeat(59))), "{row}");
        assert!(row.contains("  -  "), "{row}");
    }

    #[test]
    fn field_selections_give_their_top_level_names() {
        assert_eq!(
            top_level_fields("id,children{id,media_url},caption.limit(2), like_count"),
            ["id", "children", "caption", "like_count"]
        );
        let t = Table::for_fields("caption,media_type");
        assert_eq!(
            t.header(),
            "ID                    CAPTION                         MEDIA_TYPE"
        );
    }

    #[test]
    fn cells_and_numbers_read_well() {
        assert_eq!(
            cell(&json!(["MANAGE", "CREATE_CONTENT"])),
            "MANAGE,CREATE_CONTENT"
        );
        assert_eq!(cell(&json!({"a": 1})), r#"{"a":1}"#);
        assert_eq!(cell(&json!(12)), "12");
        assert_eq!(redact("IGQVJlocalgramJaneLongLived"), "IGQVJl…ived");
        assert_eq!(redact("short"), "[redacted]");
    }
}
