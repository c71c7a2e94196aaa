//! [`Client`], [`ClientBuilder`], the hosts, and the request pipeline every call goes through:
//! credentials → throttle → send → classify → retry.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{ClientError, Result, decode, error_from_response};
use crate::http::{HttpClient, HttpRequest, HttpResponse, ReqwestClient};
use crate::retry::RetryPolicy;
use crate::secret::{AccessToken, AppSecret};
use crate::throttle::{Throttle, ThrottleConfig};
use crate::usage::Usage;
use crate::util::{Redactor, SECRET_PARAMS, appsecret_proof, redact_params_in_text};

/// The Graph API version used when none is configured.
pub const DEFAULT_API_VERSION: &str = "v21.0";

/// The environment variable that points every host at a Localgram server
/// (`LOCALGRAM_URL=http://127.0.0.1:8090`).
pub const LOCALGRAM_URL_ENV: &str = "LOCALGRAM_URL";
/// The environment variable naming a PEM file of a CA certificate to trust, besides the public
/// roots (a Localgram server's local CA, for Meta's host names over TLS).
pub const LOCALGRAM_CA_CERT_ENV: &str = "LOCALGRAM_CA_CERT";

/// The five Meta hosts the client talks to. Each has its own base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Host {
    /// `api.instagram.com`: the Basic Display authorization window and the code exchange.
    ApiInstagram,
    /// `www.instagram.com`: the Business Login for Instagram authorization window.
    WwwInstagram,
    /// `graph.instagram.com`: Instagram tokens (long-lived, refresh) and reads.
    GraphInstagram,
    /// `www.facebook.com`: the Facebook Login dialog.
    WwwFacebook,
    /// `graph.facebook.com`: the Facebook Graph API.
    GraphFacebook,
}

impl Host {
    /// Every host.
    pub const ALL: [Host; 5] = [
        Host::ApiInstagram,
        Host::WwwInstagram,
        Host::GraphInstagram,
        Host::WwwFacebook,
        Host::GraphFacebook,
    ];

    /// The host's name, which is also its path prefix on Localgram.
    pub fn name(self) -> &'static str {
        match self {
            Host::ApiInstagram => "api.instagram.com",
            Host::WwwInstagram => "www.instagram.com",
            Host::GraphInstagram => "graph.instagram.com",
            Host::WwwFacebook => "www.facebook.com",
            Host::GraphFacebook => "graph.facebook.com",
        }
    }

    /// Meta's base URL for the host (`https://graph.instagram.com`).
    pub fn meta_url(self) -> Url {
        Url::parse(&format!("https://{}", self.name())).expect("valid host URL")
    }

    /// The host's base URL on a Localgram server: the server URL plus the host as path prefix
    /// (`http://127.0.0.1:8090/graph.instagram.com`).
    pub fn localgram_url(self, server: &str) -> Result<Url> {
        parse_base(&format!("{}/{}", server.trim_end_matches('/'), self.name()))
    }

    fn index(self) -> usize {
        self as usize
    }
}

fn parse_base(raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim())
        .map_err(|e| ClientError::Config(format!("invalid base URL `{raw}`: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(ClientError::Config(format!(
            "base URL `{raw}` must be an http or https URL"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ClientError::Config(format!(
            "base URL `{raw}` must not carry a query or fragment"
        )));
    }
    Ok(url)
}

fn check_version(v: &str) -> Result<()> {
    let ok = v
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(ClientError::Config(format!(
            "API version `{v}` is not of the form vNN.N"
        )))
    }
}

