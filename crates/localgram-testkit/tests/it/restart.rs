//! A restarted server on the same database keeps what it issued and what it revoked.

use crate::support::*;
use localgram_testkit::Backend;
use localgram_testkit::world::*;

#[tokio::test]
async fn tokens_codes_and_revocations_survive_a_restart() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let codes = server
            .mint_codes(
                APP_ID,
                TESTER,
                &["user_profile", "user_media"],
                REDIRECT_URI,
                3,
            )
            .await;
        // Code 0: exchanged and replayed before the restart (its token revoked).
        let revoked = access_token_of(&app.exchange_code(&codes[0]).await, b);
        let res = app.exchange_code(&codes[0]).await;
        assert_ig_error(&res, "Matching code was not found or was already used", b);
        // Code 1: exchanged before, replayed after the restart.
        let replayed_later = access_token_of(&app.exchange_code(&codes[1]).await, b);
        let long = access_token_of(
            &server
                .instagram_user_with_token(&replayed_later)
                .exchange_long_lived(APP_SECRET)
                .await,
            b,
        );
        let kept = server.instagram_tester().await.token().to_owned();
        let old_base = server.base.clone();

        let server = server.restart().await;
        let app = server.anonymous();
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
        let res = server.instagram_user_with_token(&revoked).me().await;
        assert_graph_error(&res, invalidated(), &format!("{b}: revoked before"));
        let res = app.exchange_code(&codes[0]).await;
        assert_ig_error(&res, "Matching code was not found or was already used", b);

        let res = app.exchange_code(&codes[1]).await;
        assert_ig_error(&res, "Matching code was not found or was already used", b);
        for token in [&replayed_later, &long] {
            let res = server.instagram_user_with_token(token).me().await;
            assert_graph_error(&res, invalidated(), &format!("{b}: replayed after"));
            assert!(db.token_revoked_at(token).await.is_some(), "{b}");
        }
        // An unused code minted before the restart still works, once.
        let res = app.exchange_code(&codes[2]).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        // The same signing key: a browser session started before a restart would still be
        // valid; the login page renders.
        let page = server
            .anonymous()
            .authorize(API, &AuthParams::basic_display())
            .await;
        assert_page(&page, 200, b);
    }
}
