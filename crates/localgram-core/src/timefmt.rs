//! Time formats of the wire: Instagram's `2026-05-01T18:10:00+0000` and the Pacific-time dates of
//! Meta's expiry messages (`Monday, 06-May-24 10:00:00 PDT`).

use time::{Date, Month, OffsetDateTime, UtcOffset, Weekday};

/// `2026-05-01T18:10:00+0000`: UTC, no colon in the offset, no fractional seconds.
pub fn graph_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses RFC 3339 or the Graph form (`+0000`).
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    // 2026-05-01T18:10:00+0000 → 2026-05-01T18:10:00+00:00
    let (head, tail) = s.split_at(s.len().checked_sub(5)?);
    let sign = tail.chars().next()?;
    if (sign == '+' || sign == '-') && tail[1..].bytes().all(|b| b.is_ascii_digit()) {
        let fixed = format!("{head}{}:{}", &tail[..3], &tail[3..]);
        return OffsetDateTime::parse(&fixed, &Rfc3339).ok();
    }
    None
}

/// The n-th (1-based) Sunday of a month.
fn nth_sunday(year: i32, month: Month, n: u8) -> Option<Date> {
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let offset = (7 - first.weekday().number_days_from_sunday()) % 7;
    first.checked_add(time::Duration::days(
        i64::from(offset) + 7 * i64::from(n - 1),
    ))
}

/// Whether US Pacific daylight time applies at `t` (second Sunday of March, 10:00 UTC, to the
/// first Sunday of November, 09:00 UTC).
fn is_pacific_dst(t: OffsetDateTime) -> bool {
    let t = t.to_offset(UtcOffset::UTC);
    let year = t.year();
    let (Some(start), Some(end)) = (
        nth_sunday(year, Month::March, 2),
        nth_sunday(year, Month::November, 1),
    ) else {
        return false;
    };
    let start = start.with_hms(10, 0, 0).map(|d| d.assume_utc());
    let end = end.with_hms(9, 0, 0).map(|d| d.assume_utc());
    matches!((start, end), (Ok(s), Ok(e)) if t >= s && t < e)
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

fn month_abbrev(m: Month) -> &'static str {
    match m {
        Month::January => "Jan",
        Month::February => "Feb",
        Month::March => "Mar",
        Month::April => "Apr",
        Month::May => "May",
        Month::June => "Jun",
        Month::July => "Jul",
        Month::August => "Aug",
        Month::September => "Sep",
        Month::October => "Oct",
        Month::November => "Nov",
        Month::December => "Dec",
    }
}

/// `Monday, 06-May-24 10:00:00 PDT`: Meta's expiry-message date, in US Pacific time.
pub fn pacific(t: OffsetDateTime) -> String {
    let (hours, zone) = if is_pacific_dst(t) {
        (-7, "PDT")
    } else {
        (-8, "PST")
    };
    let offset = UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC);
    let l = t.to_offset(offset);
    format!(
        "{}, {:02}-{}-{:02} {:02}:{:02}:{:02} {zone}",
        weekday_name(l.weekday()),
        l.day(),
        month_abbrev(l.month()),
        l.year().rem_euclid(100),
        l.hour(),
        l.minute(),
        l.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn graph_timestamps_have_no_colon_and_no_fraction() {
        assert_eq!(
            graph_timestamp(datetime!(2017-08-31 18:10:00.5 UTC)),
            "2017-08-31T18:10:00+0000"
        );
        assert_eq!(
            parse_timestamp("2017-08-31T18:10:00+0000"),
            Some(datetime!(2017-08-31 18:10 UTC))
        );
        assert_eq!(
            parse_timestamp("2026-05-01T18:10:00Z"),
            Some(datetime!(2026-05-01 18:10 UTC))
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn pacific_dates_switch_between_pst_and_pdt() {
        assert_eq!(
            pacific(datetime!(2015-11-23 22:00 UTC)),
            "Monday, 23-Nov-15 14:00:00 PST"
        );
        assert_eq!(
            pacific(datetime!(2024-05-06 17:00 UTC)),
            "Monday, 06-May-24 10:00:00 PDT"
        );
        // 2024-03-10 is the second Sunday of March: 09:59 UTC is still PST, 10:00 is PDT.
        assert!(pacific(datetime!(2024-03-10 09:59 UTC)).ends_with("PST"));
        assert!(pacific(datetime!(2024-03-10 10:00 UTC)).ends_with("PDT"));
        assert!(pacific(datetime!(2024-11-03 08:59 UTC)).ends_with("PDT"));
        assert!(pacific(datetime!(2024-11-03 09:00 UTC)).ends_with("PST"));
    }
}
