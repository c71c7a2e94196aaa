//! Request builders. Each is owned, `#[must_use]`, and ends in `.send()`.
//!
//! | Client method | Call | Answer |
//! | --- | --- | --- |
//! | [`Client::me`] | `GET graph.instagram.com/{v}/me` | [`User`] |
//! | [`Client::user`] | `GET graph.instagram.com/{v}/{user-id}` | [`User`] |
//! | [`Client::media`] | `GET graph.instagram.com/{v}/me/media` | [`Page<Media>`] |
//! | [`Client::user_media`] | `GET graph.instagram.com/{v}/{user-id}/media` | [`Page<Media>`] |
//! | [`Client::media_details`] | `GET graph.instagram.com/{v}/{media-id}` | [`Media`] |
//! | [`Client::children`] | `GET graph.instagram.com/{v}/{media-id}/children` | [`Page<Media>`] |
//! | [`Client::accounts`] | `GET graph.facebook.com/{v}/me/accounts` | [`Page<Account>`] |
//! | [`Client::page`] | `GET graph.facebook.com/{v}/{page-id}` | [`PageNode`] |
//! | [`Client::create_page`] | `POST graph.facebook.com/{v}/me/accounts` | [`CreatedPage`] |
//! | [`Client::debug_token`] | `GET graph.facebook.com/{v}/debug_token` | [`DebugToken`] |
//! | [`Client::node`], [`Client::edge`] | any node or edge | any `T` |
//!
//! Reads are retried per the client's [`RetryPolicy`](crate::RetryPolicy); `create_page` never is.

use std::fmt;
use std::marker::PhantomData;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::client::{Call, Client, Host, Response};
use crate::error::{ClientError, Result};
use crate::fields::{Field, MediaField, PageField, UserField, render};
use crate::models::{Account, CreatedPage, DebugToken, Media, PageNode, User};
use crate::page::{Page, PageStream, RawPage};
use crate::secret::AccessToken;

/// A read of one node (`GET /{id}?fields=…`).
#[must_use = "a request does nothing until `.send()` is called"]
pub struct NodeRequest<T, F = String> {
    call: Call,
    fields: Option<String>,
    _marker: PhantomData<fn() -> (T, F)>,
}

impl<T, F> fmt::Debug for NodeRequest<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeRequest")
            .field("call", &self.call)
            .field("fields", &self.fields)
            .finish()
    }
}

impl<T, F> NodeRequest<T, F>
where
    T: DeserializeOwned,
    F: Field,
{
    pub(crate) fn new(call: Call, fields: Option<String>) -> Self {
        Self {
            call,
            fields,
            _marker: PhantomData,
        }
    }

    /// The fields to return (replaces the default selection). An empty list sends no
    /// `fields`, so the server's defaults apply.
    pub fn fields<I, G>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = G>,
        G: Into<F>,
    {
        let s = render(fields.into_iter().map(Into::into));
        self.fields = (!s.is_empty()).then_some(s);
        self
    }

    /// The `fields` parameter as written (`id,children{media_url}`): the escape hatch for
    /// anything the typed fields do not cover.
    pub fn raw_fields(mut self, fields: impl Into<String>) -> Self {
        self.fields = Some(fields.into());
        self
    }

    /// Adds any other query parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.call.query.push((name.into(), value.into()));
        self
    }

    /// Uses this token instead of the client's.
    pub fn access_token(mut self, token: AccessToken) -> Self {
        self.call.token = Some(token);
        self
    }

    /// Sends the call to another Graph host (e.g. an Instagram media id through
    /// graph.facebook.com with a Facebook Login token).
    pub fn host(mut self, host: Host) -> Self {
        self.call.set_host(host);
        self
    }

    fn into_call(mut self) -> Call {
        if let Some(fields) = self.fields.take() {
            self.call.push_query("fields", fields);
        }
        self.call
    }

    /// Sends the request.
    pub async fn send(self) -> Result<T> {
        Ok(self.send_with_meta().await?.value)
    }

    /// Sends the request and keeps the status and headers (usage headers included).
    pub async fn send_with_meta(self) -> Result<Response<T>> {
        self.into_call().send_json().await
    }
}

