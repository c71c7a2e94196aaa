//! Token calls: every answer shape, the right endpoint and parameters for each call, and the
//! flat Instagram OAuth error envelope.

use localgram_client::oauth::AuthorizationGrant;
use localgram_client::{
    AccessToken, AppSecret, AuthorizationCode, ClientError, TokenResponse, appsecret_proof,
};
use localgram_types::{
    BasicDisplayTokenResponse, InstagramLoginTokenResponse, LongLivedTokenResponse,
    WrappedTokenItem, WrappedTokenResponse,
};
use wiremock::matchers::{body_string_contains, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{APP_ID, APP_SECRET, TOKEN, client_for, fixture, json_fixture, server};

fn parse(name: &str) -> TokenResponse {
    TokenResponse::from_slice(fixture(name, "").as_bytes()).unwrap()
}

#[test]
fn basic_display_shape_keeps_the_numeric_user_id_exact() {
    let t = parse("token_basic_display.json");
    assert_eq!(t.access_token.secret(), "IGQVJfakeShortLivedToken");
    assert_eq!(t.user_id.as_deref(), Some("17841400000000001"));
    assert_eq!(t.permissions, None);
    assert_eq!(t.expires_in, None);
}

#[test]
fn every_instagram_login_shape_gives_the_same_answer() {
    let flat = parse("token_instagram_login_flat.json");
    let flat_str = parse("token_instagram_login_flat_string_id.json");
    let wrapped = parse("token_instagram_login_wrapped.json");
    for t in [&flat, &flat_str, &wrapped] {
        assert_eq!(t.access_token.secret(), "IGAAfakeShortLivedToken");
        assert_eq!(t.user_id.as_deref(), Some("17841400000000002"));
        assert_eq!(
            t.permissions.as_deref(),
            Some(
                &[
                    "instagram_business_basic".to_owned(),
                    "instagram_business_manage_messages".to_owned()
                ][..]
            )
        );
    }
}

#[test]
fn long_lived_shapes_parse() {
    let t = parse("token_long_lived.json");
    assert_eq!(t.token_type.as_deref(), Some("bearer"));
    assert_eq!(t.expires_in, Some(5_183_944));
    let t = parse("token_long_lived_with_permissions.json");
    assert_eq!(t.permissions.unwrap().len(), 2);
    let t = parse("token_facebook.json");
    assert_eq!(t.access_token.secret(), "EAAfakeFacebookUserToken");
    assert_eq!(t.expires_in, Some(5_183_976));
}

#[test]
fn what_the_shared_wire_types_serialise_parses() {
    // The server builds its answers from localgram-types; the client must read all of them.
    let bodies = [
        serde_json::to_vec(&BasicDisplayTokenResponse {
            access_token: "a".into(),
            user_id: u64::MAX,
        })
        .unwrap(),
        serde_json::to_vec(&InstagramLoginTokenResponse {
            access_token: "a".into(),
            user_id: 17841405793187218,
            permissions: vec!["instagram_business_basic".into()],
        })
        .unwrap(),
        serde_json::to_vec(&WrappedTokenResponse {
            data: vec![WrappedTokenItem {
                access_token: "a".into(),
                user_id: "17841405793187218".into(),
                permissions: "instagram_business_basic".into(),
            }],
        })
        .unwrap(),
        serde_json::to_vec(&LongLivedTokenResponse {
            access_token: "a".into(),
            token_type: "bearer".into(),
            expires_in: 5_184_000,
        })
        .unwrap(),
    ];
    let ids: Vec<_> = bodies
        .iter()
        .map(|b| TokenResponse::from_slice(b).unwrap().user_id)
        .collect();
    assert_eq!(ids[0].as_deref(), Some("18446744073709551615"));
    assert_eq!(ids[1].as_deref(), Some("17841405793187218"));
    assert_eq!(ids[2].as_deref(), Some("17841405793187218"));
    assert_eq!(ids[3], None);
}

#[tokio::test]
async fn code_exchange_posts_the_form_to_api_instagram_com() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api.instagram.com/oauth/access_token"))
        .and(body_string_contains(format!("client_id={APP_ID}")))
        .and(body_string_contains(format!("client_secret={APP_SECRET}")))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains(
            "redirect_uri=https%3A%2F%2Fapp.example.com%2Fauth%2F",
        ))
        .and(body_string_contains("&code=AQD7fakeCodeXyZ123"))
        .respond_with(json_fixture(200, "token_instagram_login_flat.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let grant = AuthorizationGrant::new(
        AuthorizationCode::from_redirect_value("AQD7fakeCodeXyZ123#_"),
        "https://app.example.com/auth/",
    );
    let t = client_for(&server)
        .oauth()
        .exchange_code(grant)
        .send()
        .await
        .unwrap();
    assert_eq!(t.user_id.as_deref(), Some("17841400000000002"));
    // A code exchange carries no access token of the client's.
    let req = &server.received_requests().await.unwrap()[0];
    let body = String::from_utf8_lossy(&req.body);
    assert!(
        !body.contains("access_token") && !body.contains(TOKEN),
        "{body}"
    );
}

