//! Pages on graph.facebook.com (`docs/graph-api.md#accounts-edge`,
//! `docs/graph-api.md#page-creation`, `docs/graph-api.md#page-node`): the User Accounts edge
//! (`GET /{user-id}/accounts`: grants, business reach, filters, cursor paging, `total_count`, Page
//! tokens), Page creation (`POST /{user-id}/accounts`, every validation rule before any write), and
//! the Page node.

use crate::categories;
use crate::cursor::Position;
use crate::error::{GraphError, GraphHost};
use crate::model::{City, FbUser, Page, PageRole, Subject, TokenKind, TokenRecord};
use crate::params::Params;
use crate::platform::Platform;
use crate::secret::Secret;
use crate::store::{StoreError, UserPage};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

/// The cursor namespace of the accounts edge.
const ACCOUNTS_EDGE: &str = "accounts";

/// Every task a Page role can carry; a Page's creator gets all of them but `MESSAGING`.
pub const CREATOR_TASKS: &[&str] = &[
    "ANALYZE",
    "ADVERTISE",
    "MODERATE",
    "CREATE_CONTENT",
    "MANAGE",
];

/// The built-in gazetteer, used with the world's `[[cities]]` (the world wins on the same id).
pub fn builtin_cities() -> Vec<City> {
    let c = |id: &str, name: &str, state: &str, country: &str, lat: f64, lon: f64, r: f64| City {
        id: id.into(),
        name: name.into(),
        state: state.into(),
        country: country.into(),
        latitude: lat,
        longitude: lon,
        radius_km: r,
    };
    vec![
        c(
            "106505586052951",
            "Stockholm",
            "",
            "Sweden",
            59.3293,
            18.0686,
            25.0,
        ),
        c(
            "108424279189115",
            "New York",
            "NY",
            "United States",
            40.7128,
            -74.0060,
            40.0,
        ),
        c(
            "114952118516947",
            "San Francisco",
            "CA",
            "United States",
            37.7749,
            -122.4194,
            15.0,
        ),
        c(
            "106078429431815",
            "London",
            "",
            "United Kingdom",
            51.5074,
            -0.1278,
            35.0,
        ),
        c(
            "110774245616525",
            "Paris",
            "",
            "France",
            48.8566,
            2.3522,
            20.0,
        ),
        c(
            "111175118906315",
            "Berlin",
            "",
            "Germany",
            52.52,
            13.405,
            25.0,
        ),
        c(
            "112261458790012",
            "Tokyo",
            "",
            "Japan",
            35.6762,
            139.6503,
            40.0,
        ),
        c(
            "106339232734991",
            "Lisbon",
            "",
            "Portugal",
            38.7223,
            -9.1393,
            15.0,
        ),
    ]
}

/// Whether `given` names `country`: its name, or its ISO 3166 two-letter code.
fn same_country(given: &str, country: &str) -> bool {
    const CODES: &[(&str, &str)] = &[
        ("SE", "Sweden"),
        ("US", "United States"),
        ("GB", "United Kingdom"),
        ("UK", "United Kingdom"),
        ("FR", "France"),
        ("DE", "Germany"),
        ("JP", "Japan"),
        ("PT", "Portugal"),
    ];
    given.eq_ignore_ascii_case(country)
        || CODES.iter().any(|(code, name)| {
            given.eq_ignore_ascii_case(code) && name.eq_ignore_ascii_case(country)
        })
}

/// Paging and filter parameters of the accounts edge, as sent.
#[derive(Debug, Clone, Default)]
pub struct AccountsParams<'a> {
    /// `is_place`.
    pub is_place: Option<&'a str>,
    /// `is_promotable`.
    pub is_promotable: Option<&'a str>,
    /// `limit`.
    pub limit: Option<&'a str>,
    /// `after`.
    pub after: Option<&'a str>,
    /// `before`.
    pub before: Option<&'a str>,
}

/// One page of the accounts edge.
#[derive(Debug, Clone)]
pub struct AccountsPage {
    /// The Pages, by id.
    pub items: Vec<UserPage>,
    /// Cursor of the first item.
    pub before: Option<String>,
    /// Cursor of the last item.
    pub after: Option<String>,
    /// Whether an earlier page exists.
    pub has_previous: bool,
    /// Whether a later page exists.
    pub has_next: bool,
    /// How many Pages the filtered edge holds.
    pub total_count: i64,
}