/// A read of an edge (`GET /{id}/{edge}?fields=…&limit=…`), answered one [`Page`] at a time or
/// as a [`PageStream`] of every item.
#[must_use = "a request does nothing until `.send()` or `.stream()` is called"]
pub struct EdgeRequest<T, F = String> {
    call: Call,
    fields: Option<String>,
    _marker: PhantomData<fn() -> (T, F)>,
}

impl<T, F> fmt::Debug for EdgeRequest<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EdgeRequest")
            .field("call", &self.call)
            .field("fields", &self.fields)
            .finish()
    }
}

impl<T, F> EdgeRequest<T, F>
where
    T: DeserializeOwned + Send + 'static,
    F: Field,
{
    pub(crate) fn new(call: Call, fields: Option<String>) -> Self {
        Self {
            call,
            fields,
            _marker: PhantomData,
        }
    }

    /// The fields of each item (replaces the default selection). An empty list sends no
    /// `fields`, so the server's defaults apply.
    pub fn fields<I, G>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = G>,
        G: Into<F>,
    {
        let s = render(fields.into_iter().map(Into::into));
        self.fields = (!s.is_empty()).then_some(s);
        self
    }

    /// The `fields` parameter as written: the escape hatch.
    pub fn raw_fields(mut self, fields: impl Into<String>) -> Self {
        self.fields = Some(fields.into());
        self
    }

    /// The page size (`limit`; Localgram and Meta cap it at 100 on the media and accounts edges).
    pub fn limit(mut self, limit: u32) -> Self {
        self.call.push_query("limit", limit.to_string());
        self
    }

    /// Starts after this cursor.
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.call.push_query("after", cursor);
        self
    }

    /// Starts before this cursor.
    pub fn before(mut self, cursor: impl Into<String>) -> Self {
        self.call.push_query("before", cursor);
        self
    }

    /// Adds any other query parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.call.query.push((name.into(), value.into()));
        self
    }

    /// Uses this token instead of the client's (also for the following pages).
    pub fn access_token(mut self, token: AccessToken) -> Self {
        self.call.token = Some(token);
        self
    }

    /// Sends the call to another Graph host.
    pub fn host(mut self, host: Host) -> Self {
        self.call.set_host(host);
        self
    }

    fn into_call(mut self) -> Call {
        if let Some(fields) = self.fields.take() {
            self.call.push_query("fields", fields);
        }
        self.call
    }

    /// Fetches the first page.
    pub async fn send(self) -> Result<Page<T>> {
        let call = self.into_call();
        let response = call.send_json::<RawPage<T>>().await?;
        Ok(Page::from_response(response, call.client, call.token))
    }

    /// Every item of every page, as a lazy stream (nothing is sent until it is polled).
    pub fn stream(self) -> PageStream<T> {
        PageStream::from_call(self.into_call())
    }
}

impl<F: Field> EdgeRequest<Media, F> {
    /// Time-based paging: items published at or after this time (Unix time or a `strtotime`
    /// string).
    pub fn since(mut self, time: impl Into<String>) -> Self {
        self.call.push_query("since", time);
        self
    }

    /// Time-based paging: items published before this time.
    pub fn until(mut self, time: impl Into<String>) -> Self {
        self.call.push_query("until", time);
        self
    }
}

impl<F: Field> EdgeRequest<Account, F> {
    /// Only Pages that are (or are not) places.
    pub fn is_place(mut self, is_place: bool) -> Self {
        self.call.push_query("is_place", is_place.to_string());
        self
    }

    /// Only Pages that can (or cannot) be promoted.
    pub fn is_promotable(mut self, is_promotable: bool) -> Self {
        self.call
            .push_query("is_promotable", is_promotable.to_string());
        self
    }

