//! No cleartext at rest: after a complete run of the flow, no code, token, client secret or
//! password appears anywhere in the database (`docs/robustness.md#secrets-at-rest`).

use crate::support::*;
use localgram_testkit::Backend;
use localgram_testkit::world::*;

#[tokio::test]
async fn no_code_token_secret_or_password_is_stored_in_cleartext() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let br = server.anonymous();
        // The browser flow (login with a password, CSRF tokens, consent), the exchange, the
        // long-lived exchange, a refresh, and an Instagram Login grant on the live app.
        let code = br
            .authorize_as(API, &AuthParams::basic_display(), TESTER, TESTER_PASSWORD)
            .await;
        let short = access_token_of(&app.exchange_code(&code).await, b);
        let long = access_token_of(
            &server
                .instagram_user_with_token(&short)
                .exchange_long_lived(APP_SECRET)
                .await,
            b,
        );
        let refreshed = access_token_of(
            &server
                .instagram_user_with_token(LONG_LIVED_TOKEN)
                .refresh()
                .await,
            b,
        );
        let live = AuthParams::instagram_login()
            .set("client_id", LIVE_APP_ID)
            .set("redirect_uri", LIVE_REDIRECT_URI);
        let live_code = server
            .anonymous()
            .authorize_as(WWW, &live, STRANGER, STRANGER_PASSWORD)
            .await;
        let res = app
            .exchange(&[
                ("client_id", LIVE_APP_ID),
                ("client_secret", LIVE_APP_SECRET),
                ("grant_type", "authorization_code"),
                ("redirect_uri", LIVE_REDIRECT_URI),
                ("code", &live_code),
            ])
            .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let live_token = res.json()["data"][0]["access_token"]
            .as_str()
            .expect("no wrapped token")
            .to_owned();
        // A consent page's CSRF token, left unused.
        let consent = br
            .open_consent(API, &AuthParams::basic_display(), TESTER, TESTER_PASSWORD)
            .await;
        let (csrf, _) = hidden_fields(&consent.text, b);

        let dump = Db::open(&server).await.dump().await;
        // The dump is real: it holds the non-secret data and the hashes.
        for visible in [
            TESTER,
            APP_ID,
            REDIRECT_URI,
            hash(&code).as_str(),
            hash(&long).as_str(),
        ] {
            assert!(
                dump.contains(visible),
                "{b}: {visible} is missing from the dump"
            );
        }
        for (what, secret) in [
            ("code", code.as_str()),
            ("live code", live_code.as_str()),
            ("short-lived token", short.as_str()),
            ("long-lived token", long.as_str()),
            ("refreshed token", refreshed.as_str()),
            ("live token", live_token.as_str()),
            ("world token", LONG_LIVED_TOKEN),
            ("csrf token", csrf.as_str()),
            ("app secret", APP_SECRET),
            ("live app secret", LIVE_APP_SECRET),
            ("facebook-only app secret", "facebook-only-secret"),
            ("tester password", TESTER_PASSWORD),
            ("stranger password", STRANGER_PASSWORD),
            ("business password", BUSINESS_PASSWORD),
        ] {
            assert!(
                !dump.contains(secret),
                "{b}: the {what} is stored in cleartext"
            );
        }
    }
}
