//! The Instagram side, as the emulated account: signing in with the OAuth window's login page,
//! the profile with its media grid (thumbnails served from `/cdn`), and "Apps and Websites"
//! (tester invitations to accept or decline; authorized apps, whose removal revokes their
//! tokens). The session is the OAuth window's: signing in here signs in there too.

use super::apps::Done;
use super::{field, internal, issue_csrf, notice, refusal, see_other};
use crate::error::Result;
use crate::i18n::Lang;
use crate::pages::{self, LoginPage};
use crate::routes::browser::{BrowserSession, CheckedForm, PageLang};
use crate::session::{self, Session};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::SignedCookieJar;
use localgram_core::model::{IgUser, TesterStatus};
use localgram_core::oauth::LoginError;

/// How many media the profile grid shows.
const GRID: i64 = 30;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/instagram", get(get_profile))
        .route("/instagram/login", post(post_login))
        .route("/instagram/logout", post(post_logout))
        .route("/instagram/apps", get(get_apps))
        .route(
            "/instagram/invitations/{app_id}/{answer}",
            post(post_answer),
        )
        .route("/instagram/apps/{app_id}/remove", post(post_remove))
        .route("/instagram/comments", post(post_comment))
}

/// The signed-in account of this browser, if any.
pub(super) async fn signed_in(state: &AppState, session: &Session) -> Result<Option<IgUser>> {
    match &session.ig_user_id {
        Some(id) => state
            .platform
            .find_instagram_user(id)
            .await
            .map_err(internal),
        None => Ok(None),
    }
}

/// The OAuth window's login page, posting to `action`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn login_page(
    l: Lang,
    state: &AppState,
    session: &Session,
    action: &str,
    app_name: &str,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response> {
    let csrf = issue_csrf(state, session).await?;
    Ok(pages::render(
        status,
        &LoginPage {
            l,
            action,
            q: "",
            csrf: &csrf,
            app_name,
            username,
            error,
            enable_fb_login: false,
        },
    ))
}

/// One tile of the grid.
struct Tile {
    id: String,
    src: String,
    kind: &'static str,
    caption: String,
}

#[derive(Template)]
#[template(path = "dash/ig_profile.html")]
struct ProfilePage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
    user: &'a IgUser,
    media_count: i64,
    tiles: Vec<Tile>,
    others: Vec<OtherMedia>,
    comment_media: &'a str,
    comment_text: &'a str,
}

/// A post of another account, offered to comment on.
struct OtherMedia {
    id: String,
    label: String,
}

/// How many other accounts' posts the comment form offers.
const OTHERS: usize = 50;

async fn get_profile(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Query(q): Query<Done>,
) -> Result<Response> {
    let Some(user) = signed_in(&state, &session).await? else {
        let page = login_page(
            l,
            &state,
            &session,
            "/instagram/login",
            "Instagram",
            "",
            None,
            StatusCode::OK,
        )
        .await?;
        return Ok((jar, page).into_response());
    };
    let page = profile_page(
        &state,
        l,
        &session,
        &user,
        StatusCode::OK,
        notice(l, q.done.as_deref()),
        None,
        "",
        "",
    )
    .await?;
    Ok((jar, page).into_response())
}

