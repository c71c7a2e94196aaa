//! Lists the Facebook Pages the user has a role on, with their Instagram accounts.
//!
//! ```sh
//! LOCALGRAM_URL=http://127.0.0.1:8090 LOCALGRAM_TOKEN=EAA… \
//!     cargo run -p localgram-client --example list_pages
//! ```
//!
//! The token is a Facebook user token with `pages_show_list`.

use futures_util::StreamExt;
use localgram_client::fields::PageField;
use localgram_client::{AccessToken, Client, ErrorClass};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("LOCALGRAM_TOKEN")
        .map_err(|_| "set LOCALGRAM_TOKEN to a Facebook user token")?;
    let client = Client::builder()
        .access_token(AccessToken::new(token))
        .build()?;

    let mut pages = client
        .accounts()
        .fields([
            PageField::Id,
            PageField::Name,
            PageField::Category,
            PageField::Tasks,
            PageField::InstagramBusinessAccountWith(vec!["id".into(), "username".into()]),
        ])
        .limit(100)
        .stream();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                let ig = page
                    .instagram_business_account
                    .as_ref()
                    .and_then(|a| a.username.clone().or(a.id.clone()))
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{:<20} {:<30} {:<20} tasks={:?} instagram={ig}",
                    page.id.as_deref().unwrap_or("?"),
                    page.name.as_deref().unwrap_or("?"),
                    page.category.as_deref().unwrap_or("-"),
                    page.tasks.unwrap_or_default(),
                );
            }
            Err(e) if matches!(e.class(), Some(ErrorClass::Auth(_))) => {
                return Err(format!("log in again: {e}").into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
