//! No input panics: values that split a multi-byte character where a parser slices.

use crate::support::*;
use localgram_testkit::Backend;
use localgram_testkit::client;
use localgram_testkit::world::*;

#[tokio::test]
async fn a_multi_byte_since_or_until_answers_code_100() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        for (name, raw, shown) in [
            ("since", "%C3%A9abcd", "éabcd"),
            ("until", "%C3%A9abcd", "éabcd"),
            (
                "since",
                "2026-05-01T18%3A10%3A00%E2%82%AC000",
                "2026-05-01T18:10:00€000",
            ),
            ("until", "%E2%82%AC", "€"),
        ] {
            let ctx = format!("{b}: {name}={raw}");
            let res = get(
                &client(),
                &server.url(&format!(
                    "/graph.instagram.com/me/media?access_token={LONG_LIVED_TOKEN}&{name}={raw}"
                )),
            )
            .await;
            assert_graph_error(
                &res,
                graph_error(
                    100,
                    None,
                    "OAuthException",
                    &format!(
                        "(#100) Param {name} must be a Unix timestamp or a date (YYYY-MM-DD), got {shown:?}"
                    ),
                ),
                &ctx,
            );
        }
        // The server is still up and answers.
        assert_me_ok(&server, LONG_LIVED_TOKEN, b).await;
    }
}