    /// Asks for `summary.total_count`.
    pub fn with_total_count(mut self) -> Self {
        self.call.push_query("summary", "total_count");
        self
    }
}

/// `GET /me` or `GET /{user-id}` on graph.instagram.com.
pub type UserRequest = NodeRequest<User, UserField>;
/// `GET /{media-id}` on graph.instagram.com.
pub type MediaDetailsRequest = NodeRequest<Media, MediaField>;
/// `GET /me/media`, `GET /{user-id}/media` or `GET /{media-id}/children` on graph.instagram.com.
pub type MediaListRequest = EdgeRequest<Media, MediaField>;
/// `GET /me/accounts` on graph.facebook.com.
pub type AccountsRequest = EdgeRequest<Account, PageField>;
/// `GET /{page-id}` on graph.facebook.com.
pub type PageRequest = NodeRequest<PageNode, PageField>;

/// `cover_photo` of [`CreatePageRequest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CoverPhoto {
    /// The image URL (required).
    pub url: String,
    /// Horizontal offset, percent (Meta's default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset_x: Option<i32>,
    /// Vertical offset, percent (Meta's default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset_y: Option<i32>,
    /// Horizontal focus point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_x: Option<f64>,
    /// Vertical focus point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_y: Option<f64>,
    /// Horizontal zoom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zoom_scale_x: Option<f64>,
    /// Vertical zoom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zoom_scale_y: Option<f64>,
    /// Do not publish a feed story about the change (default `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_feed_story: Option<bool>,
    /// Do not notify followers (default `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_notification: Option<bool>,
}

impl CoverPhoto {
    /// A cover photo from an image URL, everything else at Meta's defaults.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            offset_x: None,
            offset_y: None,
            focus_x: None,
            focus_y: None,
            zoom_scale_x: None,
            zoom_scale_y: None,
            no_feed_story: None,
            no_notification: None,
        }
    }

    /// `offset_x` and `offset_y`.
    pub fn offset(mut self, x: i32, y: i32) -> Self {
        self.offset_x = Some(x);
        self.offset_y = Some(y);
        self
    }

    /// `focus_x` and `focus_y`.
    pub fn focus(mut self, x: f64, y: f64) -> Self {
        self.focus_x = Some(x);
        self.focus_y = Some(y);
        self
    }

    /// `zoom_scale_x` and `zoom_scale_y`.
    pub fn zoom_scale(mut self, x: f64, y: f64) -> Self {
        self.zoom_scale_x = Some(x);
        self.zoom_scale_y = Some(y);
        self
    }

    /// `no_feed_story`.
    pub fn no_feed_story(mut self, value: bool) -> Self {
        self.no_feed_story = Some(value);
        self
    }

    /// `no_notification`.
    pub fn no_notification(mut self, value: bool) -> Self {
        self.no_notification = Some(value);
        self
    }
}

/// `location` of [`CreatePageRequest`]: a city id, or city, (state) and country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PageLocation {
    /// The city id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city_id: Option<String>,
    /// The city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The state (optional outside the US).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl PageLocation {
    /// A location given by city id.
    pub fn city_id(city_id: impl Into<String>) -> Self {
        Self {
            city_id: Some(city_id.into()),
            city: None,
            state: None,
            country: None,
        }
    }

    /// A location given by city and country; add [`state`](Self::state) in the US.
    pub fn place(city: impl Into<String>, country: impl Into<String>) -> Self {
        Self {
            city_id: None,
            city: Some(city.into()),
            state: None,
            country: Some(country.into()),
        }
    }

    /// The state.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }
}

/// `coordinates` of [`CreatePageRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Coordinates {
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
}

impl Coordinates {
    /// A point.
    pub fn new(latitude: f64, longitude: f64) -> Self {
        Self {
            latitude,
            longitude,
        }
    }
}