/// The profile of the signed-in account, with the comment form.
#[allow(clippy::too_many_arguments)]
async fn profile_page(
    state: &AppState,
    l: Lang,
    session: &Session,
    user: &IgUser,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
    comment_media: &str,
    comment_text: &str,
) -> Result<Response> {
    let media = state
        .platform
        .newest_media(&user.id, GRID)
        .await
        .map_err(internal)?;
    let tiles = media
        .into_iter()
        .map(|m| {
            use localgram_core::model::MediaType;
            let (src, kind) = match m.media_type {
                MediaType::Video => (format!("/cdn/thumb/{}.jpg", m.id), "media.video"),
                MediaType::CarouselAlbum => (format!("/cdn/media/{}.jpg", m.id), "media.album"),
                MediaType::Image => (format!("/cdn/media/{}.jpg", m.id), "media.image"),
            };
            Tile {
                id: m.id,
                src,
                kind,
                caption: m.caption.unwrap_or_default(),
            }
        })
        .collect();
    let media_count = state
        .platform
        .count_media(&user.id)
        .await
        .map_err(internal)?;
    let csrf = issue_csrf(state, session).await?;
    let mut others = Vec::new();
    for other in state.platform.list_ig_users().await.map_err(internal)? {
        if other.id == user.id || others.len() >= OTHERS {
            continue;
        }
        let media = state
            .platform
            .newest_media(&other.id, 5)
            .await
            .map_err(internal)?;
        others.extend(media.into_iter().map(|m| OtherMedia {
            label: match &m.caption {
                Some(c) => format!(
                    "{}: {}",
                    other.username,
                    c.chars().take(40).collect::<String>()
                ),
                None => format!("{}: {}", other.username, m.media_type),
            },
            id: m.id,
        }));
    }
    others.truncate(OTHERS);
    Ok(pages::render(
        status,
        &ProfilePage {
            l,
            back: "/instagram",
            notice,
            error,
            csrf: &csrf,
            user,
            media_count,
            tiles,
            others,
            comment_media,
            comment_text,
        },
    ))
}

/// `POST /instagram/comments`: the signed-in account comments on another account's post
/// (through the core's comment use case; `comments_count` and `GET /{media-id}/comments` show
/// it).
async fn post_comment(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let Some(user) = signed_in(&state, &session).await? else {
        return Ok(see_other("/instagram"));
    };
    let (media, text) = (field(&form, "media"), field(&form, "message"));
    match state.platform.comment_as(&user, media, text).await {
        Ok(_) => Ok(see_other("/instagram?done=commented#comment")),
        Err(e) => {
            let key = super::people::people_refusal(e)?;
            profile_page(
                &state,
                l,
                &session,
                &user,
                StatusCode::BAD_REQUEST,
                None,
                Some(l.t(key)),
                media,
                text,
            )
            .await
        }
    }
}

