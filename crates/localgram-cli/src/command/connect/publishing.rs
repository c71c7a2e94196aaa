//! `localgram publish FILE` and `localgram comments list|reply|hide`, on graph.instagram.com (or
//! graph.facebook.com with a Facebook token), through the SDK's publishing helper.
//!
//! A local FILE is served once to whoever asks, from a port of the loopback opened for the
//! publication: Localgram fetches loopback URLs, so publishing a file from disk to a Localgram on
//! the same machine needs no upload. A FILE that is an `http(s)://` URL is passed as it is (Meta
//! itself needs a public URL).

use clap::{Args, Subcommand};
use localgram_client::{Host, NewMedia, WaitPolicy};
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::error::CliError;
use super::{ApiOptions, Globals, Need, Session};

/// `localgram publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The connector's options.
    #[command(flatten)]
    pub api: ApiOptions,
    /// A JPEG (a post) or an MP4 (a reel), or an http(s) URL of one.
    file: String,
    /// The caption.
    #[arg(long)]
    caption: Option<String>,
    /// The account to publish to [default: me].
    #[arg(long, default_value = "me")]
    account: String,
}

/// `localgram comments`.
#[derive(Debug, Args)]
pub struct CommentsArgs {
    /// The connector's options.
    #[command(flatten)]
    pub api: ApiOptions,
    /// What to do.
    #[command(subcommand)]
    pub command: CommentsCommand,
}

/// The `comments` subcommands.
#[derive(Debug, Subcommand)]
pub enum CommentsCommand {
    /// The first page of a media's comments, newest first.
    List {
        /// The media id.
        media_id: String,
    },
    /// Reply to a comment.
    Reply {
        /// The comment id.
        comment_id: String,
        /// The reply.
        message: String,
    },
    /// Hide a comment (or show it again with --unhide).
    Hide {
        /// The comment id.
        comment_id: String,
        /// Show the comment again.
        #[arg(long)]
        unhide: bool,
    },
}

fn host_of(s: &Session) -> Host {
    if s.credentials.kind.is_facebook() {
        Host::GraphFacebook
    } else {
        Host::GraphInstagram
    }
}

/// Serves `bytes` to every GET on a fresh loopback port until dropped; the URL.
async fn serve_file(path: &PathBuf) -> Result<(String, tokio::task::JoinHandle<()>), CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let url = format!(
        "http://{addr}/{}",
        url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
    );
    let task = tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let bytes = bytes.clone();
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = conn.read(&mut head).await;
                let header = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    bytes.len()
                );
                let _ = conn.write_all(header.as_bytes()).await;
                let _ = conn.write_all(&bytes).await;
                let _ = conn.shutdown().await;
            });
        }
    });
    Ok((url, task))
}

/// Runs `localgram publish`.
pub async fn run_publish(g: &Globals, args: PublishArgs) -> Result<(), CliError> {
    let mut s = Session::open(g, Need::Any)?;
    let host = host_of(&s);
    let is_url = args.file.starts_with("http://") || args.file.starts_with("https://");
    let (url, server) = if is_url {
        (args.file.clone(), None)
    } else {
        let (url, task) = serve_file(&PathBuf::from(&args.file)).await?;
        (url, Some(task))
    };
    let lower = args.file.to_ascii_lowercase();
    let mut media = if lower.ends_with(".mp4") || lower.ends_with(".mov") {
        NewMedia::reel(&url)
    } else {
        NewMedia::image(&url)
    };
    if let Some(c) = &args.caption {
        media = media.caption(c);
    }
    let published = s
        .client
        .publish(host, &args.account, &media, WaitPolicy::default())
        .await;
    if let Some(task) = server {
        task.abort();
    }
    let id = published?;
    s.out.object(&serde_json::json!({ "id": id }))?;
    s.out.flush()
}

/// Runs `localgram comments …`.
pub async fn run_comments(g: &Globals, command: CommentsCommand) -> Result<(), CliError> {
    let mut s = Session::open(g, Need::Any)?;
    let host = host_of(&s);
    match command {
        CommentsCommand::List { media_id } => {
            for c in s.client.comments(host, &media_id).await? {
                s.out.object(&c)?;
            }
        }
        CommentsCommand::Reply {
            comment_id,
            message,
        } => {
            let id = s.client.reply(host, &comment_id, &message).await?;
            s.out.object(&serde_json::json!({ "id": id }))?;
        }
        CommentsCommand::Hide { comment_id, unhide } => {
            s.client.hide_comment(host, &comment_id, !unhide).await?;
            s.out.object(&serde_json::json!({ "success": true }))?;
        }
    }
    s.out.flush()
}
