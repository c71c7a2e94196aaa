//! `localgram login instagram|facebook`: the authorization code flow of a native app (RFC 8252).
//!
//! 1. Listen on `127.0.0.1:{--redirect-port, or a free port}` for the redirect.
//! 2. Build the authorize URL with the SDK (a random `state`, and a PKCE challenge), print it on
//!    stderr, and open it in the browser when stdout is a terminal (unless `--no-browser`).
//! 3. Take the one redirect to the callback path; the SDK checks its `state` and reads the code
//!    (or the denial).
//! 4. Exchange the code, upgrade the token to a long-lived one, save it (mode 0600), and answer
//!    the browser with the outcome.

use std::io::IsTerminal as _;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use localgram_client::fields::UserField;
use localgram_client::oauth::{AuthorizationRequest, InstagramWindow};
use localgram_client::{AppSecret, Client, Host, LONG_LIVED_LIFETIME, TokenResponse};
use serde::Serialize;

use super::callback::{Callback, Redirect};
use super::error::CliError;
use super::output::Output;
use super::store::{self, SavedToken, TokenKind};
use super::{Globals, builder, time};

/// `localgram login …`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Log in to this Localgram server instead of Meta's hosts [env: LOCALGRAM_URL].
    #[arg(long = "localgram", value_name = "URL", global = true)]
    localgram: Option<String>,
    /// Save the connection under this name [env: LOCALGRAM_CONNECTION] [default: instagram or
    /// facebook].
    #[arg(long, value_name = "NAME", global = true)]
    connection: Option<String>,
    /// Print JSON.
    #[arg(long, global = true)]
    json: bool,
    /// How often to retry a call after a transient error [default: 3].
    #[arg(long, value_name = "N", global = true)]
    retries: Option<u32>,
    /// Trust this CA certificate (PEM) besides the public roots, such as a Localgram server's
    /// (`localgram ca --path`) [env: LOCALGRAM_CA_CERT].
    #[arg(long, value_name = "FILE", global = true)]
    ca_cert: Option<std::path::PathBuf>,
    #[command(subcommand)]
    platform: Platform,
}

impl LoginArgs {
    /// The connector's options given to `login`.
    pub fn globals(&self) -> Globals {
        Globals {
            localgram: self.localgram.clone(),
            json: self.json,
            retries: self.retries,
            connection: self.connection.clone(),
            ca_cert: self.ca_cert.clone(),
            ..Globals::default()
        }
    }
}

#[derive(Debug, Subcommand)]
enum Platform {
    /// Log in with Instagram (the Instagram API with Instagram Login, or Basic Display).
    Instagram(InstagramArgs),
    /// Log in with Facebook Login (for the Pages commands).
    Facebook(FacebookArgs),
}

#[derive(Debug, Args)]
struct InstagramArgs {
    #[command(flatten)]
    common: LoginOptions,
    /// The authorization window: `api` (api.instagram.com) or `www` (www.instagram.com,
    /// Business Login for Instagram).
    #[arg(long, value_enum, default_value_t = Window::Api)]
    window: Window,
    /// Permissions to ask for, comma-separated [default: user_profile,user_media].
    #[arg(long, value_delimiter = ',')]
    scope: Vec<String>,
}

