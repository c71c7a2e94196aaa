//! `localgram token refresh|exchange|inspect`.
//!
//! `refresh` and `exchange` print the new token on stdout (the one place, with `inspect --show`,
//! where a token is printed) and save it when the token came from the saved file, or with
//! `--save`. `inspect` reads only local information and shows the token redacted.

use clap::{Args, Subcommand};
use localgram_client::{AppSecret, TokenResponse};
use serde::Serialize;

use super::error::CliError;
use super::login::saved_token;
use super::output::{Output, redact};
use super::store::{self, SavedToken, TokenKind};
use super::{
    ApiOptions, Credentials, Globals, Need, Session, TokenSource, builder, credentials, server,
    time,
};

/// `localgram token …`: the subcommand and the connector's options.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The connector's options.
    #[command(flatten)]
    pub api: ApiOptions,
    /// The subcommand.
    #[command(subcommand)]
    pub command: TokenCommand,
}

/// `localgram token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Refresh a long-lived Instagram token (at least 24 hours old, unexpired) for a new one
    /// valid 60 days; prints it.
    Refresh(RefreshArgs),
    /// Exchange a short-lived token for a long-lived one; prints it.
    Exchange(ExchangeArgs),
    /// Show what is known about the token in use (redacted unless --show).
    Inspect(InspectArgs),
}

/// `localgram token refresh`.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Save the new token as the logged-in token (done anyway when the old one was saved).
    #[arg(long)]
    save: bool,
}

/// `localgram token exchange`.
#[derive(Debug, Args)]
pub struct ExchangeArgs {
    /// The app secret (the Facebook app's with --facebook).
    #[arg(long, env = "LOCALGRAM_APP_SECRET", hide_env_values = true)]
    app_secret: String,
    /// The app id (required with --facebook).
    #[arg(long, env = "LOCALGRAM_APP_ID")]
    app_id: Option<String>,
    /// Exchange a Facebook user token (`fb_exchange_token`) rather than an Instagram one
    /// (`ig_exchange_token`); the default for a token starting with EAA.
    #[arg(long)]
    facebook: bool,
    /// Save the new token as the logged-in token (done anyway when the old one was saved).
    #[arg(long)]
    save: bool,
}

/// `localgram token inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Show the token itself rather than a redacted form.
    #[arg(long)]
    show: bool,
}

/// Runs `localgram token …`.
pub async fn run(g: &Globals, command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Refresh(args) => refresh(g, args).await,
        TokenCommand::Exchange(args) => exchange(g, args).await,
        TokenCommand::Inspect(args) => inspect(g, args),
    }
}

/// What `--json` prints for a new token.
#[derive(Debug, Serialize)]
struct NewToken<'a> {
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_file: Option<String>,
}

/// Saves when asked to, prints the token on stdout and the rest on stderr.
fn deliver(
    out: &mut Output,
    response: &TokenResponse,
    saved: &SavedToken,
    save: Option<&str>,
) -> Result<(), CliError> {
    let path = match save {
        Some(name) => Some(store::save(name, saved)?),
        None => None,
    };
    if out.json() {
        out.json_line(&NewToken {
            access_token: response.access_token.secret(),
            token_type: response.token_type.as_deref(),
            expires_in: response.expires_in,
            expires_at: saved.expires_at.map(time::rfc3339),
            token_file: path.as_ref().map(|p| p.display().to_string()),
        })?;
    } else {
        out.line(response.access_token.secret())?;
    }
    out.flush()?;
    let expiry = saved
        .expires_at
        .map(|t| {
            format!(
                "It expires on {} ({})",
                time::rfc3339(t),
                time::relative(t, saved.issued_at.unwrap_or_else(time::now))
            )
        })
        .unwrap_or_else(|| "Its expiry is unknown".to_owned());
    match path {
        Some(path) => eprintln!("{expiry}; saved to {}.", path.display()),
        None => eprintln!("{expiry}; not saved (add --save to keep it)."),
    }
    Ok(())
}

/// The connection a new token is saved as: the one it replaces when it came from a saved
/// connection; with `--save`, the one `--connection` names or the default one for its kind.
fn save_as(c: &Credentials, save: bool, kind: TokenKind) -> Option<String> {
    match (&c.source, &c.connection) {
        (TokenSource::File(_), Some(name)) => Some(name.clone()),
        _ if save => Some(
            c.connection
                .clone()
                .unwrap_or_else(|| kind.default_name().to_owned()),
        ),
        _ => None,
    }
}