/// `POST /{user-id}/accounts`: creates a Page (test users, or allowlisted apps). Never retried
/// automatically: a lost answer does not mean the Page was not created.
///
/// At least one of `city_id`, `location` and `coordinates` is required, and `city_id` and
/// `location` exclude each other; both rules are checked before anything is sent.
#[must_use = "a request does nothing until `.send()` is called"]
#[derive(Debug)]
pub struct CreatePageRequest {
    call: Call,
    name: String,
    about: Option<String>,
    address: Option<String>,
    category: Option<i64>,
    category_enum: Option<String>,
    category_list: Option<Vec<String>>,
    city_id: Option<String>,
    coordinates: Option<Coordinates>,
    cover_photo: Option<CoverPhoto>,
    description: Option<String>,
    ignore_coordinate_warnings: Option<bool>,
    location: Option<PageLocation>,
    phone: Option<String>,
    picture: Option<String>,
    website: Option<String>,
    zip: Option<String>,
}

impl CreatePageRequest {
    /// `about`: a short description.
    pub fn about(mut self, about: impl Into<String>) -> Self {
        self.about = Some(about.into());
        self
    }

    /// `address`.
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }

    /// `category`: the legacy numeric category.
    pub fn category(mut self, category: i64) -> Self {
        self.category = Some(category);
        self
    }

    /// `category_enum`: a Page category's `api_enum` (`MEDIA`, `COMMUNITY_SERVICES`, …).
    pub fn category_enum(mut self, category_enum: impl Into<String>) -> Self {
        self.category_enum = Some(category_enum.into());
        self
    }

    /// `category_list`: category ids.
    pub fn category_list<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.category_list = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// `city_id`.
    pub fn city_id(mut self, city_id: impl Into<String>) -> Self {
        self.city_id = Some(city_id.into());
        self
    }

    /// `coordinates`.
    pub fn coordinates(mut self, coordinates: Coordinates) -> Self {
        self.coordinates = Some(coordinates);
        self
    }

    /// `cover_photo`.
    pub fn cover_photo(mut self, cover_photo: CoverPhoto) -> Self {
        self.cover_photo = Some(cover_photo);
        self
    }

    /// `description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// `ignore_coordinate_warnings`.
    pub fn ignore_coordinate_warnings(mut self, ignore: bool) -> Self {
        self.ignore_coordinate_warnings = Some(ignore);
        self
    }

    /// `location`.
    pub fn location(mut self, location: PageLocation) -> Self {
        self.location = Some(location);
        self
    }

    /// `phone`.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    /// `picture`: the profile picture URL.
    pub fn picture(mut self, url: impl Into<String>) -> Self {
        self.picture = Some(url.into());
        self
    }

    /// `website`.
    pub fn website(mut self, url: impl Into<String>) -> Self {
        self.website = Some(url.into());
        self
    }

    /// `zip`.
    pub fn zip(mut self, zip: impl Into<String>) -> Self {
        self.zip = Some(zip.into());
        self
    }

    /// Creates the Page for this user instead of `me`.
    pub fn for_user(mut self, user_id: impl Into<String>) -> Self {
        if let crate::client::Target::Endpoint { segments, .. } = &mut self.call.target {
            segments[0] = user_id.into();
        }
        self
    }

    /// Uses this (user) token instead of the client's.
    pub fn access_token(mut self, token: AccessToken) -> Self {
        self.call.token = Some(token);
        self
    }

    fn form(&self) -> Result<Vec<(String, String)>> {
        if self.name.trim().is_empty() {
            return Err(ClientError::Input("a Page needs a name".into()));
        }
        if self.city_id.is_some() && self.location.is_some() {
            return Err(ClientError::Input(
                "`city_id` and `location` cannot be used together".into(),
            ));
        }
        if self.city_id.is_none() && self.location.is_none() && self.coordinates.is_none() {
            return Err(ClientError::Input(
                "one of `city_id`, `location` or `coordinates` is required".into(),
            ));
        }
        fn json<T: Serialize + ?Sized>(value: &T) -> String {
            serde_json::to_string(value).expect("form values serialise")
        }
        let mut form = vec![("name".to_owned(), self.name.clone())];
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                form.push((k.to_owned(), v));
            }
        };
        put("about", self.about.clone());
        put("address", self.address.clone());
        put("category", self.category.map(|c| c.to_string()));
        put("category_enum", self.category_enum.clone());
        put("category_list", self.category_list.as_ref().map(json));
        put("city_id", self.city_id.clone());
        put("coordinates", self.coordinates.as_ref().map(json));
        put("cover_photo", self.cover_photo.as_ref().map(json));
        put("description", self.description.clone());
        put(
            "ignore_coordinate_warnings",
            self.ignore_coordinate_warnings.map(|b| b.to_string()),
        );
        put("location", self.location.as_ref().map(json));
        put("phone", self.phone.clone());
        put("picture", self.picture.clone());
        put("website", self.website.clone());
        put("zip", self.zip.clone());
        Ok(form)
    }

    /// Sends the request (once: it is never retried automatically).
    pub async fn send(self) -> Result<CreatedPage> {
        Ok(self.send_with_meta().await?.value)
    }

    /// Sends the request and keeps the status and headers.
    pub async fn send_with_meta(mut self) -> Result<Response<CreatedPage>> {
        self.call.form = self.form()?;
        self.call.send_json().await
    }
}