fn store_err(e: StoreError) -> GraphError {
    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "store failure on the Pages edge");
    GraphError::from_store(&e)
}

/// Reads a boolean Graph parameter: `true`/`1`, `false`/`0` (any case); anything else is code
/// 100 naming the parameter.
pub fn parse_bool_param(name: &str, raw: Option<&str>) -> Result<Option<bool>, GraphError> {
    match raw {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
        Some(v) => Err(GraphError::invalid_parameter(format!(
            "(#100) Param {name} must be a boolean, got {v:?}"
        ))),
    }
}

fn param_err(name: &str, what: &str) -> GraphError {
    GraphError::invalid_parameter(format!("(#100) Param {name} {what}"))
}

/// A Page's location when it is usable as another Page's (`location_page_id`): a city and a
/// country, or coordinates.
/// A `city_id` of the gazetteer fills in the city, state, country and coordinates, as on a Page
/// created with it.
fn usable_location(page: &Page, cities: &[City]) -> Option<Map<String, Value>> {
    let l = page.extra.get("location")?.as_object()?;
    let text = |k: &str| l.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
    let number = |k: &str| l.get(k).is_some_and(Value::is_number);
    if let Some(c) = text("city_id").and_then(|id| cities.iter().find(|c| c.id == id)) {
        let mut out = l.clone();
        out.insert("city".into(), json!(c.name));
        out.insert("state".into(), json!(c.state));
        out.insert("country".into(), json!(c.country));
        out.entry("latitude").or_insert_with(|| json!(c.latitude));
        out.entry("longitude").or_insert_with(|| json!(c.longitude));
        return Some(out);
    }
    ((text("city").is_some() && text("country").is_some())
        || (number("latitude") && number("longitude")))
    .then(|| l.clone())
}

fn is_user_token(token: &TokenRecord) -> bool {
    matches!(
        token.kind,
        TokenKind::FacebookUser | TokenKind::FacebookUserLongLived
    )
}

/// Distance in kilometres between two points on the Earth (haversine).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

fn is_http_url(s: &str) -> bool {
    url::Url::parse(s)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// A parameter holding a JSON object (`coordinates`, `location`, `cover_photo`).
fn json_object(name: &str, raw: &str) -> Result<Map<String, Value>, GraphError> {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(param_err(name, "must be a JSON object")),
    }
}

fn number(o: &Map<String, Value>, parent: &str, key: &str) -> Result<Option<f64>, GraphError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| param_err(&format!("{parent}[{key}]"), "must be a number")),
        Some(_) => Err(param_err(&format!("{parent}[{key}]"), "must be a number")),
    }
}

fn integer(o: &Map<String, Value>, parent: &str, key: &str) -> Result<Option<i64>, GraphError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().ok()),
        Some(_) => Err(param_err(&format!("{parent}[{key}]"), "must be an integer")),
    }
}

fn boolean(o: &Map<String, Value>, parent: &str, key: &str) -> Result<Option<bool>, GraphError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) => parse_bool_param(&format!("{parent}[{key}]"), Some(s)),
        Some(_) => Err(param_err(&format!("{parent}[{key}]"), "must be a boolean")),
    }
}

fn string(o: &Map<String, Value>, parent: &str, key: &str) -> Result<Option<String>, GraphError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(param_err(&format!("{parent}[{key}]"), "must be a string")),
    }
}

/// The categories a create request names: `category_enum`, or the ids of `category_list`
/// (a JSON array or a comma list).
fn parse_categories(params: &Params) -> Result<Vec<&'static categories::Category>, GraphError> {
    let get = |n: &str| {
        params
            .get(n)
            .map_err(|_| param_err(n, "was given more than once"))
    };
    if let Some(e) = get("category_enum")? {
        let cat = categories::by_enum(e.trim()).ok_or_else(|| {
            GraphError::invalid_page_type(&format!(
                "category_enum {e:?} is not a Page category (see /fb_page_categories)"
            ))
        })?;
        return Ok(vec![cat]);
    }
    if let Some(list) = get("category_list")? {
        let ids: Vec<String> = match serde_json::from_str::<Value>(list) {
            Ok(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.trim().to_owned()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(param_err("category_list", "must list category ids")),
                })
                .collect::<Result<_, _>>()?,
            _ => list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        };
        if ids.is_empty() {
            return Err(GraphError::missing_required(
                "category_enum or category_list",
            ));
        }
        return ids
            .iter()
            .map(|id| {
                categories::by_id(id).ok_or_else(|| {
                    GraphError::invalid_page_type(&format!(
                        "category id {id:?} is not a Page category (see /fb_page_categories)"
                    ))
                })
            })
            .collect();
    }
    Err(GraphError::missing_required(
        "category_enum or category_list",
    ))
}

