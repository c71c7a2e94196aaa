//! Wall-clock time for token expiry, read through the SDK's `SystemClock` (the workspace allows
//! no other `SystemTime::now`), and its formatting without a date crate.

use std::time::UNIX_EPOCH;

use localgram_client::{Clock, SystemClock};

/// Now, in Unix seconds.
pub fn now() -> u64 {
    SystemClock
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> u64 {
    SystemClock
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `2027-01-19T12:00:00Z`.
pub fn rfc3339(unix: u64) -> String {
    let unix = i64::try_from(unix).unwrap_or(i64::MAX / 2);
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `in 59 days`, `in 5 hours`, `expired 2 days ago`.
pub fn relative(unix: u64, now: u64) -> String {
    let (ahead, delta) = if unix >= now {
        (true, unix - now)
    } else {
        (false, now - unix)
    };
    let amount = if delta >= 2 * 86_400 {
        format!("{} days", delta / 86_400)
    } else if delta >= 2 * 3600 {
        format!("{} hours", delta / 3600)
    } else {
        format!("{} minutes", delta / 60)
    };
    if ahead {
        format!("in {amount}")
    } else {
        format!("expired {amount} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_civil_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_176_000), "2026-11-20T12:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(100 + 60 * 86_400, 100), "in 60 days");
        assert_eq!(relative(100 + 5 * 3600, 100), "in 5 hours");
        assert_eq!(relative(100, 100 + 3 * 86_400), "expired 3 days ago");
        assert_eq!(relative(100 + 600, 100), "in 10 minutes");
    }
}
