//! Property tests over every parser of a query or form parameter value: none may panic on any
//! input, and each agrees with a small reference model where one is simple to state. The cargo-fuzz
//! target `query` (in `fuzz/`) runs the same parsers on arbitrary bytes.

use localgram_core::cursor::{CursorCodec, Position};
use localgram_core::media::{MAX_LIMIT, parse_limit, parse_time_bound};
use localgram_core::model::PkceMethod;
use localgram_core::params::Params;
use localgram_core::scope::Scopes;
use localgram_core::{
    categories, dashboard, facebook, fields, oauth, pages, pkce, redirect, timefmt,
};
use proptest::prelude::*;
use time::OffsetDateTime;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000),
        ..ProptestConfig::default()
    }
}

/// Arbitrary text, weighted towards the characters the parsers split on and multi-byte ones.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,48}",
        "[0-9a-zA-Z:+\\-.,_ /?#@=&%()\\[\\]{}é€\u{1f600}]{0,48}",
        "[0-9]{0,24}",
        "[-+]?[0-9]{1,4}-[0-9]{1,2}-[0-9]{1,2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}([-+][0-9é]{4}|Z)?)?",
    ]
}

/// Runs every value parser on `v`; none may panic.
fn every_parser(v: &str) {
    let _ = fields::parse(v);
    let _ = parse_limit(Some(v), 25);
    let _ = parse_time_bound("since", Some(v));
    let _ = timefmt::parse_timestamp(v);
    let _ = CursorCodec::new(b"k").decode("media", "1", v);
    let _ = Scopes::parse(v);
    let _ = facebook::parse_permissions(v);
    let _ = facebook::is_app_secret_form(v);
    let _ = pkce::verifier_is_well_formed(v);
    let _ = pkce::check(Some((v, PkceMethod::S256)), Some(v));
    let _ = pkce::check(Some((v, PkceMethod::Plain)), Some(v));
    let _ = redirect::matches(v, v);
    let _ = redirect::matches("http://127.0.0.1/cb", v);
    let _ = redirect::validate_registration(v);
    let _ = dashboard::parse_duration(v);
    let _ = dashboard::check_url(v);
    let _ = categories::by_enum(v);
    let _ = categories::by_id(v);
    let _ = oauth::parse_bool(Some(v), false);
    let _ = pages::parse_bool_param("is_place", Some(v));
    let _ = PkceMethod::parse(v);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_parser_panics_on_any_value(v in text()) {
        every_parser(&v);
    }

    #[test]
    fn no_parser_panics_on_any_decoded_query(raw in "\\PC{0,64}") {
        let params = Params::parse_urlencoded(&raw);
        for (k, v) in params.pairs() {
            let _ = params.get(k);
            every_parser(k);
            every_parser(v);
        }
        let _ = params.get_any(&["client_id", "app_id"]);
    }

    #[test]
    fn urlencoded_pairs_round_trip(pairs in prop::collection::vec((text(), text()), 0..6)) {
        let raw = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter())
            .finish();
        let parsed = Params::parse_urlencoded(&raw);
        let parsed: Vec<(&str, &str)> = parsed.pairs().collect();
        let sent: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        prop_assert_eq!(parsed, sent);
    }

    #[test]
    fn limit_accepts_exactly_positive_decimal_integers(raw in text()) {
        let model = if !raw.is_empty() && raw.len() <= 19 && raw.bytes().all(|b| b.is_ascii_digit()) {
            raw.parse::<i64>().ok().filter(|n| *n >= 1).map(|n| n.min(MAX_LIMIT))
        } else {
            None
        };
        match parse_limit(Some(&raw), 25) {
            Ok(n) => {
                prop_assert_eq!(Some(n), model);
                prop_assert!((1..=MAX_LIMIT).contains(&n));
            }
            Err(e) => {
                prop_assert_eq!(model, None);
                prop_assert_eq!(e.code, 100);
            }
        }
    }

    #[test]
    fn time_bounds_read_unix_seconds_and_refuse_with_code_100(
        secs in -62_135_596_800i64..253_402_300_799,
        junk in text(),
    ) {
        prop_assert_eq!(
            parse_time_bound("since", Some(&secs.to_string())).unwrap(),
            OffsetDateTime::from_unix_timestamp(secs).ok()
        );
        if let Err(e) = parse_time_bound("until", Some(&junk)) {
            prop_assert_eq!(e.code, 100);
            prop_assert!(e.message.starts_with("(#100) Param until must be"), "{}", e.message);
        }
    }

    #[test]
    fn cursors_round_trip_and_altered_ones_are_refused(
        sort in any::<i64>(),
        id in "[0-9]{1,20}",
        flip in 0usize..64,
    ) {
        let codec = CursorCodec::new(b"key");
        let pos = Position { sort, id };
        let cursor = codec.encode("media", "17841405793187218", &pos);
        prop_assert_eq!(codec.decode("media", "17841405793187218", &cursor), Ok(pos));
        let mut altered = cursor.into_bytes();
        let i = flip % altered.len();
        altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        let _ = codec.decode("media", "17841405793187218", &altered);
    }

    #[test]
    fn booleans_read_only_true_false_1_and_0(raw in text()) {
        let model = match raw.to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        };
        prop_assert_eq!(oauth::parse_bool(Some(&raw), true), model.unwrap_or(true));
        match pages::parse_bool_param("is_place", Some(&raw)) {
            Ok(b) => prop_assert_eq!(b, model),
            Err(e) => {
                prop_assert_eq!(model, None);
                prop_assert_eq!(e.code, 100);
            }
        }
    }

    #[test]
    fn durations_sum_their_units(d in 0i64..1000, h in 0i64..24, m in 0i64..60, s in 0i64..60) {
        let total = d * 86_400 + h * 3_600 + m * 60 + s;
        prop_assert_eq!(
            dashboard::parse_duration(&format!("{d}d{h}h{m}m{s}s")).map(|x| x.whole_seconds()).ok(),
            Some(total)
        );
    }

    #[test]
    fn loopback_redirects_match_on_valid_ports_only(port in any::<u32>()) {
        let requested = format!("http://127.0.0.1:{port}/cb");
        let valid = (1..=65_535).contains(&port);
        prop_assert_eq!(redirect::matches("http://127.0.0.1/cb", &requested), valid);
    }
}

#[test]
fn the_reported_since_value_is_refused_not_a_panic() {
    let e = parse_time_bound("since", Some("\u{e9}abcd")).unwrap_err();
    assert_eq!(e.code, 100);
    assert_eq!(
        e.message,
        "(#100) Param since must be a Unix timestamp or a date (YYYY-MM-DD), got \"éabcd\""
    );
}