/// The Page a create request describes, checked in full before anything is written.
#[derive(Debug, Clone, PartialEq)]
struct NewPage {
    name: String,
    categories: Vec<&'static categories::Category>,
    location: Map<String, Value>,
    extra: Map<String, Value>,
    about: String,
    description: String,
    phone: String,
    website: String,
}

impl Platform {
    /// The user whose accounts edge a token asks for (`me` when `id` is `None`). A Page token
    /// asks a Page, which has no such edge; another user is 210, an unknown one 110; a blocked
    /// user is 368.
    pub async fn accounts_owner(
        &self,
        token: &TokenRecord,
        id: Option<&str>,
    ) -> Result<FbUser, GraphError> {
        match token.kind {
            TokenKind::Page => return Err(GraphError::nonexisting_field("accounts", "Page")),
            TokenKind::App if id.is_none() => return Err(GraphError::no_token_for_me()),
            TokenKind::App => {
                return Err(GraphError::permissions_error(
                    "an app access token cannot read a person's Pages; use a user access token",
                ));
            }
            _ => {}
        }
        let own = match &token.subject {
            Subject::Facebook(u) => u.as_str(),
            _ => return Err(GraphError::cannot_parse_token()),
        };
        if let Some(id) = id
            && id != own
        {
            let exists = self.store.find_fb_user(id).await.map_err(store_err)?;
            return Err(if exists.is_some() {
                GraphError::user_not_visible()
            } else {
                GraphError::invalid_user_id()
            });
        }
        let user = self
            .store
            .find_fb_user(own)
            .await
            .map_err(store_err)?
            .ok_or_else(GraphError::invalid_user_id)?;
        if user.blocked {
            return Err(GraphError::blocked());
        }
        Ok(user)
    }

    /// `GET /{user-id}/accounts`: the Pages the user has a task on and granted to the app
    /// (`pages_show_list`), business-reached ones only with `business_management`, filtered,
    /// by Page id, one page of them.
    pub async fn list_accounts(
        &self,
        token: &TokenRecord,
        user: &FbUser,
        params: &AccountsParams<'_>,
    ) -> Result<AccountsPage, GraphError> {
        let scopes = self.effective_scopes(token).await?;
        if !scopes.iter().any(|s| s == "pages_show_list") {
            return Err(GraphError::permissions_error(
                "the pages_show_list permission is required to list Pages",
            ));
        }
        let is_place = parse_bool_param("is_place", params.is_place)?;
        let is_promotable = parse_bool_param("is_promotable", params.is_promotable)?;
        let limit = crate::media::parse_limit(params.limit, 25)?;
        let decode = |which: &str, c: &str| {
            self.cursors
                .decode(ACCOUNTS_EDGE, &user.id, c)
                .map(|p| p.id)
                .map_err(|_| crate::media::invalid_cursor(which))
        };
        let after = params.after.map(|c| decode("after", c)).transpose()?;
        let before = params.before.map(|c| decode("before", c)).transpose()?;
        let visible = self.visible_pages(token, user, &scopes).await?;
        let filtered: Vec<UserPage> = visible
            .into_iter()
            .filter(|p| is_place.is_none_or(|v| p.page.is_place == v))
            .filter(|p| is_promotable.is_none_or(|v| p.page.is_promotable == v))
            .collect();
        let total_count = filtered.len() as i64;
        let limit = usize::try_from(limit).unwrap_or(25);
        let (items, has_previous, has_next) = match (&after, &before) {
            (Some(a), _) => {
                let rest: Vec<UserPage> = filtered
                    .into_iter()
                    .filter(|p| p.page.id.as_str() > a.as_str())
                    .collect();
                let more = rest.len() > limit;
                (rest.into_iter().take(limit).collect::<Vec<_>>(), true, more)
            }
            (None, Some(b)) => {
                let head: Vec<UserPage> = filtered
                    .into_iter()
                    .filter(|p| p.page.id.as_str() < b.as_str())
                    .collect();
                let skip = head.len().saturating_sub(limit);
                (head.into_iter().skip(skip).collect(), skip > 0, true)
            }
            (None, None) => {
                let more = filtered.len() > limit;
                (filtered.into_iter().take(limit).collect(), false, more)
            }
        };
        let cursor = |p: &UserPage| {
            self.cursors.encode(
                ACCOUNTS_EDGE,
                &user.id,
                &Position {
                    sort: 0,
                    id: p.page.id.clone(),
                },
            )
        };
        Ok(AccountsPage {
            before: items.first().map(cursor),
            after: items.last().map(cursor),
            has_previous: has_previous && !items.is_empty(),
            has_next: has_next && !items.is_empty(),
            items,
            total_count,
        })
    }