#[derive(Debug, Args)]
struct FacebookArgs {
    #[command(flatten)]
    common: LoginOptions,
    /// Permissions to ask for, comma-separated [default: public_profile,pages_show_list,pages_manage_metadata].
    #[arg(long, value_delimiter = ',')]
    scope: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Window {
    /// api.instagram.com/oauth/authorize.
    Api,
    /// www.instagram.com/oauth/authorize.
    Www,
}

#[derive(Debug, Args)]
struct LoginOptions {
    /// The app id.
    #[arg(long, env = "LOCALGRAM_APP_ID")]
    app_id: String,
    /// The app secret.
    #[arg(long, env = "LOCALGRAM_APP_SECRET", hide_env_values = true)]
    app_secret: String,
    /// The port of the loopback redirect `http://127.0.0.1:PORT/callback` (0: any free port;
    /// register `http://127.0.0.1/callback` with the app).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    redirect_port: u16,
    /// The path of the loopback redirect.
    #[arg(long, value_name = "PATH", default_value = "/callback")]
    redirect_path: String,
    /// Do not open a browser; only print the URL.
    #[arg(long)]
    no_browser: bool,
    /// How long to wait for the redirect, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    timeout: u64,
}

/// What `--json` prints after a login.
#[derive(Debug, Serialize)]
struct LoggedIn {
    platform: &'static str,
    user_id: Option<String>,
    username: Option<String>,
    kind: &'static str,
    connection: String,
    expires_at: Option<String>,
    token_file: String,
}

/// Runs `localgram login …`.
pub async fn run(g: &Globals, args: LoginArgs) -> Result<(), CliError> {
    let (options, facebook) = match &args.platform {
        Platform::Instagram(a) => (&a.common, false),
        Platform::Facebook(a) => (&a.common, true),
    };
    let server = g.localgram().map(str::to_owned);
    let connection = match g
        .connection
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(name) => name.to_owned(),
        None if facebook => TokenKind::FacebookLongLived.default_name().to_owned(),
        None => TokenKind::InstagramLongLived.default_name().to_owned(),
    };
    store::check_name(&connection)?;
    let client = builder(g, server.as_deref(), None)
        .app_id(options.app_id.trim())
        .app_secret(AppSecret::new(options.app_secret.trim()))
        .build()?;
    let callback = Callback::bind(options.redirect_port, &options.redirect_path).await?;
    let redirect_uri = callback.redirect_uri();

    let request = match &args.platform {
        Platform::Instagram(a) => {
            let window = match a.window {
                Window::Api => InstagramWindow::BasicDisplay,
                Window::Www => InstagramWindow::BusinessLogin,
            };
            let scopes = or_default(&a.scope, &["user_profile", "user_media"]);
            client
                .oauth()
                .instagram_authorize(window, &redirect_uri)
                .scopes(scopes)
                .pkce()
                .build()?
        }
        Platform::Facebook(a) => {
            let scopes = or_default(
                &a.scope,
                &["public_profile", "pages_show_list", "pages_manage_metadata"],
            );
            client
                .oauth()
                .facebook_authorize(&redirect_uri)
                .scopes(scopes)
                .pkce()
                .build()?
        }
    };

    eprintln!("Open this URL in a browser to log in:");
    eprintln!("  {}", request.url());
    eprintln!("Waiting for the redirect to {redirect_uri} …");
    if !options.no_browser && std::io::stdout().is_terminal() {
        open_browser(request.url().as_str());
    }

    let redirect = tokio::time::timeout(Duration::from_secs(options.timeout), callback.wait())
        .await
        .map_err(|_| {
            CliError::other(format!(
                "no redirect arrived within {} seconds; run `localgram login` again",
                options.timeout
            ))
        })??;

    let outcome = complete(
        &client,
        &request,
        &redirect.target,
        facebook,
        server,
        &connection,
    )
    .await;
    match outcome {
        Ok((saved, path)) => finish(g, &client, redirect, saved, path, &connection).await,
        Err(e) => {
            redirect.fail(&e).await;
            Err(e)
        }
    }
}

fn or_default(given: &[String], default: &[&str]) -> Vec<String> {
    let given: Vec<String> = given
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if given.is_empty() {
        default.iter().map(|s| (*s).to_owned()).collect()
    } else {
        given
    }
}