/// `GET /debug_token`: what Meta knows about a token.
#[must_use = "a request does nothing until `.send()` is called"]
#[derive(Debug)]
pub struct DebugTokenRequest {
    call: Call,
}

#[derive(Deserialize)]
struct DebugTokenEnvelope {
    data: DebugToken,
}

impl DebugTokenRequest {
    /// Inspects with this token (a developer's user token of the same app) instead of the
    /// client's.
    pub fn access_token(mut self, token: AccessToken) -> Self {
        self.call.token = Some(token);
        self
    }

    /// Inspects with the app token `{app-id}|{app-secret}` from the client's configuration.
    pub fn with_app_token(mut self) -> Result<Self> {
        let app_id = self.call.client.require_app_id()?;
        let secret = self.call.client.require_app_secret()?;
        self.call.token = Some(AccessToken::new(format!("{app_id}|{}", secret.secret())));
        Ok(self)
    }

    /// Sends the request.
    pub async fn send(self) -> Result<DebugToken> {
        Ok(self.send_with_meta().await?.value)
    }

    /// Sends the request and keeps the status and headers.
    pub async fn send_with_meta(self) -> Result<Response<DebugToken>> {
        let response = self.call.send_json::<DebugTokenEnvelope>().await?;
        Ok(Response {
            value: response.value.data,
            status: response.status,
            usage: response.usage,
            headers: response.headers,
        })
    }
}

