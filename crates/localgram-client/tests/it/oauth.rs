//! The redirect parser, `state` verification and PKCE, end to end.

use base64::Engine as _;
use localgram_client::oauth::{
    AuthorizationRequest, InstagramWindow, parse_redirect, verify_redirect,
};
use localgram_client::{Client, ClientError, CsrfState};
use sha2::{Digest, Sha256};
use wiremock::Mock;
use wiremock::matchers::{body_string_contains, method, path};

use crate::support::{client_for, json_fixture, server};

#[test]
fn redirect_with_code_state_and_hash_underscore() {
    let p =
        parse_redirect("https://app.example.com/auth/?code=AQD7fakeCodeXyZ123&state=s#_").unwrap();
    assert_eq!(p.code.secret(), "AQD7fakeCodeXyZ123");
    assert_eq!(p.state.as_deref(), Some("s"));
}

#[test]
fn redirect_given_as_path_and_query_or_with_the_fragment_glued_to_the_code() {
    let p = parse_redirect("/auth/?state=s&code=AQx%23_").unwrap();
    assert_eq!(p.code.secret(), "AQx");
}

#[test]
fn instagram_denial_is_typed() {
    let e = parse_redirect(
        "https://app.example.com/auth/?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&state=s",
    )
    .unwrap_err();
    match e {
        ClientError::Denied {
            error,
            reason,
            description,
        } => {
            assert_eq!(error, "access_denied");
            assert_eq!(reason.as_deref(), Some("user_denied"));
            assert_eq!(description.as_deref(), Some("The user denied your request"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn facebook_denial_is_typed() {
    let e = parse_redirect(
        "https://a.example/cb?error_reason=user_denied&error=access_denied&error_description=Permissions+error.",
    )
    .unwrap_err();
    assert!(
        matches!(e, ClientError::Denied { ref description, .. } if description.as_deref() == Some("Permissions error."))
    );
    assert_eq!(
        e.to_string(),
        "authorization failed: access_denied (Permissions error.)"
    );
}

#[test]
fn a_redirect_without_code_or_error_is_refused() {
    assert!(matches!(
        parse_redirect("https://a.example/cb?state=s#_"),
        Err(ClientError::Redirect(_))
    ));
    assert!(matches!(
        parse_redirect("::::"),
        Err(ClientError::Redirect(_))
    ));
}

#[test]
fn state_must_match() {
    let expected = CsrfState::new("csrf-42");
    assert_eq!(
        verify_redirect("https://a.example/cb?code=AQ1&state=csrf-42#_", &expected)
            .unwrap()
            .secret(),
        "AQ1"
    );
    assert!(matches!(
        verify_redirect("https://a.example/cb?code=AQ1&state=csrf-43", &expected),
        Err(ClientError::StateMismatch)
    ));
    assert!(matches!(
        verify_redirect("https://a.example/cb?code=AQ1", &expected),
        Err(ClientError::StateMismatch)
    ));
}

#[test]
fn a_resumed_request_verifies_like_the_original() {
    let client = Client::builder().ignore_env().app_id("1").build().unwrap();
    let original = client
        .oauth()
        .instagram_authorize(InstagramWindow::BasicDisplay, "https://a.example/cb")
        .scope("user_profile")
        .pkce()
        .build()
        .unwrap();
    let resumed = AuthorizationRequest::resume(
        original.state().clone(),
        original.redirect_uri(),
        original.pkce_verifier().cloned(),
    );
    let redirect = format!(
        "https://a.example/cb?code=AQ9&state={}#_",
        original.state().secret()
    );
    let grant = resumed.verify_redirect(&redirect).unwrap();
    assert_eq!(grant.code().secret(), "AQ9");
    assert_eq!(grant.redirect_uri(), "https://a.example/cb");
}

#[tokio::test]
async fn pkce_verifier_sent_at_exchange_matches_the_challenge_in_the_url() {
    let server = server().await;
    let client = client_for(&server);
    let request = client
        .oauth()
        .instagram_authorize(
            InstagramWindow::BusinessLogin,
            "https://app.example.com/auth/",
        )
        .scope("instagram_business_basic")
        .pkce()
        .build()
        .unwrap();
    let challenge = request
        .url()
        .query_pairs()
        .find(|(k, _)| k == "code_challenge")
        .unwrap()
        .1
        .into_owned();
    let verifier = request.pkce_verifier().unwrap().secret().to_owned();
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes())),
        challenge
    );

    Mock::given(method("POST"))
        .and(path("/api.instagram.com/oauth/access_token"))
        .and(body_string_contains(format!("code_verifier={verifier}")))
        .and(body_string_contains("code=AQD7fake"))
        .respond_with(json_fixture(200, "token_instagram_login_flat.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let redirect = format!(
        "https://app.example.com/auth/?code=AQD7fake&state={}#_",
        request.state().secret()
    );
    let grant = request.verify_redirect(&redirect).unwrap();
    let token = client.oauth().exchange_code(grant).send().await.unwrap();
    assert_eq!(token.access_token.secret(), "IGAAfakeShortLivedToken");
}

#[test]
fn a_forged_redirect_never_reaches_the_exchange() {
    let client = Client::builder().ignore_env().app_id("1").build().unwrap();
    let request = client
        .oauth()
        .facebook_authorize("https://a.example/cb")
        .scopes(["public_profile", "pages_show_list"])
        .build()
        .unwrap();
    let q: Vec<_> = request.url().query_pairs().into_owned().collect();
    assert!(q.contains(&("scope".into(), "public_profile,pages_show_list".into())));
    assert!(matches!(
        request.verify_redirect("https://a.example/cb?code=AQevil&state=attacker"),
        Err(ClientError::StateMismatch)
    ));
}