async fn refresh(g: &Globals, args: RefreshArgs) -> Result<(), CliError> {
    let mut s = Session::open(g, Need::Instagram)?;
    if s.credentials.kind.is_facebook() {
        return Err(CliError::usage(
            "a Facebook token cannot be refreshed: exchange a new short-lived one with \
             `localgram token exchange --facebook`, or run `localgram login facebook` again",
        ));
    }
    let response = s
        .client
        .oauth()
        .refresh(&s.credentials.token)
        .send()
        .await?;
    let old = s.credentials.saved.as_ref();
    let saved = saved_token(
        &response,
        TokenKind::InstagramLongLived,
        old.and_then(|o| o.user_id.clone()),
        old.and_then(|o| o.app_id.as_deref()),
        s.server.clone(),
    );
    let name = save_as(&s.credentials, args.save, saved.kind);
    deliver(&mut s.out, &response, &saved, name.as_deref())
}

async fn exchange(g: &Globals, args: ExchangeArgs) -> Result<(), CliError> {
    let mut s = Session::open(g, Need::Any)?;
    let facebook = args.facebook || s.credentials.kind.is_facebook();
    let app_id = args
        .app_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty());
    let mut client = builder(g, s.server.as_deref(), s.window.clone())
        .app_secret(AppSecret::new(args.app_secret.trim()));
    if let Some(id) = app_id {
        client = client.app_id(id);
    }
    let client = client.build()?;
    let (response, kind) = if facebook {
        if app_id.is_none() {
            return Err(CliError::usage(
                "--app-id (or LOCALGRAM_APP_ID) is required to exchange a Facebook token",
            ));
        }
        let r = client
            .oauth()
            .facebook_exchange_token(&s.credentials.token)
            .send()
            .await?;
        (r, TokenKind::FacebookLongLived)
    } else {
        let r = client
            .oauth()
            .exchange_for_long_lived(&s.credentials.token)
            .send()
            .await?;
        (r, TokenKind::InstagramLongLived)
    };
    let old = s.credentials.saved.as_ref();
    let saved = saved_token(
        &response,
        kind,
        old.and_then(|o| o.user_id.clone()),
        app_id.or_else(|| old.and_then(|o| o.app_id.as_deref())),
        s.server.clone(),
    );
    let name = save_as(&s.credentials, args.save, saved.kind);
    deliver(&mut s.out, &response, &saved, name.as_deref())
}

/// What `inspect --json` prints.
#[derive(Debug, Serialize)]
struct Inspection {
    token: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    connection: Option<String>,
    source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expired: Option<bool>,
}

fn inspect(g: &Globals, args: InspectArgs) -> Result<(), CliError> {
    let c = credentials(g, Need::Any)?;
    let server = server(g, c.saved.as_ref());
    let saved = c.saved.as_ref();
    let now = time::now();
    let expires_at = saved.and_then(|s| s.expires_at);
    let info = Inspection {
        token: if args.show {
            c.token.secret().to_owned()
        } else {
            redact(c.token.secret())
        },
        kind: c.kind.as_str(),
        connection: c.connection.clone(),
        source: match &c.source {
            TokenSource::Given => "given (--token or LOCALGRAM_TOKEN)".to_owned(),
            TokenSource::File(_) => "saved".to_owned(),
        },
        token_file: match &c.source {
            TokenSource::File(p) => Some(p.display().to_string()),
            TokenSource::Given => None,
        },
        user_id: saved.and_then(|s| s.user_id.clone()),
        app_id: saved.and_then(|s| s.app_id.clone()),
        server,
        issued_at: saved.and_then(|s| s.issued_at).map(time::rfc3339),
        expires_at: expires_at.map(time::rfc3339),
        expired: expires_at.map(|t| t <= now),
    };
    let mut out = Output::new(g.json);
    if out.json() {
        out.json_line(&info)?;
        return out.flush();
    }
    let mut pairs = vec![
        ("token", info.token.clone()),
        ("kind", info.kind.to_owned()),
        (
            "source",
            info.token_file.clone().unwrap_or(info.source.clone()),
        ),
        (
            "server",
            info.server
                .clone()
                .unwrap_or_else(|| "Meta's hosts".to_owned()),
        ),
    ];
    if let Some(name) = &info.connection {
        pairs.insert(2, ("connection", name.clone()));
    }
    let mut opt = |key, value: Option<String>| {
        if let Some(v) = value {
            pairs.push((key, v));
        }
    };
    opt("user_id", info.user_id.clone());
    opt("app_id", info.app_id.clone());
    opt("issued_at", info.issued_at.clone());
    opt(
        "expires_at",
        expires_at.map(|t| format!("{} ({})", time::rfc3339(t), time::relative(t, now))),
    );
    out.pairs(&pairs)?;
    out.flush()
}
