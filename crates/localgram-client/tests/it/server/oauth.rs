//! The OAuth flows end to end: authorize URLs built by the SDK, opened in the "browser", the
//! redirect checked by `verify_redirect`, the code exchange, the long-lived exchange and the
//! refresh, all against the real authorization server.

use localgram_client::oauth::{AuthorizationGrant, InstagramWindow};
use localgram_client::{AccessToken, ClientError, ErrorClass};
use localgram_testkit::TestServer;
use localgram_testkit::world::*;

use super::{Decision, LOOPBACK_REDIRECT, authorize_in_browser, client};

#[tokio::test]
async fn basic_display_login_exchange_and_long_lived_exchange_end_to_end() {
    let server = TestServer::spawn().await;
    let client = client(&server);
    let request = client
        .oauth()
        .instagram_authorize(InstagramWindow::BasicDisplay, LOOPBACK_REDIRECT)
        .scopes(["user_profile", "user_media"])
        .pkce()
        .build()
        .unwrap();
    assert_eq!(
        request.url().path(),
        "/api.instagram.com/oauth/authorize",
        "{}",
        request.url()
    );

    let redirect =
        authorize_in_browser(request.url(), TESTER, TESTER_PASSWORD, Decision::Allow).await;
    assert!(
        redirect.starts_with(&format!("{LOOPBACK_REDIRECT}?code=AQ")) && redirect.ends_with("#_"),
        "{redirect}"
    );
    let grant = request.verify_redirect(&redirect).unwrap();
    assert!(!grant.code().secret().ends_with("#_"));
    assert_eq!(grant.redirect_uri(), LOOPBACK_REDIRECT);

    let short = client
        .oauth()
        .exchange_code(grant.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(short.user_id.as_deref(), Some(TESTER_ID));
    let me = client
        .with_token(short.access_token.clone())
        .me()
        .send()
        .await
        .unwrap();
    assert_eq!(me.id.as_deref(), Some(TESTER_ID));
    assert_eq!(me.username.as_deref(), Some(TESTER));

    let long = client
        .oauth()
        .exchange_for_long_lived(&short.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(long.token_type.as_deref(), Some("bearer"));
    assert_eq!(long.expires_in, Some(5_184_000));
    assert_ne!(long.access_token, short.access_token);
    let me = client
        .with_token(long.access_token.clone())
        .me()
        .send()
        .await
        .unwrap();
    assert_eq!(me.username.as_deref(), Some(TESTER));

    // A code is single-use: the replay is refused in the Instagram OAuth envelope.
    let replay = client
        .oauth()
        .exchange_code(grant)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&replay, ClientError::OAuth { error, .. } if error.code == 400),
        "{replay:?}"
    );
    assert_eq!(replay.class(), Some(ErrorClass::InvalidRequest));
}

#[tokio::test]
async fn business_login_window_issues_a_working_token() {
    let server = TestServer::spawn().await;
    let client = client(&server);
    let request = client
        .oauth()
        .instagram_authorize(InstagramWindow::BusinessLogin, LOOPBACK_REDIRECT)
        .scopes(["instagram_business_basic"])
        .pkce()
        .build()
        .unwrap();
    assert_eq!(request.url().path(), "/www.instagram.com/oauth/authorize");
    let redirect =
        authorize_in_browser(request.url(), BUSINESS, BUSINESS_PASSWORD, Decision::Allow).await;
    let grant = request.verify_redirect(&redirect).unwrap();
    let short = client.oauth().exchange_code(grant).send().await.unwrap();
    assert_eq!(short.user_id.as_deref(), Some(BUSINESS_ID));
    let long = client
        .oauth()
        .exchange_for_long_lived(&short.access_token)
        .send()
        .await
        .unwrap();
    let me = client
        .with_token(long.access_token)
        .me()
        .send()
        .await
        .unwrap();
    assert_eq!(me.username.as_deref(), Some(BUSINESS));
}

#[tokio::test]
async fn a_redirect_with_another_state_is_refused_before_any_exchange() {
    let server = TestServer::spawn().await;
    let client = client(&server);
    let build = || {
        client
            .oauth()
            .instagram_authorize(InstagramWindow::BasicDisplay, LOOPBACK_REDIRECT)
            .scope("user_profile")
            .build()
            .unwrap()
    };
    let (mine, other) = (build(), build());
    assert_ne!(mine.state().secret(), other.state().secret());
    let redirect =
        authorize_in_browser(other.url(), TESTER, TESTER_PASSWORD, Decision::Allow).await;
    // The redirect answers `other`; `mine` must not accept it.
    assert!(matches!(
        mine.verify_redirect(&redirect),
        Err(ClientError::StateMismatch)
    ));
    let stripped = redirect.replace(&format!("&state={}", other.state().secret()), "");
    assert_ne!(
        stripped, redirect,
        "the redirect carried no state: {redirect}"
    );
    assert!(matches!(
        other.verify_redirect(&stripped),
        Err(ClientError::StateMismatch)
    ));
    // The right request accepts it, and the code works.
    let grant = other.verify_redirect(&redirect).unwrap();
    client.oauth().exchange_code(grant).send().await.unwrap();
}