/// Checks the redirect, exchanges the code, upgrades the token and saves it.
async fn complete(
    client: &Client,
    request: &AuthorizationRequest,
    target: &str,
    facebook: bool,
    server: Option<String>,
    connection: &str,
) -> Result<(SavedToken, std::path::PathBuf), CliError> {
    let grant = request.verify_redirect(target)?;
    let oauth = client.oauth();
    let (long, user_id, kind) = if facebook {
        let short = oauth.facebook_exchange_code(grant).send().await?;
        let long = oauth
            .facebook_exchange_token(&short.access_token)
            .send()
            .await?;
        (long, short.user_id, TokenKind::FacebookLongLived)
    } else {
        let short = oauth.exchange_code(grant).send().await?;
        let long = oauth
            .exchange_for_long_lived(&short.access_token)
            .send()
            .await?;
        (long, short.user_id, TokenKind::InstagramLongLived)
    };
    let saved = saved_token(&long, kind, user_id, client.app_id(), server);
    let path = store::save(connection, &saved)?;
    Ok((saved, path))
}

/// The file content for a long-lived token received now.
pub(crate) fn saved_token(
    response: &TokenResponse,
    kind: TokenKind,
    user_id: Option<String>,
    app_id: Option<&str>,
    server: Option<String>,
) -> SavedToken {
    let now = time::now();
    let lifetime = response.expires_in.unwrap_or(LONG_LIVED_LIFETIME.as_secs());
    SavedToken {
        access_token: response.access_token.clone(),
        kind,
        user_id: user_id.or_else(|| response.user_id.clone()),
        app_id: app_id.map(str::to_owned),
        base_url: server,
        issued_at: Some(now),
        expires_at: Some(now + lifetime),
    }
}

/// Answers the browser, then says who logged in.
async fn finish(
    g: &Globals,
    client: &Client,
    redirect: Redirect,
    mut saved: SavedToken,
    path: std::path::PathBuf,
    connection: &str,
) -> Result<(), CliError> {
    let facebook = saved.kind.is_facebook();
    redirect
        .succeed("You are logged in to Localgram's command line. You can close this window.")
        .await;
    // Who is it? Best effort: the token is saved whatever the answer.
    let user = client.with_token(saved.access_token.clone());
    let me = if facebook {
        user.me()
            .host(Host::GraphFacebook)
            .fields([UserField::Id, UserField::Name])
            .send()
            .await
    } else {
        user.me()
            .fields([UserField::Id, UserField::Username])
            .send()
            .await
    };
    let (user_id, name) = match me {
        Ok(me) => (me.id, me.username.or(me.name)),
        Err(_) => (None, None),
    };
    if saved.user_id.is_none() && user_id.is_some() {
        saved.user_id = user_id;
        store::save(connection, &saved)?;
    }
    let platform = if facebook { "Facebook" } else { "Instagram" };
    let mut out = Output::new(g.json);
    if out.json() {
        out.json_line(&LoggedIn {
            platform: if facebook { "facebook" } else { "instagram" },
            user_id: saved.user_id.clone(),
            username: name,
            kind: saved.kind.as_str(),
            connection: connection.to_owned(),
            expires_at: saved.expires_at.map(time::rfc3339),
            token_file: path.display().to_string(),
        })?;
    } else {
        let who = match (&name, &saved.user_id) {
            (Some(name), Some(id)) => format!("{name} ({id})"),
            (Some(name), None) => name.clone(),
            (None, Some(id)) => format!("user {id}"),
            (None, None) => "an unknown user".to_owned(),
        };
        out.line(&format!("Logged in to {platform} as {who}."))?;
        let expiry = saved
            .expires_at
            .map(|t| {
                format!(
                    "; it expires on {} ({})",
                    time::rfc3339(t),
                    time::relative(t, saved.issued_at.unwrap_or_else(time::now))
                )
            })
            .unwrap_or_default();
        out.line(&format!("Token saved to {}{expiry}.", path.display()))?;
    }
    out.flush()
}

/// Opens `url` in the desktop's browser; failures are ignored (the URL is printed anyway).
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
