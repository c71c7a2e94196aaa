//! Fuzzes every parser of a query or form parameter: the input is decoded as a query string
//! (`Params`), and each value goes through the parser its name selects on the Graph and OAuth
//! endpoints, then through every other value parser as well. No input may panic; a refused value
//! must be refused with the Graph code the endpoint answers (100 for bad parameters, 2500 for a
//! `fields` syntax error).

#![no_main]

use libfuzzer_sys::fuzz_target;
use localgram_core::cursor::CursorCodec;
use localgram_core::model::PkceMethod;
use localgram_core::params::Params;
use localgram_core::scope::Scopes;
use localgram_core::{
    categories, dashboard, facebook, fields, media, oauth, pages, pkce, redirect, timefmt,
};

fn every_parser(v: &str) {
    if let Err(e) = fields::parse(v) {
        assert!(e.position <= v.chars().count(), "{v:?}: {e}");
    }
    if let Err(e) = media::parse_limit(Some(v), media::DEFAULT_LIMIT) {
        assert_eq!(e.code, 100, "limit {v:?}");
    }
    for name in ["since", "until"] {
        if let Err(e) = media::parse_time_bound(name, Some(v)) {
            assert_eq!(e.code, 100, "{name} {v:?}");
        }
    }
    let _ = timefmt::parse_timestamp(v);
    let codec = CursorCodec::new(b"fuzz");
    assert!(codec.decode("media", "1", v).is_err(), "forged cursor {v:?}");
    let _ = Scopes::parse(v);
    let _ = facebook::parse_permissions(v);
    let _ = facebook::is_app_secret_form(v);
    let _ = pkce::verifier_is_well_formed(v);
    let _ = pkce::check(Some((v, PkceMethod::S256)), Some(v));
    let _ = PkceMethod::parse(v);
    let _ = redirect::matches(v, v);
    let _ = redirect::matches("http://127.0.0.1/cb", v);
    let _ = redirect::validate_registration(v);
    let _ = dashboard::parse_duration(v);
    let _ = dashboard::check_url(v);
    let _ = categories::by_enum(v);
    let _ = categories::by_id(v);
    let _ = oauth::parse_bool(Some(v), false);
    if let Err(e) = pages::parse_bool_param("is_place", Some(v)) {
        assert_eq!(e.code, 100, "boolean {v:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    // Query strings arrive as bytes; invalid UTF-8 is replaced, as the server decodes them.
    let raw = String::from_utf8_lossy(data);
    let params = Params::parse_urlencoded(&raw);
    let _ = params.get_any(&["client_id", "app_id"]);
    for (name, value) in params.pairs() {
        let _ = params.get(name);
        every_parser(name);
        every_parser(value);
    }
});