#[tokio::test]
async fn cancelling_on_the_consent_page_is_a_typed_denial() {
    let server = TestServer::spawn().await;
    let client = client(&server);
    let request = client
        .oauth()
        .instagram_authorize(InstagramWindow::BasicDisplay, LOOPBACK_REDIRECT)
        .scopes(["user_profile", "user_media"])
        .build()
        .unwrap();
    let redirect =
        authorize_in_browser(request.url(), TESTER, TESTER_PASSWORD, Decision::Cancel).await;
    let err = request.verify_redirect(&redirect).unwrap_err();
    match &err {
        ClientError::Denied { error, reason, .. } => {
            assert_eq!(error, "access_denied");
            assert_eq!(reason.as_deref(), Some("user_denied"));
        }
        other => panic!("not a denial: {other:?}"),
    }
}

#[tokio::test]
async fn the_server_enforces_the_pkce_verifier_the_sdk_sent() {
    let server = TestServer::spawn().await;
    let client = client(&server);
    let request = client
        .oauth()
        .instagram_authorize(InstagramWindow::BasicDisplay, LOOPBACK_REDIRECT)
        .scope("user_profile")
        .pkce()
        .build()
        .unwrap();
    let redirect =
        authorize_in_browser(request.url(), TESTER, TESTER_PASSWORD, Decision::Allow).await;
    let grant = request.verify_redirect(&redirect).unwrap();
    // The same code without its verifier (as if pasted by hand) is refused.
    let bare = AuthorizationGrant::new(grant.code().clone(), grant.redirect_uri());
    let err = client.oauth().exchange_code(bare).send().await.unwrap_err();
    assert!(matches!(err, ClientError::OAuth { .. }), "{err:?}");
}

#[tokio::test]
async fn refresh_works_once_a_long_lived_token_is_a_day_old() {
    let server = TestServer::spawn().await;
    let client = client(&server);

    // The world's token was issued on 2026-11-01: old enough already.
    let refreshed = client
        .oauth()
        .refresh(&AccessToken::new(LONG_LIVED_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.expires_in, Some(5_184_000));
    assert_eq!(refreshed.token_type.as_deref(), Some("bearer"));

    // A token minted now is refused until it is 24 hours old.
    let request = client
        .oauth()
        .instagram_authorize(InstagramWindow::BasicDisplay, LOOPBACK_REDIRECT)
        .scopes(["user_profile", "user_media"])
        .build()
        .unwrap();
    let redirect =
        authorize_in_browser(request.url(), TESTER, TESTER_PASSWORD, Decision::Allow).await;
    let grant = request.verify_redirect(&redirect).unwrap();
    let short = client.oauth().exchange_code(grant).send().await.unwrap();
    let long = client
        .oauth()
        .exchange_for_long_lived(&short.access_token)
        .send()
        .await
        .unwrap();
    let too_young = client
        .oauth()
        .refresh(&long.access_token)
        .send()
        .await
        .unwrap_err();
    assert!(too_young.graph_error().is_some(), "{too_young:?}");

    server.advance(86_400);
    let fresh = client
        .oauth()
        .refresh(&long.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.expires_in, Some(5_184_000));
    let me = client
        .with_token(fresh.access_token)
        .me()
        .send()
        .await
        .unwrap();
    assert_eq!(me.username.as_deref(), Some(TESTER));
}

#[tokio::test]
async fn facebook_dialog_and_code_exchange_answer_like_meta() {
    // The SDK's Facebook authorize URL opens the emulator's login page; an unknown code is
    // refused in the Graph envelope, which the SDK parses into an API error without the secret.
    let server = TestServer::spawn().await;
    let client = client(&server);
    let request = client
        .oauth()
        .facebook_authorize(LOOPBACK_REDIRECT)
        .scope("pages_show_list")
        .build()
        .unwrap();
    assert_eq!(request.url().path(), "/www.facebook.com/v21.0/dialog/oauth");
    let res = localgram_testkit::browser()
        .get(request.url().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("name=\"email\""), "{html}");

    let grant = AuthorizationGrant::new("AQnotACode".into(), LOOPBACK_REDIRECT);
    let err = client
        .oauth()
        .facebook_exchange_code(grant)
        .send()
        .await
        .unwrap_err();
    let api = err.graph_error().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(api.detail.code, 100);
    assert_eq!(api.detail.message, "Invalid verification code format.");
    assert_eq!(err.class(), Some(ErrorClass::InvalidRequest));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(!format!("{err:?}").contains(APP_SECRET));
}