/// Builds a [`Client`].
///
/// Every host defaults to Meta's. [`localgram`](Self::localgram), or the `LOCALGRAM_URL`
/// environment variable when no base URL is set in code, switches all five at once to a
/// Localgram server; [`base_url`](Self::base_url) sets one host.
///
/// ```
/// use std::time::Duration;
/// use localgram_client::{AccessToken, Client, RetryPolicy, ThrottleConfig};
///
/// let client = Client::builder()
///     .localgram("http://127.0.0.1:8090")
///     .api_version("v21.0")
///     .access_token(AccessToken::new("IGQVJfake"))
///     .throttle(ThrottleConfig::new(100, Duration::from_secs(60)))
///     .retry(RetryPolicy::default().with_max_retries(5))
///     .build()
///     .unwrap();
/// assert_eq!(
///     client.base_url(localgram_client::Host::GraphInstagram).as_str(),
///     "http://127.0.0.1:8090/graph.instagram.com"
/// );
/// ```
#[must_use]
pub struct ClientBuilder {
    localgram: Option<String>,
    overrides: Vec<(Host, String)>,
    use_env: bool,
    api_version: Option<String>,
    app_id: Option<String>,
    app_secret: Option<AppSecret>,
    access_token: Option<AccessToken>,
    throttle: Option<ThrottleConfig>,
    retry: RetryPolicy,
    http: Option<Arc<dyn HttpClient>>,
    reqwest: Option<reqwest::Client>,
    timeout: Option<Duration>,
    user_agent: String,
    ca_certs: Vec<Vec<u8>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("localgram", &self.localgram)
            .field("overrides", &self.overrides)
            .field("use_env", &self.use_env)
            .field("api_version", &self.api_version)
            .field("app_id", &self.app_id)
            .field("app_secret", &self.app_secret)
            .field("access_token", &self.access_token)
            .field("throttle", &self.throttle)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// Meta's hosts, [`DEFAULT_API_VERSION`], the default throttle (100 calls per 60 s per
    /// token) and the default [`RetryPolicy`].
    pub fn new() -> Self {
        Self {
            localgram: None,
            overrides: Vec::new(),
            use_env: true,
            api_version: Some(DEFAULT_API_VERSION.to_owned()),
            app_id: None,
            app_secret: None,
            access_token: None,
            throttle: Some(ThrottleConfig::default()),
            retry: RetryPolicy::default(),
            http: None,
            reqwest: None,
            timeout: Some(Duration::from_secs(60)),
            user_agent: concat!("localgram-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            ca_certs: Vec::new(),
        }
    }

    /// Points every host at a Localgram server: `http://127.0.0.1:8090` makes
    /// graph.instagram.com `http://127.0.0.1:8090/graph.instagram.com`, and so on.
    pub fn localgram(mut self, server_url: impl Into<String>) -> Self {
        self.localgram = Some(server_url.into());
        self
    }

    /// Sets one host's base URL (applied after [`localgram`](Self::localgram)).
    pub fn base_url(mut self, host: Host, url: impl Into<String>) -> Self {
        self.overrides.push((host, url.into()));
        self
    }

    /// Ignores the `LOCALGRAM_URL` environment variable.
    pub fn ignore_env(mut self) -> Self {
        self.use_env = false;
        self
    }

    /// The Graph API version put in front of Graph paths (`v21.0`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// Sends Graph calls without a version segment (Meta then serves its oldest version).
    pub fn unversioned(mut self) -> Self {
        self.api_version = None;
        self
    }

    /// The app id (`client_id`): the Instagram app id for Instagram flows, the Facebook app id
    /// for Facebook Login.
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// The app secret: sent as `client_secret` in token exchanges, and, once set, every call
    /// carrying an access token also carries its `appsecret_proof`.
    pub fn app_secret(mut self, secret: AppSecret) -> Self {
        self.app_secret = Some(secret);
        self
    }

    /// The access token used by calls that do not name their own.
    pub fn access_token(mut self, token: AccessToken) -> Self {
        self.access_token = Some(token);
        self
    }

    /// The client-side throttle (per token). Default: 100 calls per 60 s.
    pub fn throttle(mut self, config: ThrottleConfig) -> Self {
        self.throttle = Some(config);
        self
    }

    /// Turns the client-side throttle off.
    pub fn no_throttle(mut self) -> Self {
        self.throttle = None;
        self
    }

    /// The retry policy for reads and idempotent token calls.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The whole-request timeout of the default `reqwest` transport (default 60 s; `None` for
    /// none). Ignored with [`reqwest_client`](Self::reqwest_client) or
    /// [`http_client`](Self::http_client).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Also trusts this CA certificate (PEM), for example a Localgram server's local CA
    /// (`localgram ca`) when calling Meta's host names through its proxy or HTTPS listener.
    /// Without it, the file named by `LOCALGRAM_CA_CERT` is trusted (unless
    /// [`ignore_env`](Self::ignore_env)). Ignored with [`reqwest_client`](Self::reqwest_client)
    /// or [`http_client`](Self::http_client).
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_certs.push(pem.into());
        self
    }

