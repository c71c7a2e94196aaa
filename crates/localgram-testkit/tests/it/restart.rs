//! A restarted server on the same database keeps what it issued and what it revoked.

use crate::support::*;
use localgram_testkit::Backend;
use localgram_testkit::world::*;

#[tokio::test]
async fn tokens_codes_and_revocations_survive_a_restart() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let codes = mint_codes(
            &server,
            APP_ID,
            TESTER,
            &["user_profile", "user_media"],
            REDIRECT_URI,
            3,
        )
        .await;
        // Code 0: exchanged and replayed before the restart (its token revoked).
        let revoked = access_token_of(&exchange_code(&server, &codes[0]).await, b);
        let res = exchange_code(&server, &codes[0]).await;
        assert_ig_error(&res, "Matching code was not found or was already used", b);
        // Code 1: exchanged before, replayed after the restart.
        let replayed_later = access_token_of(&exchange_code(&server, &codes[1]).await, b);
        let long = access_token_of(
            &exchange_long_lived(&server, APP_SECRET, &replayed_later).await,
            b,
        );
        let kept = short_lived_token(&server).await;
        let old_base = server.base.clone();

        let server = server.restart().await;
        assert_ne!(server.base, old_base, "{b}: the restart reused the port");
        let db = Db::open(&server).await;

        assert_me_ok(&server, &kept, &format!("{b}: a token issued before")).await;
        assert_me_ok(
            &server,
            &long,
            &format!("{b}: a long-lived token issued before"),
        )
        .await;
        assert_me_ok(
            &server,
            LONG_LIVED_TOKEN,
            &format!("{b}: the world's token"),
        )
        .await;
        let res = me(&server, &revoked).await;
        assert_graph_error(&res, invalidated(), &format!("{b}: revoked before"));
        let res = exchange_code(&server, &codes[0]).await;
        assert_ig_error(&res, "Matching code was not found or was already used", b);

        let res = exchange_code(&server, &codes[1]).await;
        assert_ig_error(&res, "Matching code was not found or was already used", b);
        for token in [&replayed_later, &long] {
            let res = me(&server, token).await;
            assert_graph_error(&res, invalidated(), &format!("{b}: replayed after"));
            assert!(db.token_revoked_at(token).await.is_some(), "{b}");
        }
        // An unused code minted before the restart still works, once.
        let res = exchange_code(&server, &codes[2]).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        // The same signing key: a browser session started before a restart would still be
        // valid; the login page renders.
        let page = get(
            &localgram_testkit::browser(),
            &authorize_url(&server, API, &AuthParams::basic_display()),
        )
        .await;
        assert_page(&page, 200, b);
    }
}