impl Client {
    fn segments(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| (*s).to_owned()).collect()
    }

    /// `GET /me` on graph.instagram.com, with the connector's default fields
    /// (`id,media_count,username,account_type`) until [`fields`](NodeRequest::fields) says
    /// otherwise.
    pub fn me(&self) -> UserRequest {
        self.user("me")
    }

    /// `GET /{user-id}` on graph.instagram.com.
    pub fn user(&self, user_id: impl Into<String>) -> UserRequest {
        let call = Call::graph_get(self, Host::GraphInstagram, vec![user_id.into()]);
        NodeRequest::new(call, Some(render(UserField::DEFAULT)))
    }

    /// `GET /me/media` on graph.instagram.com, with the connector's default fields
    /// (`caption,media_type,media_url,permalink,timestamp,username,thumbnail_url`).
    ///
    /// "All my media" is `client.media().stream()`.
    pub fn media(&self) -> MediaListRequest {
        self.user_media("me")
    }

    /// `GET /{user-id}/media` on graph.instagram.com.
    pub fn user_media(&self, user_id: impl Into<String>) -> MediaListRequest {
        let call = Call::graph_get(
            self,
            Host::GraphInstagram,
            vec![user_id.into(), "media".into()],
        );
        EdgeRequest::new(call, Some(render(MediaField::DEFAULT)))
    }

    /// `GET /{media-id}` on graph.instagram.com, with the connector's default media fields.
    pub fn media_details(&self, media_id: impl Into<String>) -> MediaDetailsRequest {
        let call = Call::graph_get(self, Host::GraphInstagram, vec![media_id.into()]);
        NodeRequest::new(call, Some(render(MediaField::DEFAULT)))
    }

    /// `GET /{media-id}/children` on graph.instagram.com (albums only), with the media fields
    /// that apply to children.
    pub fn children(&self, media_id: impl Into<String>) -> MediaListRequest {
        let call = Call::graph_get(
            self,
            Host::GraphInstagram,
            vec![media_id.into(), "children".into()],
        );
        let fields = [
            MediaField::Id,
            MediaField::MediaType,
            MediaField::MediaUrl,
            MediaField::Permalink,
            MediaField::ThumbnailUrl,
            MediaField::Timestamp,
            MediaField::Username,
        ];
        EdgeRequest::new(call, Some(render(fields)))
    }

    /// `GET /me/accounts` on graph.facebook.com: the Pages the user has a role on, with the
    /// server's default fields (`access_token,category,category_list,name,id,tasks`).
    pub fn accounts(&self) -> AccountsRequest {
        self.user_accounts("me")
    }

    /// `GET /{user-id}/accounts` on graph.facebook.com.
    pub fn user_accounts(&self, user_id: impl Into<String>) -> AccountsRequest {
        let call = Call::graph_get(
            self,
            Host::GraphFacebook,
            vec![user_id.into(), "accounts".into()],
        );
        EdgeRequest::new(call, None)
    }

    /// `GET /{page-id}` on graph.facebook.com, with the server's default fields.
    pub fn page(&self, page_id: impl Into<String>) -> PageRequest {
        let call = Call::graph_get(self, Host::GraphFacebook, vec![page_id.into()]);
        NodeRequest::new(call, None)
    }

    /// `POST /me/accounts` on graph.facebook.com: creates a Page named `name`.
    pub fn create_page(&self, name: impl Into<String>) -> CreatePageRequest {
        let mut call = Call::graph_get(
            self,
            Host::GraphFacebook,
            Self::segments(&["me", "accounts"]),
        );
        call.method = Method::POST;
        call.retry = false;
        CreatePageRequest {
            call,
            name: name.into(),
            about: None,
            address: None,
            category: None,
            category_enum: None,
            category_list: None,
            city_id: None,
            coordinates: None,
            cover_photo: None,
            description: None,
            ignore_coordinate_warnings: None,
            location: None,
            phone: None,
            picture: None,
            website: None,
            zip: None,
        }
    }

    /// `GET /debug_token?input_token=…` on graph.facebook.com, inspected with the client's
    /// token unless [`with_app_token`](DebugTokenRequest::with_app_token) or
    /// [`access_token`](DebugTokenRequest::access_token) says otherwise.
    pub fn debug_token(&self, input_token: &AccessToken) -> DebugTokenRequest {
        let mut call = Call::graph_get(self, Host::GraphFacebook, Self::segments(&["debug_token"]));
        call.push_query("input_token", input_token.secret());
        DebugTokenRequest { call }
    }

    /// Any node, decoded as `T` (`serde_json::Value` for raw JSON).
    pub fn node<T: DeserializeOwned>(&self, host: Host, id: impl Into<String>) -> NodeRequest<T> {
        NodeRequest::new(Call::graph_get(self, host, vec![id.into()]), None)
    }

    /// Any edge of any node, items decoded as `T`.
    pub fn edge<T: DeserializeOwned + Send + 'static>(
        &self,
        host: Host,
        id: impl Into<String>,
        edge: impl Into<String>,
    ) -> EdgeRequest<T> {
        EdgeRequest::new(
            Call::graph_get(self, host, vec![id.into(), edge.into()]),
            None,
        )
    }
}