    /// Sends requests with this `reqwest` client (for proxies, custom TLS roots, timeouts).
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.reqwest = Some(client);
        self
    }

    /// Sends requests through a custom [`HttpClient`] (a closure works).
    pub fn http_client(mut self, client: impl HttpClient) -> Self {
        self.http = Some(Arc::new(client));
        self
    }

    /// Builds the client.
    pub fn build(mut self) -> Result<Client> {
        if self.use_env
            && self.ca_certs.is_empty()
            && let Some(path) = std::env::var_os(LOCALGRAM_CA_CERT_ENV).filter(|p| !p.is_empty())
        {
            let pem = std::fs::read(&path).map_err(|e| {
                ClientError::Config(format!(
                    "cannot read the CA certificate {} ({LOCALGRAM_CA_CERT_ENV}): {e}",
                    std::path::Path::new(&path).display()
                ))
            })?;
            self.ca_certs.push(pem);
        }
        let env = if self.use_env && self.localgram.is_none() && self.overrides.is_empty() {
            std::env::var(LOCALGRAM_URL_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty())
        } else {
            None
        };
        self.build_with_env(env)
    }

    fn build_with_env(self, env_localgram: Option<String>) -> Result<Client> {
        let mut base_urls = Host::ALL.map(Host::meta_url);
        if let Some(server) = self.localgram.or(env_localgram) {
            for host in Host::ALL {
                base_urls[host.index()] = host.localgram_url(&server)?;
            }
        }
        for (host, raw) in &self.overrides {
            base_urls[host.index()] = parse_base(raw)?;
        }
        let api_version = match self.api_version {
            Some(v) if v.trim().is_empty() => None,
            Some(v) => {
                check_version(v.trim())?;
                Some(v.trim().to_owned())
            }
            None => None,
        };
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| ClientError::Config("invalid user agent".into()))?;
        let http: Arc<dyn HttpClient> = match (self.http, self.reqwest) {
            (Some(http), _) => http,
            (None, Some(client)) => Arc::new(ReqwestClient(client)),
            (None, None) => {
                let mut builder = reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .user_agent(user_agent.clone());
                if let Some(timeout) = self.timeout {
                    builder = builder.timeout(timeout);
                }
                for pem in &self.ca_certs {
                    let cert = reqwest::Certificate::from_pem(pem).map_err(|e| {
                        ClientError::Config(format!("the CA certificate is not PEM: {e}"))
                    })?;
                    builder = builder.add_root_certificate(cert);
                }
                Arc::new(ReqwestClient(builder.build().map_err(ClientError::http)?))
            }
        };
        if self.throttle.is_some_and(|t| t.window.is_zero()) {
            return Err(ClientError::Config(
                "the throttle window must be longer than zero".into(),
            ));
        }
        Ok(Client {
            inner: Arc::new(Inner {
                base_urls,
                api_version,
                app_id: self.app_id,
                app_secret: self.app_secret,
                throttle: self.throttle.map(Throttle::new),
                retry: self.retry,
                http,
                user_agent,
                last_usage: Mutex::new(None),
            }),
            token: self.access_token,
        })
    }
}

struct Inner {
    base_urls: [Url; 5],
    api_version: Option<String>,
    app_id: Option<String>,
    app_secret: Option<AppSecret>,
    throttle: Option<Throttle>,
    retry: RetryPolicy,
    http: Arc<dyn HttpClient>,
    user_agent: HeaderValue,
    last_usage: Mutex<Option<Usage>>,
}

/// The client: cheap to clone (an `Arc` inside); clones share the throttle, the retry policy
/// and the connection pool.
///
/// Calls are made through request builders that end in `.send()`:
/// [`me`](Self::me), [`media`](Self::media), [`media_details`](Self::media_details),
/// [`children`](Self::children), [`accounts`](Self::accounts), [`page`](Self::page),
/// [`create_page`](Self::create_page), [`debug_token`](Self::debug_token), and the OAuth flows
/// under [`oauth`](Self::oauth).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    token: Option<AccessToken>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "base_urls",
                &self
                    .inner
                    .base_urls
                    .iter()
                    .map(Url::as_str)
                    .collect::<Vec<_>>(),
            )
            .field("api_version", &self.inner.api_version)
            .field("app_id", &self.inner.app_id)
            .field("app_secret", &self.inner.app_secret)
            .field("access_token", &self.token)
            .field(
                "throttle",
                &self.inner.throttle.as_ref().map(|t| t.config()),
            )
            .field("retry", &self.inner.retry)
            .finish()
    }
}

