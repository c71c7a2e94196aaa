//! Lists every media item of the token's user, following the cursors to the end.
//!
//! ```sh
//! LOCALGRAM_URL=http://127.0.0.1:8090 LOCALGRAM_TOKEN=IGQVJ… \
//!     cargo run -p localgram-client --example list_media
//! ```
//!
//! Without `LOCALGRAM_URL` it talks to Meta's graph.instagram.com.

use futures_util::StreamExt;
use localgram_client::fields::MediaField;
use localgram_client::{AccessToken, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("LOCALGRAM_TOKEN")
        .map_err(|_| "set LOCALGRAM_TOKEN to an Instagram user token")?;
    let client = Client::builder()
        .access_token(AccessToken::new(token))
        .build()?;

    let me = client.me().send().await?;
    println!(
        "{} ({}), {} media",
        me.username.as_deref().unwrap_or("?"),
        me.account_type.as_deref().unwrap_or("?"),
        me.media_count.unwrap_or(0)
    );

    let mut media = client
        .media()
        .fields([
            MediaField::Id,
            MediaField::MediaType,
            MediaField::Timestamp,
            MediaField::Permalink,
            MediaField::Caption,
        ])
        .limit(100)
        .stream();
    let mut count = 0;
    while let Some(item) = media.next().await {
        let item = item?;
        count += 1;
        println!(
            "{}  {:<14} {}  {}",
            item.timestamp.as_deref().unwrap_or("-"),
            item.media_type.as_ref().map(|t| t.as_str()).unwrap_or("-"),
            item.permalink.as_deref().unwrap_or("-"),
            item.caption.as_deref().unwrap_or("")
        );
    }
    println!("{count} items");
    if let Some(usage) = client.last_usage().and_then(|u| u.max_percent()) {
        println!("rate-limit usage: {usage:.0} %");
    }
    Ok(())
}