    /// The Pages of `user` the token's app may see.
    pub(crate) async fn visible_pages(
        &self,
        token: &TokenRecord,
        user: &FbUser,
        scopes: &[String],
    ) -> Result<Vec<UserPage>, GraphError> {
        let grant = self
            .store
            .find_fb_grant(&token.app_id, &user.id)
            .await
            .map_err(store_err)?;
        let business = scopes.iter().any(|s| s == "business_management");
        Ok(self
            .store
            .list_user_pages(&user.id)
            .await
            .map_err(store_err)?
            .into_iter()
            .filter(|p| {
                grant
                    .as_ref()
                    .is_none_or(|g| g.page_ids.contains(&p.page.id))
            })
            .filter(|p| business || p.page.business_id.is_empty())
            .collect())
    }

    /// The Page access token for `page_id` of a user token whose user has a task on the Page.
    /// From a long-lived user token it never expires; otherwise it expires with the user token.
    ///
    /// It is derived, not drawn: the same user token and Page always give the same Page token
    /// (its app and scopes are the user token's), on every instance sharing the database. Its
    /// row is written the first time only, so listing `/me/accounts` again and again neither
    /// grows the token table nor changes the tokens a client holds.
    pub async fn issue_page_token(
        &self,
        user_token: &TokenRecord,
        page_id: &str,
    ) -> Result<Secret, GraphError> {
        let body = self
            .sealer
            .derive("page token v1", &format!("{}\n{page_id}", user_token.id));
        let raw = Secret::new(format!(
            "{}{}",
            crate::facebook::TOKEN_PREFIX,
            URL_SAFE_NO_PAD.encode(body)
        ));
        if self
            .store
            .find_token(&raw.hash().0)
            .await
            .map_err(store_err)?
            .is_some()
        {
            return Ok(raw);
        }
        let record = TokenRecord {
            page_id: Some(page_id.to_owned()),
            scopes: user_token.scopes.clone(),
            expires_at: match user_token.kind {
                TokenKind::FacebookUserLongLived => None,
                _ => user_token.expires_at,
            },
            code_id: user_token.code_id.clone(),
            parent_id: Some(user_token.id.clone()),
            ..TokenRecord::new(
                self.new_id(),
                raw.hash().0,
                user_token.app_id.clone(),
                TokenKind::Page,
                user_token.subject.clone(),
                self.clock.now(),
            )
        };
        self.store.insert_token(&record).await.map_err(store_err)?;
        Ok(raw)
    }

    /// The tasks the token's user has on a Page (`None`: no role, or not a user token).
    pub async fn tasks_on_page(
        &self,
        token: &TokenRecord,
        page_id: &str,
    ) -> Result<Option<Vec<String>>, GraphError> {
        let Subject::Facebook(user) = &token.subject else {
            return Ok(None);
        };
        Ok(self
            .store
            .list_user_pages(user)
            .await
            .map_err(store_err)?
            .into_iter()
            .find(|p| p.page.id == page_id)
            .map(|p| p.tasks))
    }

    /// Every Page a user has a role on, by id (the Login dialog's Page choice).
    pub async fn pages_of_user(&self, fb_user_id: &str) -> Result<Vec<UserPage>, StoreError> {
        self.store.list_user_pages(fb_user_id).await
    }

