//! The token keeper: refreshes a long-lived token once it is older than 24 h and inside the
//! refresh window, and not otherwise.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use localgram_client::{AccessToken, ClientError, Clock, StoredToken, TokenKeeper};
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client_for, json_fixture, server};

const DAY: Duration = Duration::from_secs(86_400);

#[derive(Debug, Clone)]
struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    fn at(t: SystemTime) -> Self {
        Self(Arc::new(Mutex::new(t)))
    }
    fn advance(&self, d: Duration) {
        *self.0.lock().unwrap() += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_720_000_000)
}

async fn mount_refresh(server: &MockServer, from: &str) {
    Mock::given(path("/graph.instagram.com/refresh_access_token"))
        .and(query_param("access_token", from))
        .respond_with(json_fixture(200, "token_refreshed.json", ""))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_young_or_distant_token_is_left_alone() {
    let server = server().await;
    mount_refresh(&server, "IGQVJold").await;
    let clock = ManualClock::at(t0());
    let keeper = TokenKeeper::new(
        client_for(&server),
        StoredToken::new(AccessToken::new("IGQVJold"), t0(), t0() + 60 * DAY),
    )
    .with_refresh_window(10 * DAY)
    .with_clock(clock.clone());
    // Fresh: too young, and far from expiry.
    assert_eq!(keeper.token().await.unwrap().secret(), "IGQVJold");
    // 40 days old: old enough, but 20 days from expiry, outside the 10-day window.
    clock.advance(40 * DAY);
    assert_eq!(keeper.token().await.unwrap().secret(), "IGQVJold");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_token_inside_the_window_is_refreshed_once() {
    let server = server().await;
    mount_refresh(&server, "IGQVJold").await;
    let clock = ManualClock::at(t0());
    let saved = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&saved);
    let keeper = TokenKeeper::new(
        client_for(&server),
        StoredToken::new(AccessToken::new("IGQVJold"), t0(), t0() + 60 * DAY),
    )
    .with_refresh_window(10 * DAY)
    .with_clock(clock.clone())
    .on_refresh(move |t| *sink.lock().unwrap() = Some(t.clone()));
    clock.advance(55 * DAY);
    let token = keeper.token().await.unwrap();
    assert_eq!(token.secret(), "IGQVJfakeRefreshedToken");
    let current = keeper.current().await;
    assert_eq!(current.issued_at, t0() + 55 * DAY);
    assert_eq!(
        current.expires_at,
        t0() + 55 * DAY + Duration::from_secs(5_183_944)
    );
    assert_eq!(saved.lock().unwrap().as_ref(), Some(&current));
    // The new token is fresh: asking again does not refresh.
    keeper.token().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // A client bound to the keeper's token.
    assert_eq!(
        keeper
            .client()
            .await
            .unwrap()
            .access_token()
            .unwrap()
            .secret(),
        "IGQVJfakeRefreshedToken"
    );
}

#[tokio::test]
async fn a_short_window_token_younger_than_a_day_is_not_refreshed() {
    // A token that lives 2 days is always inside a 10-day window, but must be 24 h old first.
    let server = server().await;
    mount_refresh(&server, "IGQVJshort").await;
    let clock = ManualClock::at(t0());
    let keeper = TokenKeeper::new(
        client_for(&server),
        StoredToken::new(AccessToken::new("IGQVJshort"), t0(), t0() + 2 * DAY),
    )
    .with_refresh_window(10 * DAY)
    .with_clock(clock.clone());
    clock.advance(DAY - Duration::from_secs(1));
    assert_eq!(keeper.token().await.unwrap().secret(), "IGQVJshort");
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        keeper.token().await.unwrap().secret(),
        "IGQVJfakeRefreshedToken"
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_valid_token_and_an_expired_one_is_an_error() {
    let server = server().await; // no refresh mock: the catch-all answers 500
    let clock = ManualClock::at(t0());
    let keeper = TokenKeeper::new(
        client_for(&server),
        StoredToken::new(AccessToken::new("IGQVJold"), t0(), t0() + 60 * DAY),
    )
    .with_clock(clock.clone());
    clock.advance(50 * DAY);
    assert_eq!(keeper.token().await.unwrap().secret(), "IGQVJold");
    assert!(keeper.refresh_now().await.is_err());
    clock.advance(10 * DAY);
    assert!(matches!(
        keeper.token().await,
        Err(ClientError::TokenExpired { .. })
    ));
}

#[test]
fn a_stored_token_round_trips_through_json() {
    let t = StoredToken::new(AccessToken::new("IGQVJx"), t0(), t0() + 60 * DAY);
    let s = serde_json::to_string(&t).unwrap();
    assert_eq!(
        s,
        r#"{"access_token":"IGQVJx","issued_at":1720000000,"expires_at":1725184000}"#
    );
    assert_eq!(serde_json::from_str::<StoredToken>(&s).unwrap(), t);
    assert!(!format!("{t:?}").contains("IGQVJx"));
    let _ = ResponseTemplate::new(200);
}
