//! `localgram pages list|create`: the Facebook Pages the user has a role on
//! (`GET /me/accounts`) and Page creation (`POST /me/accounts`), on graph.facebook.com, with a
//! Facebook user token.
//!
//! Listing asks for `id,name,category,tasks` by default: the edge's own default would include
//! each Page's access token, which is printed only when asked for with `--fields`.

use clap::{Args, Subcommand};
use futures_util::StreamExt as _;
use localgram_client::requests::{Coordinates, CoverPhoto, PageLocation};

use super::error::CliError;
use super::output::{List, Progress, Table};
use super::{ApiOptions, Globals, Need, Session};

/// `localgram pages …`: the subcommand and the connector's options.
#[derive(Debug, Args)]
pub struct PagesArgs {
    /// The connector's options.
    #[command(flatten)]
    pub api: ApiOptions,
    /// The subcommand.
    #[command(subcommand)]
    pub command: PagesCommand,
}

/// `localgram pages …`.
#[derive(Debug, Subcommand)]
pub enum PagesCommand {
    /// The Pages the user has a role on (every page of the edge).
    List(ListArgs),
    /// Create a Page (test users, or apps allowed to).
    Create(Box<CreateArgs>),
}

/// `localgram pages list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The fields of each Page, comma-separated [default: id,name,category,tasks].
    #[arg(long)]
    fields: Option<String>,
    /// Pages per request.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    limit: Option<u32>,
    /// Only Pages that are (true) or are not (false) places (`is_place`).
    #[arg(long, value_name = "BOOL")]
    is_place: Option<bool>,
    /// Only Pages that can (true) or cannot (false) be promoted (`is_promotable`).
    #[arg(long, value_name = "BOOL")]
    is_promotable: Option<bool>,
    /// Start after this cursor.
    #[arg(long, value_name = "CURSOR")]
    after: Option<String>,
}

/// `localgram pages create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The Page's name.
    #[arg(long)]
    name: String,
    /// The category id.
    #[arg(long, value_name = "ID")]
    category: Option<i64>,
    /// The category's API enum (`MEDIA`, `COMMUNITY_SERVICES`, …).
    #[arg(long, value_name = "ENUM")]
    category_enum: Option<String>,
    /// Category ids, comma-separated.
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    category_list: Vec<String>,
    /// About.
    #[arg(long)]
    about: Option<String>,
    /// Street address.
    #[arg(long)]
    address: Option<String>,
    /// The city id (instead of --city/--country).
    #[arg(long, value_name = "ID", conflicts_with_all = ["city", "country", "state"])]
    city_id: Option<String>,
    /// The city (with --country).
    #[arg(long, requires = "country")]
    city: Option<String>,
    /// The state (US).
    #[arg(long, requires = "city")]
    state: Option<String>,
    /// The country (with --city).
    #[arg(long, requires = "city")]
    country: Option<String>,
    /// Latitude (with --longitude).
    #[arg(long, requires = "longitude", allow_negative_numbers = true)]
    latitude: Option<f64>,
    /// Longitude (with --latitude).
    #[arg(long, requires = "latitude", allow_negative_numbers = true)]
    longitude: Option<f64>,
    /// Ignore warnings about the coordinates.
    #[arg(long)]
    ignore_coordinate_warnings: bool,
    /// The cover photo's URL.
    #[arg(long, value_name = "URL")]
    cover_photo: Option<String>,
    /// The profile picture's URL.
    #[arg(long, value_name = "URL")]
    picture: Option<String>,
    /// Long description.
    #[arg(long)]
    description: Option<String>,
    /// Phone.
    #[arg(long)]
    phone: Option<String>,
    /// Website.
    #[arg(long, value_name = "URL")]
    website: Option<String>,
    /// Postal code.
    #[arg(long)]
    zip: Option<String>,
    /// Create it for this user id instead of `me`.
    #[arg(long, value_name = "USER_ID")]
    for_user: Option<String>,
}

/// Runs `localgram pages …`.
pub async fn run(g: &Globals, command: PagesCommand) -> Result<(), CliError> {
    match command {
        PagesCommand::List(args) => list(g, args).await,
        PagesCommand::Create(args) => create(g, *args).await,
    }
}

async fn list(g: &Globals, args: ListArgs) -> Result<(), CliError> {
    let mut s = Session::open(g, Need::Facebook)?;
    let fields = args
        .fields
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty());
    let mut request = s
        .client
        .accounts()
        .raw_fields(fields.unwrap_or("id,name,category,tasks"));
    if let Some(limit) = args.limit {
        request = request.limit(limit);
    }
    if let Some(v) = args.is_place {
        request = request.is_place(v);
    }
    if let Some(v) = args.is_promotable {
        request = request.is_promotable(v);
    }
    if let Some(cursor) = args
        .after
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        request = request.after(cursor);
    }
    let mut list = List::new(&s.out, || {
        fields.map_or_else(
            || Table::new(&["id", "name", "category", "tasks"]),
            Table::for_fields,
        )
    });
    let first = request.with_total_count().send().await?;
    let total = first.summary.as_ref().and_then(|s| s.total_count);
    let mut progress = Progress::new(&s.out, "pages");
    progress.set_total(total);
    let mut stream = first.into_stream();
    while let Some(page) = stream.next().await {
        list.item(&mut s.out, &page?)?;
        progress.tick(&mut s.out)?;
    }
    progress.finish();
    list.end(&mut s.out)?;
    // summary.total_count: every Page the filters match, however many were listed.
    if let Some(total) = total {
        if s.out.json() {
            s.out
                .json_line(&serde_json::json!({"summary": {"total_count": total}}))?;
        } else {
            s.out.line(&format!("total_count: {total}"))?;
        }
    }
    s.out.flush()
}

async fn create(g: &Globals, a: CreateArgs) -> Result<(), CliError> {
    let mut s = Session::open(g, Need::Facebook)?;
    let mut request = s.client.create_page(a.name.trim());
    if let Some(v) = a.category {
        request = request.category(v);
    }
    if let Some(v) = a.category_enum {
        request = request.category_enum(v);
    }
    if !a.category_list.is_empty() {
        request = request.category_list(a.category_list);
    }
    if let Some(v) = a.about {
        request = request.about(v);
    }
    if let Some(v) = a.address {
        request = request.address(v);
    }
    if let Some(v) = a.city_id {
        request = request.city_id(v);
    }
    if let (Some(city), Some(country)) = (a.city, a.country) {
        let mut location = PageLocation::place(city, country);
        if let Some(state) = a.state {
            location = location.state(state);
        }
        request = request.location(location);
    }
    if let (Some(lat), Some(lon)) = (a.latitude, a.longitude) {
        request = request.coordinates(Coordinates::new(lat, lon));
    }
    if a.ignore_coordinate_warnings {
        request = request.ignore_coordinate_warnings(true);
    }
    if let Some(v) = a.cover_photo {
        request = request.cover_photo(CoverPhoto::new(v));
    }
    if let Some(v) = a.picture {
        request = request.picture(v);
    }
    if let Some(v) = a.description {
        request = request.description(v);
    }
    if let Some(v) = a.phone {
        request = request.phone(v);
    }
    if let Some(v) = a.website {
        request = request.website(v);
    }
    if let Some(v) = a.zip {
        request = request.zip(v);
    }
    if let Some(v) = a.for_user {
        request = request.for_user(v);
    }
    let created = request.send().await?;
    s.out.object(&created)?;
    s.out.flush()
}