#[tokio::test]
async fn a_reused_code_is_an_oauth_error_and_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api.instagram.com/oauth/access_token"))
        .respond_with(json_fixture(400, "oauth_error_code_reused.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let grant = AuthorizationGrant::new(AuthorizationCode::new("AQused"), "https://a.example/cb");
    let e = client_for(&server)
        .oauth()
        .exchange_code(grant)
        .send()
        .await
        .unwrap_err();
    match e {
        ClientError::OAuth { status, error, .. } => {
            assert_eq!(status.as_u16(), 400);
            assert_eq!(
                error.error_message,
                "Matching code was not found or was already used"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_transient_failure_of_the_code_exchange_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api.instagram.com/oauth/access_token"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let grant = AuthorizationGrant::new(AuthorizationCode::new("AQcode"), "https://a.example/cb");
    let e = client_for(&server)
        .oauth()
        .exchange_code(grant)
        .send()
        .await
        .unwrap_err();
    assert!(e.is_transient(), "{e:?}");
}

#[tokio::test]
async fn long_lived_exchange_calls_graph_instagram_access_token() {
    let server = server().await;
    let short = AccessToken::new("IGQVJfakeShortLivedToken");
    Mock::given(method("GET"))
        .and(path("/graph.instagram.com/access_token"))
        .and(query_param("grant_type", "ig_exchange_token"))
        .and(query_param("client_secret", APP_SECRET))
        .and(query_param("access_token", short.secret()))
        .and(query_param(
            "appsecret_proof",
            appsecret_proof(&AppSecret::new(APP_SECRET), short.secret()),
        ))
        .respond_with(json_fixture(200, "token_long_lived.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let t = client_for(&server)
        .oauth()
        .exchange_for_long_lived(&short)
        .send()
        .await
        .unwrap();
    assert_eq!(t.access_token.secret(), "IGQVJfakeLongLivedToken");
    assert_eq!(t.expires_in, Some(5_183_944));
}

#[tokio::test]
async fn refresh_calls_the_unversioned_refresh_endpoint() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/graph.instagram.com/refresh_access_token"))
        .and(query_param("grant_type", "ig_refresh_token"))
        .and(query_param("access_token", TOKEN))
        .respond_with(json_fixture(200, "token_refreshed.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let t = client_for(&server)
        .oauth()
        .refresh(&AccessToken::new(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(t.access_token.secret(), "IGQVJfakeRefreshedToken");
}

#[tokio::test]
async fn refresh_is_retried_after_a_transient_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/graph.instagram.com/refresh_access_token"))
        .respond_with(ResponseTemplate::new(500).set_body_string(
            r#"{"error":{"message":"An unexpected error has occurred.","type":"OAuthException","code":2,"is_transient":true,"fbtrace_id":"X"}}"#,
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/graph.instagram.com/refresh_access_token"))
        .respond_with(json_fixture(200, "token_refreshed.json", ""))
        .mount(&server)
        .await;
    let t = client_for(&server)
        .oauth()
        .refresh(&AccessToken::new(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(t.access_token.secret(), "IGQVJfakeRefreshedToken");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn facebook_code_exchange_and_fb_exchange_token() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/graph.facebook.com/v21.0/oauth/access_token"))
        .and(query_param("client_id", APP_ID))
        .and(query_param("client_secret", APP_SECRET))
        .and(query_param("redirect_uri", "https://a.example/cb"))
        .and(query_param("code", "AQfbcode"))
        .respond_with(json_fixture(200, "token_facebook.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/graph.facebook.com/v21.0/oauth/access_token"))
        .and(query_param("grant_type", "fb_exchange_token"))
        .and(query_param("fb_exchange_token", "EAAfakeFacebookUserToken"))
        .respond_with(json_fixture(200, "token_facebook.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server);
    let short = client
        .oauth()
        .facebook_exchange_code(AuthorizationGrant::new(
            AuthorizationCode::new("AQfbcode"),
            "https://a.example/cb",
        ))
        .send()
        .await
        .unwrap();
    let long = client
        .oauth()
        .facebook_exchange_token(&short.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(long.expires_in, Some(5_183_976));
    for req in server.received_requests().await.unwrap() {
        let q = req.url.query().unwrap_or_default().to_owned();
        assert!(
            !q.contains("access_token="),
            "token endpoints take no access_token: {q}"
        );
    }
}

#[tokio::test]
async fn debug_token_reads_data_with_the_app_token() {
    let server = server().await;
    let app_token = format!("{APP_ID}|{APP_SECRET}");
    Mock::given(method("GET"))
        .and(path("/graph.facebook.com/v21.0/debug_token"))
        .and(query_param("input_token", "EAAinspected"))
        .and(query_param("access_token", app_token.as_str()))
        .respond_with(json_fixture(200, "debug_token.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let info = client_for(&server)
        .debug_token(&AccessToken::new("EAAinspected"))
        .with_app_token()
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(info.is_valid, Some(true));
    assert_eq!(info.token_type.as_deref(), Some("USER"));
    assert_eq!(info.user_id.as_deref(), Some("100000000000001"));
    assert_eq!(info.scopes.unwrap(), ["pages_show_list", "public_profile"]);
    assert_eq!(
        info.granular_scopes.unwrap()[0].target_ids.as_deref(),
        Some(&["200000000000001".to_owned()][..])
    );
}