    /// `GET /{page-id}`: any valid token reads a Page; an unknown id is 100/33.
    pub async fn read_page(&self, id: &str) -> Result<Page, GraphError> {
        self.store
            .find_page(id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| GraphError::unsupported_request(GraphHost::Facebook, "GET", id))
    }

    /// The cities of the gazetteer: the world's, then the built-in ones not overridden.
    pub async fn gazetteer(&self) -> Result<Vec<City>, GraphError> {
        let mut cities = self.store.list_cities().await.map_err(store_err)?;
        for c in builtin_cities() {
            if !cities.iter().any(|w| w.id == c.id) {
                cities.push(c);
            }
        }
        Ok(cities)
    }

    /// `POST /{user-id}/accounts`: creates a Page and gives its creator every task. The creator
    /// must be a test user, or the calling app allowlisted for Page creation
    /// ([`App::page_creation_allowed`](crate::model::App::page_creation_allowed)). Every rule is
    /// checked before the one write; a refused request writes nothing.
    pub async fn create_page(
        &self,
        token: &TokenRecord,
        user_id: Option<&str>,
        params: &Params,
    ) -> Result<String, GraphError> {
        if token.kind == TokenKind::Page {
            return Err(GraphError::nonexisting_field("accounts", "Page"));
        }
        if !is_user_token(token) {
            return Err(GraphError::permissions_error(
                "Pages can only be created with a user access token",
            ));
        }
        let own = token.subject.user_id().unwrap_or_default().to_owned();
        if let Some(id) = user_id
            && id != own
        {
            let exists = self.store.find_fb_user(id).await.map_err(store_err)?;
            return Err(if exists.is_some() {
                GraphError::permissions_error("Pages can only be created for the token's own user")
            } else {
                GraphError::invalid_user_id()
            });
        }
        let user = self
            .store
            .find_fb_user(&own)
            .await
            .map_err(store_err)?
            .ok_or_else(GraphError::invalid_user_id)?;
        if user.blocked {
            return Err(GraphError::blocked());
        }
        let scopes = self.effective_scopes(token).await?;
        for needed in ["pages_manage_metadata", "pages_show_list"] {
            if !scopes.iter().any(|s| s == needed) {
                return Err(GraphError::permissions_error(&format!(
                    "creating a Page requires the pages_manage_metadata and pages_show_list permissions; {needed} was not granted"
                )));
            }
        }
        if !user.test_user && !self.app_allowlisted_for_pages(&token.app_id).await? {
            return Err(GraphError::permissions_error(
                "only test users can create Pages",
            ));
        }
        let new = self.check_new_page(params).await?;
        let page_id = self.rng_page_id();
        let primary = new.categories[0];
        let mut extra = new.extra;
        extra.insert(
            "category_list".into(),
            Value::Array(new.categories.iter().map(|c| json!(c.id)).collect()),
        );
        let is_place = !new.location.is_empty();
        if is_place {
            extra.insert("location".into(), Value::Object(new.location));
        }
        let page = Page {
            id: page_id.clone(),
            name: new.name,
            category_enum: primary.api_enum.to_owned(),
            about: new.about,
            description: new.description,
            phone: new.phone,
            website: new.website,
            is_place,
            is_promotable: true,
            business_id: String::new(),
            instagram_business_account: None,
            extra: Value::Object(extra),
        };
        let role = PageRole {
            page_id: page_id.clone(),
            fb_user_id: user.id.clone(),
            tasks: CREATOR_TASKS.iter().map(|t| (*t).to_owned()).collect(),
        };
        self.store
            .create_page(&page, &role)
            .await
            .map_err(store_err)?;
        if let Some(mut grant) = self
            .store
            .find_fb_grant(&token.app_id, &user.id)
            .await
            .map_err(store_err)?
        {
            grant.page_ids.push(page_id.clone());
            self.store
                .upsert_fb_grant(&grant)
                .await
                .map_err(store_err)?;
        }
        Ok(page_id)
    }

