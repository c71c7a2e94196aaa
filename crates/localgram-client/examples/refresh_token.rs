//! Refreshes a long-lived Instagram token, directly and through a `TokenKeeper`.
//!
//! ```sh
//! LOCALGRAM_URL=http://127.0.0.1:8090 LOCALGRAM_TOKEN=IGQVJ… \
//!     cargo run -p localgram-client --example refresh_token
//! ```
//!
//! The token must be long-lived, at least 24 hours old and unexpired.

use std::time::{Duration, SystemTime};

use localgram_client::{AccessToken, Client, StoredToken, TokenKeeper};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = AccessToken::new(
        std::env::var("LOCALGRAM_TOKEN")
            .map_err(|_| "set LOCALGRAM_TOKEN to a long-lived Instagram token")?,
    );
    let client = Client::new()?;

    // One refresh, by hand.
    let refreshed = client.oauth().refresh(&token).send().await?;
    println!(
        "refreshed: {:?}, expires in {} days",
        refreshed.access_token,
        refreshed.expires_in.unwrap_or(0) / 86_400
    );

    // The keeper refreshes on its own once the token is older than 24 h and within 7 days of
    // its expiry; `on_refresh` is where an application would persist the new token.
    #[allow(clippy::disallowed_methods, reason = "an example reads the real clock")]
    let now = SystemTime::now();
    let stored = StoredToken::from_response(&refreshed, now);
    let keeper = TokenKeeper::new(client, stored)
        .with_refresh_window(Duration::from_secs(7 * 86_400))
        .on_refresh(|t| println!("stored a new token expiring at {:?}", t.expires_at));
    let me = keeper.client().await?.me().send().await?;
    println!("token works for {}", me.username.as_deref().unwrap_or("?"));
    println!("{}", serde_json::to_string(&keeper.current().await)?);
    Ok(())
}
