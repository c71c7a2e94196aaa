//! `localgram me`: the profile of the token's user (`GET /me`, on graph.instagram.com, or on
//! graph.facebook.com for a Facebook token).

use clap::Args;
use localgram_client::Host;
use localgram_client::fields::UserField;

use super::error::CliError;
use super::{ApiOptions, Globals, Need, Session};

/// `localgram me`.
#[derive(Debug, Args)]
pub struct MeArgs {
    /// The connector's options.
    #[command(flatten)]
    pub api: ApiOptions,
    /// The fields, comma-separated [default: id,media_count,username,account_type; id,name for a
    /// Facebook token].
    #[arg(long)]
    fields: Option<String>,
}

/// Runs `localgram me`.
pub async fn run(g: &Globals, args: MeArgs) -> Result<(), CliError> {
    let mut s = Session::open(g, Need::Any)?;
    let request = if s.credentials.kind.is_facebook() {
        s.client
            .me()
            .host(Host::GraphFacebook)
            .fields([UserField::Id, UserField::Name])
    } else {
        s.client.me()
    };
    let request = match args.fields.as_deref().map(str::trim) {
        Some(fields) if !fields.is_empty() => request.raw_fields(fields),
        _ => request,
    };
    let me = request.send().await?;
    s.out.object(&me)?;
    s.out.flush()
}