async fn post_login(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    jar: SignedCookieJar,
    CheckedForm(form, mut session): CheckedForm,
) -> Result<Response> {
    let username = field(&form, "username").to_owned();
    let password = field(&form, "password");
    match state.platform.login_instagram(&username, password).await {
        Ok(user) => {
            session.ig_user_id = Some(user.id);
            session.login_at = Some(state.platform.clock.now());
            let jar = session::store(jar, &state, &session);
            Ok((jar, see_other("/instagram")).into_response())
        }
        Err(LoginError::BadCredentials) => {
            let msg = l.t("login.bad_credentials");
            login_page(
                l,
                &state,
                &session,
                "/instagram/login",
                "Instagram",
                &username,
                Some(msg),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
        Err(LoginError::TooManyAttempts { until }) => {
            let msg = l.t("login.too_many_attempts");
            let res = login_page(
                l,
                &state,
                &session,
                "/instagram/login",
                "Instagram",
                &username,
                Some(msg),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await?;
            Ok(crate::routes::browser::with_retry_after(
                res,
                until - state.platform.clock.now(),
            ))
        }
        Err(LoginError::Store(e)) => Err(internal(e)),
    }
}

async fn post_logout(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    CheckedForm(_, mut session): CheckedForm,
) -> Result<Response> {
    session.ig_user_id = None;
    session.login_at = None;
    let jar = session::store(jar, &state, &session);
    Ok((jar, see_other("/instagram")).into_response())
}

/// An invitation on "Apps and Websites".
struct InvitationRow {
    app_id: String,
    app_name: String,
    status: &'static str,
    pending: bool,
}

/// An authorized app on "Apps and Websites".
struct AuthorizedRow {
    app_id: String,
    app_name: String,
    scopes: String,
    live_tokens: i64,
}

#[derive(Template)]
#[template(path = "dash/ig_apps.html")]
struct AppsAndWebsitesPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
    user: &'a IgUser,
    invitations: Vec<InvitationRow>,
    authorized: Vec<AuthorizedRow>,
}

async fn apps_page(
    state: &AppState,
    l: Lang,
    session: &Session,
    user: &IgUser,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
) -> Result<Response> {
    let p = &state.platform;
    let invitations = p
        .invitations_of(&user.id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(t, app)| InvitationRow {
            app_id: app.id,
            app_name: app.name,
            status: match t.status {
                TesterStatus::Invited => "tester.pending",
                TesterStatus::Accepted => "tester.accepted",
                TesterStatus::Declined => "tester.declined",
            },
            pending: t.status == TesterStatus::Invited,
        })
        .collect();
    let authorized = p
        .authorized_apps(&user.id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|a| AuthorizedRow {
            app_id: a.app_id,
            app_name: a.app_name,
            scopes: a.scopes.join(", "),
            live_tokens: a.live_tokens,
        })
        .collect();
    let csrf = issue_csrf(state, session).await?;
    Ok(pages::render(
        status,
        &AppsAndWebsitesPage {
            l,
            back: "/instagram/apps",
            notice,
            error,
            csrf: &csrf,
            user,
            invitations,
            authorized,
        },
    ))
}

async fn get_apps(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Query(q): Query<Done>,
) -> Result<Response> {
    let Some(user) = signed_in(&state, &session).await? else {
        return Ok((jar, see_other("/instagram")).into_response());
    };
    let page = apps_page(
        &state,
        l,
        &session,
        &user,
        StatusCode::OK,
        notice(l, q.done.as_deref()),
        None,
    )
    .await?;
    Ok((jar, page).into_response())
}

async fn post_answer(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    Path((app_id, answer)): Path<(String, String)>,
    CheckedForm(_, session): CheckedForm,
) -> Result<Response> {
    let Some(user) = signed_in(&state, &session).await? else {
        return Ok(see_other("/instagram"));
    };
    let accept = match answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            return Ok(super::message_page(
                StatusCode::NOT_FOUND,
                l,
                "/instagram/apps",
                l.t("err.no_pending_invitation"),
            ));
        }
    };
    match state
        .platform
        .answer_invitation(&app_id, &user.id, accept)
        .await
    {
        Ok(()) => Ok(see_other(if accept {
            "/instagram/apps?done=invitation_accepted"
        } else {
            "/instagram/apps?done=invitation_declined"
        })),
        Err(e) => {
            let key = refusal(e)?;
            apps_page(
                &state,
                l,
                &session,
                &user,
                StatusCode::BAD_REQUEST,
                None,
                Some(l.t(key)),
            )
            .await
        }
    }
}

async fn post_remove(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    CheckedForm(_, session): CheckedForm,
) -> Result<Response> {
    let Some(user) = signed_in(&state, &session).await? else {
        return Ok(see_other("/instagram"));
    };
    // The removal and then the app's callbacks run on a task of their own: a dropped request
    // cannot leave the tokens revoked without the callbacks (docs/dashboard.md#removal-callbacks).
    let task_state = state.clone();
    let removed = tokio::spawn(async move {
        let revoked = task_state
            .platform
            .remove_authorized_app(&user.id, &app_id)
            .await?;
        if revoked > 0 {
            match task_state
                .platform
                .removal_callbacks(&app_id, &user.id)
                .await
            {
                Ok(callbacks) => {
                    crate::outgoing::send(&task_state, callbacks);
                }
                Err(e) => tracing::warn!(error = %e, app = %app_id, "cannot prepare the callbacks"),
            }
        }
        Ok::<_, localgram_core::dashboard::DashboardError>(revoked)
    });
    removed.await.map_err(internal)?.map_err(internal)?;
    Ok(see_other("/instagram/apps?done=app_removed"))
}