impl Client {
    /// A [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client with the defaults: Meta's hosts, or a Localgram server when `LOCALGRAM_URL` is
    /// set.
    pub fn new() -> Result<Self> {
        ClientBuilder::new().build()
    }

    /// A client with every host on a Localgram server (`http://127.0.0.1:8090`).
    pub fn localgram(server_url: impl Into<String>) -> Result<Self> {
        ClientBuilder::new().localgram(server_url).build()
    }

    /// A clone of this client that uses `token` for calls that do not name their own.
    pub fn with_token(&self, token: AccessToken) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            token: Some(token),
        }
    }

    /// The default access token, if any.
    pub fn access_token(&self) -> Option<&AccessToken> {
        self.token.as_ref()
    }

    /// The base URL of a host.
    pub fn base_url(&self, host: Host) -> &Url {
        &self.inner.base_urls[host.index()]
    }

    /// The Graph API version, or `None` when calls are unversioned.
    pub fn api_version(&self) -> Option<&str> {
        self.inner.api_version.as_deref()
    }

    /// The configured app id.
    pub fn app_id(&self) -> Option<&str> {
        self.inner.app_id.as_deref()
    }

    /// The configured app secret.
    pub fn app_secret(&self) -> Option<&AppSecret> {
        self.inner.app_secret.as_ref()
    }

    /// The usage headers of the most recent response (of any clone of this client).
    pub fn last_usage(&self) -> Option<Usage> {
        self.inner
            .last_usage
            .lock()
            .expect("usage lock poisoned")
            .clone()
    }

    /// The URL of `segments` on `host`, with the API version in front when `versioned`.
    pub(crate) fn endpoint(&self, host: Host, versioned: bool, segments: &[String]) -> Result<Url> {
        let mut url = self.base_url(host).clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|()| ClientError::Config("base URL cannot take a path".into()))?;
            path.pop_if_empty();
            if versioned && let Some(v) = &self.inner.api_version {
                path.push(v);
            }
            for segment in segments {
                path.push(segment);
            }
        }
        Ok(url)
    }

    /// Whether `url` has the origin (scheme, host, port) of one of the configured hosts.
    pub(crate) fn is_configured_origin(&self, url: &Url) -> bool {
        let origin = url.origin();
        self.inner.base_urls.iter().any(|b| b.origin() == origin)
    }

    pub(crate) fn require_app_id(&self) -> Result<String> {
        self.inner.app_id.clone().ok_or_else(|| {
            ClientError::Config("no app id: set one with ClientBuilder::app_id".into())
        })
    }

    pub(crate) fn require_app_secret(&self) -> Result<AppSecret> {
        self.inner.app_secret.clone().ok_or_else(|| {
            ClientError::Config("no app secret: set one with ClientBuilder::app_secret".into())
        })
    }
}

/// A decoded response with its status and headers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response<T> {
    /// The decoded body.
    pub value: T,
    /// The HTTP status.
    pub status: StatusCode,
    /// The usage headers.
    pub usage: Usage,
    /// All response headers.
    pub headers: HeaderMap,
}

impl<T> Response<T> {
    /// The decoded body.
    pub fn into_value(self) -> T {
        self.value
    }
}

/// Where a call goes.
#[derive(Clone)]
pub(crate) enum Target {
    /// A path on one of the hosts.
    Endpoint {
        host: Host,
        versioned: bool,
        segments: Vec<String>,
    },
    /// An absolute URL handed out by the server (a paging link), followed as given.
    Absolute(Url),
}

