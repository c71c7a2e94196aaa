//! `localgram media list|get|children`: the media edge (one page, or every item streamed with
//! `--all`), one media object, and an album's items.

use std::io::IsTerminal as _;

use clap::{Args, Subcommand};
use futures_util::StreamExt as _;
use localgram_client::Client;
use localgram_client::fields::UserField;

use super::error::CliError;
use super::output::{List, Output, Progress, Table};
use super::{ApiOptions, Globals, Need, Session};

/// `localgram media …`: the subcommand and the connector's options.
#[derive(Debug, Args)]
pub struct MediaArgs {
    /// The connector's options.
    #[command(flatten)]
    pub api: ApiOptions,
    /// The subcommand.
    #[command(subcommand)]
    pub command: MediaCommand,
}

/// `localgram media …`.
#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// The user's media, newest first: the first page, or every item with --all.
    List(ListArgs),
    /// One media object.
    Get(GetArgs),
    /// The items of an album (CAROUSEL_ALBUM).
    Children(ChildrenArgs),
}

/// `localgram media list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Every item, following the cursors to the end (streamed: memory stays flat).
    #[arg(long)]
    all: bool,
    /// The fields of each item, comma-separated [default:
    /// caption,media_type,media_url,permalink,timestamp,username,thumbnail_url, and the id].
    #[arg(long)]
    fields: Option<String>,
    /// Items per page (the API allows up to 100) [default: the server's 25; 100 with --all].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    limit: Option<u32>,
    /// Start after this cursor (`paging.cursors.after` of a page, printed with --json).
    #[arg(long, value_name = "CURSOR", conflicts_with = "before")]
    after: Option<String>,
    /// The page before this cursor (`paging.cursors.before` of a page).
    #[arg(long, value_name = "CURSOR", conflicts_with = "all")]
    before: Option<String>,
}

/// `localgram media get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The media id.
    id: String,
    /// The fields, comma-separated [default:
    /// caption,media_type,media_url,permalink,timestamp,username,thumbnail_url, and the id].
    #[arg(long)]
    fields: Option<String>,
}

/// `localgram media children`.
#[derive(Debug, Args)]
pub struct ChildrenArgs {
    /// The album's media id.
    id: String,
    /// The fields of each item, comma-separated [default:
    /// id,media_type,media_url,permalink,thumbnail_url,timestamp,username].
    #[arg(long)]
    fields: Option<String>,
}

/// Runs `localgram media …`.
pub async fn run(g: &Globals, command: MediaCommand) -> Result<(), CliError> {
    match command {
        MediaCommand::List(args) => list(g, args).await,
        MediaCommand::Get(args) => get(g, args).await,
        MediaCommand::Children(args) => children(g, args).await,
    }
}

fn given(fields: &Option<String>) -> Option<&str> {
    fields.as_deref().map(str::trim).filter(|f| !f.is_empty())
}

/// A list of media with these fields, or the default columns.
fn list_of(out: &Output, fields: Option<&str>, default: &[&str]) -> List {
    List::new(out, || {
        fields.map_or_else(|| Table::new(default), Table::for_fields)
    })
}

const MEDIA_COLUMNS: &[&str] = &["id", "media_type", "timestamp", "caption"];

async fn list(g: &Globals, args: ListArgs) -> Result<(), CliError> {
    let mut s = Session::open(g, Need::Instagram)?;
    let fields = given(&args.fields);
    let mut request = s.client.media();
    if let Some(fields) = fields {
        request = request.raw_fields(fields);
    }
    if let Some(limit) = args.limit.or(args.all.then_some(100)) {
        request = request.limit(limit);
    }
    if let Some(cursor) = given(&args.after) {
        request = request.after(cursor);
    }
    if let Some(cursor) = given(&args.before) {
        request = request.before(cursor);
    }
    let mut list = list_of(&s.out, fields, MEDIA_COLUMNS);
    if args.all {
        let mut progress = Progress::new(&s.out, "media");
        if progress.enabled() {
            progress.set_total(media_count(&s.client).await);
        }
        let mut stream = request.stream();
        while let Some(media) = stream.next().await {
            list.item(&mut s.out, &media?)?;
            progress.tick(&mut s.out)?;
        }
        progress.finish();
    } else {
        let page = request.send().await?;
        for media in &page.data {
            list.item(&mut s.out, media)?;
        }
        if s.out.json() {
            // After the items, the page's paging as the API sent it (cursors, and the links
            // without the token), for the next call's --after or --before.
            if let Some(paging) = &page.paging {
                s.out.json_line(&PagingLine {
                    paging: without_tokens(paging),
                })?;
            }
            return s.out.flush();
        }
        if let Some(after) = page.after().filter(|_| page.has_next())
            && std::io::stderr().is_terminal()
        {
            eprintln!("(more media: --after {after} for the next page, --all for every page)");
        }
    }
    list.end(&mut s.out)
}

/// The last line of `media list --json` (without `--all`).
#[derive(serde::Serialize)]
struct PagingLine {
    paging: localgram_client::types::Paging,
}

/// The paging of a page with `access_token` and `appsecret_proof` taken out of its links.
fn without_tokens(paging: &localgram_client::types::Paging) -> localgram_client::types::Paging {
    let strip = |link: &Option<String>| {
        link.as_deref()
            .and_then(|l| url::Url::parse(l).ok())
            .map(|mut u| {
                let kept: Vec<(String, String)> = u
                    .query_pairs()
                    .filter(|(k, _)| k != "access_token" && k != "appsecret_proof")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                u.query_pairs_mut().clear().extend_pairs(kept);
                u.to_string()
            })
    };
    let mut out = paging.clone();
    out.next = strip(&paging.next);
    out.previous = strip(&paging.previous);
    out
}

/// The account's `media_count`, for the progress counter (best effort).
async fn media_count(client: &Client) -> Option<u64> {
    client
        .me()
        .fields([UserField::MediaCount])
        .send()
        .await
        .ok()
        .and_then(|me| me.media_count)
}

async fn get(g: &Globals, args: GetArgs) -> Result<(), CliError> {
    let mut s = Session::open(g, Need::Instagram)?;
    let mut request = s.client.media_details(args.id.trim());
    if let Some(fields) = given(&args.fields) {
        request = request.raw_fields(fields);
    }
    let media = request.send().await?;
    s.out.object(&media)?;
    s.out.flush()
}

async fn children(g: &Globals, args: ChildrenArgs) -> Result<(), CliError> {
    let mut s = Session::open(g, Need::Instagram)?;
    let fields = given(&args.fields);
    let mut request = s.client.children(args.id.trim());
    if let Some(fields) = fields {
        request = request.raw_fields(fields);
    }
    let mut list = list_of(
        &s.out,
        fields,
        &["id", "media_type", "timestamp", "media_url"],
    );
    let mut progress = Progress::new(&s.out, "media");
    let mut stream = request.stream();
    while let Some(media) = stream.next().await {
        list.item(&mut s.out, &media?)?;
        progress.tick(&mut s.out)?;
    }
    progress.finish();
    list.end(&mut s.out)
}
