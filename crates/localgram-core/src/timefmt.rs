//! Time formats of the wire: Instagram's `2026-05-01T18:10:00+0000` and the Pacific-time dates of
//! Meta's expiry messages (`Monday, 06-May-24 10:00:00 PDT`).

use time::{Date, Month, OffsetDateTime, UtcOffset, Weekday};

/// `2026-05-01T18:10:00+0000`: UTC, no colon in the offset, no fractional seconds.
pub fn graph_timestamp(t: OffsetDateTime) -> String {
    let mut out = String::with_capacity(24);
    push_graph_timestamp(&mut out, t);
    out
}

/// Appends [`graph_timestamp`] to `out` (without the formatting machinery: media pages write
/// one per item).
pub fn push_graph_timestamp(out: &mut String, t: OffsetDateTime) {
    let t = t.to_offset(UtcOffset::UTC);
    let year = t.year();
    if !(0..=9999).contains(&year) {
        use std::fmt::Write as _;
        let _ = write!(out, "{year:04}");
    } else {
        push_digits(out, year.unsigned_abs(), 4);
    }
    for (sep, n) in [
        ('-', u8::from(t.month())),
        ('-', t.day()),
        ('T', t.hour()),
        (':', t.minute()),
        (':', t.second()),
    ] {
        out.push(sep);
        push_digits(out, u32::from(n), 2);
    }
    out.push_str("+0000");
}

/// `n` as exactly `width` decimal digits (`n` fits).
fn push_digits(out: &mut String, n: u32, width: u32) {
    for i in (0..width).rev() {
        let digit = (n / 10u32.pow(i)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// Parses RFC 3339 or the Graph form (`+0000`).
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    // 2026-05-01T18:10:00+0000 → 2026-05-01T18:10:00+00:00. The last five bytes must be a sign
    // and four ASCII digits; checked on bytes, so a multi-byte character there is no panic.
    let (head, tail) = s.as_bytes().split_at(s.len().checked_sub(5)?);
    let (&sign, digits) = tail.split_first()?;
    if !matches!(sign, b'+' | b'-') || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // `tail` is ASCII, so `head` ends on a character boundary.
    let head = std::str::from_utf8(head).ok()?;
    let fixed = format!(
        "{head}{}{}{}:{}{}",
        char::from(sign),
        char::from(digits[0]),
        char::from(digits[1]),
        char::from(digits[2]),
        char::from(digits[3])
    );
    OffsetDateTime::parse(&fixed, &Rfc3339).ok()
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
    fn multi_byte_characters_near_the_offset_are_refused_not_a_panic() {
        for s in [
            "éabcd",
            "\u{e9}abcd",
            "2026-05-01T18:10:00é000",
            "ab€12",
            "€",
            "+€",
        ] {
            assert_eq!(parse_timestamp(s), None, "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_timestamp_never_panics(s in "\\PC{0,40}") {
            let _ = parse_timestamp(&s);
        }

        #[test]
        fn graph_timestamps_parse_back(secs in -62_135_596_800i64..253_402_300_799) {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            proptest::prop_assert_eq!(parse_timestamp(&graph_timestamp(t)), Some(t));
        }
    }

    #[test]
    fn graph_timestamps_match_the_time_crates_own_formatting() {
        let reference =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
        let offset = UtcOffset::from_hms(5, 30, 0).unwrap();
        // From year 1 to 9999 in uneven steps, in UTC and at an offset (written as UTC).
        let mut secs = -62_135_596_800i64;
        while secs < 253_402_300_799 {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let expected = t.format(&reference).unwrap();
            assert_eq!(graph_timestamp(t), expected);
            assert_eq!(graph_timestamp(t.to_offset(offset)), expected);
            secs += 7_777_777_777 / 97 + 13;
        }
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