/// One call, before credentials are attached.
#[derive(Clone)]
pub(crate) struct Call {
    pub(crate) client: Client,
    pub(crate) method: Method,
    pub(crate) target: Target,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) form: Vec<(String, String)>,
    /// A token for this call only; otherwise the client's.
    pub(crate) token: Option<AccessToken>,
    /// Whether the call carries a user/app token as `access_token` (false for token
    /// endpoints that take their credentials in other parameters).
    pub(crate) attach_token: bool,
    /// Whether the call fails without a token.
    pub(crate) needs_token: bool,
    /// Whether the call may be sent again automatically.
    pub(crate) retry: bool,
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match &self.target {
            Target::Endpoint { host, segments, .. } => {
                format!("{}/{}", host.name(), segments.join("/"))
            }
            Target::Absolute(url) => redact_params_in_text(url.as_str()),
        };
        let params = |p: &[(String, String)]| {
            p.iter()
                .map(|(k, v)| {
                    if SECRET_PARAMS.contains(&k.as_str()) {
                        format!("{k}=[redacted]")
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect::<Vec<_>>()
        };
        f.debug_struct("Call")
            .field("method", &self.method)
            .field("target", &target)
            .field("query", &params(&self.query))
            .field("form", &params(&self.form))
            .field("token", &self.token)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Call {
    /// A GET on `host`, Graph-versioned, that needs a token and may be retried.
    pub(crate) fn graph_get(client: &Client, host: Host, segments: Vec<String>) -> Self {
        Self {
            client: client.clone(),
            method: Method::GET,
            target: Target::Endpoint {
                host,
                versioned: true,
                segments,
            },
            query: Vec::new(),
            form: Vec::new(),
            token: None,
            attach_token: true,
            needs_token: true,
            retry: true,
        }
    }

    /// A GET of an absolute URL handed out by the server.
    pub(crate) fn follow(client: &Client, url: Url, token: Option<AccessToken>) -> Self {
        Self {
            client: client.clone(),
            method: Method::GET,
            target: Target::Absolute(url),
            query: Vec::new(),
            form: Vec::new(),
            token,
            attach_token: true,
            needs_token: false,
            retry: true,
        }
    }

    pub(crate) fn set_host(&mut self, new_host: Host) {
        if let Target::Endpoint { host, .. } = &mut self.target {
            *host = new_host;
        }
    }

    pub(crate) fn push_query(&mut self, key: &str, value: impl Into<String>) {
        self.query.push((key.to_owned(), value.into()));
    }

    /// Builds the request for one attempt, and the throttle key (the token) and redactor.
    fn prepare(&self) -> Result<(HttpRequest, Option<String>, Redactor)> {
        let inner = &self.client.inner;
        let mut url = match &self.target {
            Target::Endpoint {
                host,
                versioned,
                segments,
            } => self.client.endpoint(*host, *versioned, segments)?,
            Target::Absolute(url) => url.clone(),
        };
        let in_body = self.method != Method::GET && self.method != Method::DELETE;
        let mut query = self.query.clone();
        let mut form = self.form.clone();

        let url_token = url
            .query_pairs()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned());
        let has_param =
            |params: &[(String, String)], name: &str| params.iter().any(|(k, _)| k == name);
        let listed_token = [&query, &form]
            .into_iter()
            .flat_map(|p| p.iter())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.clone());
        // A link handed out by the server gets credentials added only if it points at one of
        // the configured hosts: a token is never sent to a foreign origin.
        let trusted = match &self.target {
            Target::Endpoint { .. } => true,
            Target::Absolute(url) => self.client.is_configured_origin(url),
        };
        let token = match url_token.or(listed_token) {
            Some(token) => Some(token),
            None if !self.attach_token || !trusted => None,
            None => match self.token.as_ref().or(self.client.token.as_ref()) {
                Some(token) => {
                    let pair = ("access_token".to_owned(), token.secret().to_owned());
                    if in_body {
                        form.push(pair)
                    } else {
                        query.push(pair)
                    }
                    Some(token.secret().to_owned())
                }
                None if self.needs_token => {
                    return Err(ClientError::Config(
                        "no access token: set one with ClientBuilder::access_token, \
                         Client::with_token or the request's .access_token()"
                            .into(),
                    ));
                }
                None => None,
            },
        };
        if let (Some(secret), Some(token), true) = (&inner.app_secret, &token, trusted) {
            let present = url.query_pairs().any(|(k, _)| k == "appsecret_proof")
                || has_param(&query, "appsecret_proof")
                || has_param(&form, "appsecret_proof");
            if !present {
                let pair = ("appsecret_proof".to_owned(), appsecret_proof(secret, token));
                if in_body {
                    form.push(pair)
                } else {
                    query.push(pair)
                }
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(&query);
        }

        let mut redactor = Redactor::default();
        for (k, v) in url.query_pairs().chain(
            form.iter()
                .map(|(k, v)| (k.as_str().into(), v.as_str().into())),
        ) {
            if SECRET_PARAMS.contains(&k.as_ref()) {
                redactor.add(&v);
            }
        }
        if let Some(secret) = &inner.app_secret {
            redactor.add(secret.secret());
        }

        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, inner.user_agent.clone());
        let body = if in_body {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
            Some(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&form)
                    .finish()
                    .into_bytes(),
            )
        } else {
            None
        };
        let request = HttpRequest {
            method: self.method.clone(),
            url,
            headers,
            body,
        };
        Ok((request, token, redactor))
    }

    /// Sends the call (throttled, retried when allowed) and returns the success response.
    pub(crate) async fn execute(&self) -> Result<(HttpResponse, Redactor)> {
        let inner = &self.client.inner;
        let mut retry = 0;
        loop {
            let (request, throttle_key, redactor) = self.prepare()?;
            if let (Some(throttle), Some(key)) = (&inner.throttle, &throttle_key) {
                throttle.acquire(key).await;
            }
            let error = match inner.http.execute(request).await {
                Ok(response) => {
                    let usage = Usage::from_headers(&response.headers);
                    *inner.last_usage.lock().expect("usage lock poisoned") = Some(usage);
                    if response.status.is_success() {
                        return Ok((response, redactor));
                    }
                    error_from_response(
                        response.status,
                        response.headers,
                        &response.body,
                        &redactor,
                    )
                }
                Err(error) => error,
            };
            if !self.retry {
                return Err(error);
            }
            retry += 1;
            match inner.retry.delay_for(retry, &error) {
                Some(delay) => {
                    inner.retry.notify(retry, delay, &error);
                    tokio::time::sleep(delay).await;
                }
                None => return Err(error),
            }
        }
    }

    /// Sends the call and decodes its JSON body.
    pub(crate) async fn send_json<T: DeserializeOwned>(&self) -> Result<Response<T>> {
        let (response, redactor) = self.execute().await?;
        let value = decode(&response.body, &redactor)?;
        Ok(Response {
            value,
            status: response.status,
            usage: Usage::from_headers(&response.headers),
            headers: response.headers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_hosts_are_the_default() {
        let c = ClientBuilder::new().build_with_env(None).unwrap();
        assert_eq!(
            c.base_url(Host::GraphFacebook).as_str(),
            "https://graph.facebook.com/"
        );
        assert_eq!(c.api_version(), Some(DEFAULT_API_VERSION));
    }

    #[test]
    fn localgram_env_switches_every_host() {
        let c = ClientBuilder::new()
            .build_with_env(Some("http://127.0.0.1:8090/".into()))
            .unwrap();
        for host in Host::ALL {
            assert_eq!(
                c.base_url(host).as_str(),
                format!("http://127.0.0.1:8090/{}", host.name())
            );
        }
    }

    #[test]
    fn explicit_urls_win_over_the_environment() {
        let c = ClientBuilder::new()
            .localgram("http://localhost:9000")
            .base_url(Host::WwwFacebook, "https://fb.example.test/prefix")
            .build_with_env(Some("http://127.0.0.1:8090".into()))
            .unwrap();
        assert_eq!(
            c.base_url(Host::GraphInstagram).as_str(),
            "http://localhost:9000/graph.instagram.com"
        );
        assert_eq!(
            c.base_url(Host::WwwFacebook).as_str(),
            "https://fb.example.test/prefix"
        );
    }

    #[test]
    fn endpoints_join_prefix_version_and_escaped_segments() {
        let c = Client::localgram("http://127.0.0.1:8090").unwrap();
        let url = c
            .endpoint(
                Host::GraphInstagram,
                true,
                &["17895/x".into(), "children".into()],
            )
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8090/graph.instagram.com/v21.0/17895%2Fx/children"
        );
        let url = c
            .endpoint(
                Host::GraphInstagram,
                false,
                &["refresh_access_token".into()],
            )
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8090/graph.instagram.com/refresh_access_token"
        );
    }

    #[test]
    fn bad_configuration_is_refused() {
        assert!(matches!(
            ClientBuilder::new().api_version("21").build_with_env(None),
            Err(ClientError::Config(_))
        ));
        assert!(matches!(
            ClientBuilder::new()
                .localgram("ftp://x")
                .build_with_env(None),
            Err(ClientError::Config(_))
        ));
        let c = ClientBuilder::new()
            .api_version("")
            .build_with_env(None)
            .unwrap();
        assert_eq!(c.api_version(), None);
    }

    #[test]
    fn client_debug_hides_secrets() {
        let c = ClientBuilder::new()
            .app_secret(AppSecret::new("s3cr3t-value"))
            .access_token(AccessToken::new("IGQVJtoken-value"))
            .build_with_env(None)
            .unwrap();
        let s = format!("{c:?}");
        assert!(
            !s.contains("s3cr3t-value") && !s.contains("IGQVJtoken-value"),
            "{s}"
        );
    }
}