    /// Whether Meta has allowlisted the app for Page creation (its users need not be test
    /// users). An app that no longer exists is not.
    async fn app_allowlisted_for_pages(&self, app_id: &str) -> Result<bool, GraphError> {
        Ok(self
            .cached_app(app_id)
            .await
            .map_err(store_err)?
            .is_some_and(|app| app.page_creation_allowed))
    }

    fn rng_page_id(&self) -> String {
        use crate::rng::RngExt;
        self.rng.digits('1', 15)
    }

    async fn check_new_page(&self, params: &Params) -> Result<NewPage, GraphError> {
        let get = |n: &str| {
            params
                .get(n)
                .map(|v| v.map(str::trim).filter(|v| !v.is_empty()))
                .map_err(|_| param_err(n, "was given more than once"))
        };
        let name = get("name")?
            .ok_or_else(|| GraphError::missing_required("name"))?
            .to_owned();
        let categories = parse_categories(params)?;
        let city_id = get("city_id")?;
        let location = get("location")?
            .map(|l| json_object("location", l))
            .transpose()?;
        let coordinates = get("coordinates")?
            .map(|c| json_object("coordinates", c))
            .transpose()?;
        let ignore_warnings = parse_bool_param(
            "ignore_coordinate_warnings",
            get("ignore_coordinate_warnings")?,
        )?
        .unwrap_or(false);
        // `location_page_id`: the new Page takes that Page's location, which makes a locale
        // optional; a Page without a usable location leaves it required.
        let location_page = match get("location_page_id")? {
            Some(id) => Some(
                self.store
                    .find_page(id)
                    .await
                    .map_err(store_err)?
                    .ok_or_else(|| {
                        param_err("location_page_id", &format!("{id:?} is not a Page"))
                    })?,
            ),
            None => None,
        };
        let cities = self.gazetteer().await?;
        let inherited = location_page
            .as_ref()
            .and_then(|p| usable_location(p, &cities));
        if city_id.is_none() && location.is_none() && coordinates.is_none() && inherited.is_none() {
            return Err(GraphError::invalid_parameter(match &location_page {
                Some(p) => format!(
                    "(#100) The Page {} of location_page_id has no location: give city_id, location or coordinates",
                    p.id
                ),
                None => {
                    "(#100) At least one of city_id, location or coordinates is required".to_owned()
                }
            }));
        }
        if city_id.is_some() && location.is_some() {
            return Err(GraphError::invalid_parameter(
                "(#100) city_id and location cannot be used together",
            ));
        }
        let find_city = |id: &str| {
            cities
                .iter()
                .find(|c| c.id == id)
                .cloned()
                .ok_or_else(|| param_err("city_id", &format!("{id:?} is not a known city")))
        };
        let mut loc = match (&city_id, &location, &coordinates, inherited) {
            (None, None, None, Some(l)) => l,
            _ => Map::new(),
        };
        // The city the coordinates must fall in, when one is named.
        let mut city: Option<City> = None;
        let mut area_known = false;
        if let Some(id) = city_id {
            city = Some(find_city(id)?);
            area_known = true;
        }
        if let Some(l) = &location {
            if let Some(id) = string(l, "location", "city_id")? {
                city = Some(find_city(&id)?);
                area_known = true;
            } else {
                let c = string(l, "location", "city")?;
                let country = string(l, "location", "country")?;
                let (Some(c), Some(country)) = (c, country) else {
                    return Err(param_err(
                        "location",
                        "needs city_id, or city, state and country",
                    ));
                };
                let state = string(l, "location", "state")?.unwrap_or_default();
                if same_country(&country, "United States") && state.is_empty() {
                    return Err(param_err("location", "needs a state in the United States"));
                }
                city = cities
                    .iter()
                    .find(|g| g.name.eq_ignore_ascii_case(&c) && same_country(&country, &g.country))
                    .cloned();
                area_known = city.is_some();
                if city.is_none() {
                    loc.insert("city".into(), json!(c));
                    loc.insert("state".into(), json!(state));
                    loc.insert("country".into(), json!(country));
                }
            }
            if let Some(street) = string(l, "location", "street")? {
                loc.insert("street".into(), json!(street));
            }
            if let Some(zip) = string(l, "location", "zip")? {
                loc.insert("zip".into(), json!(zip));
            }
        }
        if let Some(c) = &city {
            loc.insert("city".into(), json!(c.name));
            loc.insert("state".into(), json!(c.state));
            loc.insert("country".into(), json!(c.country));
            loc.insert("city_id".into(), json!(c.id));
            loc.insert("latitude".into(), json!(c.latitude));
            loc.insert("longitude".into(), json!(c.longitude));
        }
        if let Some(co) = &coordinates {
            let lat = number(co, "coordinates", "latitude")?
                .ok_or_else(|| param_err("coordinates", "needs latitude and longitude"))?;
            let lon = number(co, "coordinates", "longitude")?
                .ok_or_else(|| param_err("coordinates", "needs latitude and longitude"))?;
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(param_err(
                    "coordinates",
                    "must have a latitude in [-90, 90] and a longitude in [-180, 180]",
                ));
            }
            if !ignore_warnings {
                match &city {
                    Some(c) if distance_km((lat, lon), (c.latitude, c.longitude)) > c.radius_km => {
                        return Err(GraphError::invalid_parameter(format!(
                            "(#100) The coordinates ({lat}, {lon}) are not inside {}; fix them or pass ignore_coordinate_warnings=true",
                            c.name
                        )));
                    }
                    None if location.is_some() && !area_known => {
                        return Err(GraphError::invalid_parameter(
                            "(#100) The coordinates cannot be checked against a location that is not in the gazetteer; pass ignore_coordinate_warnings=true",
                        ));
                    }
                    _ => {}
                }
            }
            loc.insert("latitude".into(), json!(lat));
            loc.insert("longitude".into(), json!(lon));
        }
        let mut extra = Map::new();
        if let Some(cp) = get("cover_photo")? {
            let o = json_object("cover_photo", cp)?;
            let url = string(&o, "cover_photo", "url")?
                .ok_or_else(|| param_err("cover_photo", "requires url"))?;
            if !is_http_url(&url) {
                return Err(param_err(
                    "cover_photo[url]",
                    "must be an http or https URL",
                ));
            }
            let mut cover = Map::new();
            cover.insert("url".into(), json!(url));
            cover.insert(
                "offset_x".into(),
                json!(integer(&o, "cover_photo", "offset_x")?.unwrap_or(50)),
            );
            cover.insert(
                "offset_y".into(),
                json!(integer(&o, "cover_photo", "offset_y")?.unwrap_or(50)),
            );
            for k in ["focus_x", "focus_y", "zoom_scale_x", "zoom_scale_y"] {
                if let Some(v) = number(&o, "cover_photo", k)? {
                    cover.insert(k.into(), json!(v));
                }
            }
            for k in ["no_feed_story", "no_notification"] {
                cover.insert(
                    k.into(),
                    json!(boolean(&o, "cover_photo", k)?.unwrap_or(false)),
                );
            }
            extra.insert("cover_photo".into(), Value::Object(cover));
        }
        for name in ["picture", "website"] {
            if let Some(v) = get(name)?
                && !is_http_url(v)
            {
                return Err(param_err(name, "must be an http or https URL"));
            }
        }
        if let Some(p) = get("picture")? {
            extra.insert("picture".into(), json!(p));
        }
        for k in ["zip", "address"] {
            if let Some(v) = get(k)? {
                extra.insert(k.into(), json!(v));
            }
        }
        if let Some(zip) = get("zip")? {
            loc.entry("zip").or_insert_with(|| json!(zip));
        }
        if let Some(address) = get("address")? {
            loc.entry("street").or_insert_with(|| json!(address));
        }
        let text = |n: &str| get(n).map(|v| v.unwrap_or_default().to_owned());
        Ok(NewPage {
            name,
            categories,
            location: loc,
            extra,
            about: text("about")?,
            description: text("description")?,
            phone: text("phone")?,
            website: text("website")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_in_kilometres() {
        let stockholm = (59.3293, 18.0686);
        assert!(distance_km(stockholm, stockholm) < 1e-9);
        let uppsala = (59.8586, 17.6389);
        let d = distance_km(stockholm, uppsala);
        assert!((60.0..70.0).contains(&d), "{d}");
    }

    #[test]
    fn builtin_cities_have_unique_ids() {
        let cities = builtin_cities();
        for (i, a) in cities.iter().enumerate() {
            assert!(cities[i + 1..].iter().all(|b| b.id != a.id));
        }
    }
}
