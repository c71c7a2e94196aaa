//! People and Pages (`/people`): making an Instagram account (personal or professional), a
//! Facebook user, a Page linked to a professional Instagram account, and generated media on an
//! account, without a world file. The validation is the core's ([`localgram_core::people`]);
//! these handlers read the forms, call one use case and answer 303, or 400 with the message and
//! what was typed (never a password).

use super::{field, internal, issue_csrf, notice, see_other};
use crate::error::{ApiError, Result};
use crate::i18n::Lang;
use crate::pages;
use crate::routes::browser::{BrowserSession, CheckedForm, PageLang};
use crate::session::Session;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use localgram_core::people::{
    ACCOUNT_TYPES, NewFacebookUser, NewInstagramAccount, NewPage, PeopleError,
};
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/people", get(get_people))
        .route("/people/instagram", post(post_instagram))
        .route("/people/facebook", post(post_facebook))
        .route("/people/pages", post(post_page))
        .route("/people/media", post(post_media))
}

/// What a refusal becomes: the message key, or an internal error.
pub(super) fn people_refusal(e: PeopleError) -> Result<&'static str> {
    match e.key() {
        Some(k) => Ok(k),
        None => Err(ApiError::PageInternal(anyhow::Error::new(e))),
    }
}

/// What was typed in the form that failed (passwords are never sent back).
#[derive(Default)]
struct Typed {
    form: &'static str,
    username: String,
    account_type: String,
    ig_name: String,
    fb_name: String,
    email: String,
    page_name: String,
    owner: String,
    instagram: String,
    media_owner: String,
    media_type: String,
    caption: String,
}

/// One Instagram account of the list.
struct AccountRow {
    id: String,
    username: String,
    account_type: String,
    professional: bool,
}

#[derive(Template)]
#[template(path = "dash/people.html")]
struct PeoplePage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
    made: Option<&'a str>,
    accounts: Vec<AccountRow>,
    account_types: Vec<&'static str>,
    typed: &'a Typed,
}

#[derive(Deserialize)]
struct PeopleQuery {
    done: Option<String>,
    id: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn people_page(
    state: &AppState,
    l: Lang,
    session: &Session,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
    made: Option<&str>,
    typed: &Typed,
) -> Result<Response> {
    let accounts = state
        .platform
        .list_ig_users()
        .await
        .map_err(internal)?
        .into_iter()
        .map(|u| AccountRow {
            professional: ACCOUNT_TYPES
                .iter()
                .any(|(t, pro)| *pro && *t == u.account_type),
            id: u.id,
            username: u.username,
            account_type: u.account_type,
        })
        .collect();
    let csrf = issue_csrf(state, session).await?;
    Ok(pages::render(
        status,
        &PeoplePage {
            l,
            back: "/people",
            notice,
            error,
            csrf: &csrf,
            made,
            accounts,
            account_types: ACCOUNT_TYPES.iter().map(|(t, _)| *t).collect(),
            typed,
        },
    ))
}

async fn get_people(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Query(q): Query<PeopleQuery>,
) -> Result<Response> {
    let made = q
        .id
        .as_deref()
        .filter(|id| !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit()));
    let page = people_page(
        &state,
        l,
        &session,
        StatusCode::OK,
        notice(l, q.done.as_deref()),
        None,
        made,
        &Typed::default(),
    )
    .await?;
    Ok((jar, page).into_response())
}

/// The answer to a form: 303 to the list with the new object's id, or the page with the message.
async fn answer(
    state: &AppState,
    l: Lang,
    session: &Session,
    result: std::result::Result<String, PeopleError>,
    done: &str,
    typed: Typed,
) -> Result<Response> {
    match result {
        Ok(id) => Ok(see_other(&format!("/people?done={done}&id={id}#made"))),
        Err(e) => {
            let key = people_refusal(e)?;
            people_page(
                state,
                l,
                session,
                StatusCode::BAD_REQUEST,
                None,
                Some(l.t(key)),
                None,
                &typed,
            )
            .await
        }
    }
}

async fn post_instagram(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let input = NewInstagramAccount {
        username: field(&form, "username").to_owned(),
        password: field(&form, "password").to_owned(),
        account_type: field(&form, "account_type").to_owned(),
        name: field(&form, "name").to_owned(),
    };
    let result = state
        .platform
        .create_instagram_account(&input)
        .await
        .map(|u| u.id);
    let typed = Typed {
        form: "instagram",
        username: input.username,
        account_type: input.account_type,
        ig_name: input.name,
        ..Typed::default()
    };
    answer(&state, l, &session, result, "person_created", typed).await
}

async fn post_facebook(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let input = NewFacebookUser {
        name: field(&form, "name").to_owned(),
        email: field(&form, "email").to_owned(),
        password: field(&form, "password").to_owned(),
    };
    let result = state
        .platform
        .create_facebook_user(&input)
        .await
        .map(|u| u.id);
    let typed = Typed {
        form: "facebook",
        fb_name: input.name,
        email: input.email,
        ..Typed::default()
    };
    answer(&state, l, &session, result, "person_created", typed).await
}

async fn post_page(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let input = NewPage {
        name: field(&form, "name").to_owned(),
        owner: field(&form, "owner").to_owned(),
        instagram: field(&form, "instagram").to_owned(),
    };
    let result = state
        .platform
        .create_dashboard_page(&input)
        .await
        .map(|p| p.id);
    let typed = Typed {
        form: "page",
        page_name: input.name,
        owner: input.owner,
        instagram: input.instagram,
        ..Typed::default()
    };
    answer(&state, l, &session, result, "page_created", typed).await
}

async fn post_media(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let (owner, kind, caption) = (
        field(&form, "owner"),
        field(&form, "media_type"),
        field(&form, "caption"),
    );
    let result = state
        .platform
        .add_generated_media(owner, kind, caption)
        .await
        .map(|m| m.id);
    let typed = Typed {
        form: "media",
        media_owner: owner.to_owned(),
        media_type: kind.to_owned(),
        caption: caption.to_owned(),
        ..Typed::default()
    };
    answer(&state, l, &session, result, "media_added", typed).await
}
