//! [`Page<T>`], one page of an edge, and [`PageStream<T>`], which follows the cursors to the end.
//!
//! End of data follows the Graph rules: only the absence of `paging.next` ends an edge (the last
//! page keeps its `cursors`; an empty page that still has `next` is followed). A `next` link or
//! an `after` cursor seen before, or a long run of empty pages, is a loop: the stream reports
//! [`ClientError::PagingLoop`] instead of spinning.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use localgram_types::Paging;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use crate::client::{Call, Client, Response};
use crate::error::{ClientError, Result};
use crate::secret::AccessToken;
use crate::usage::Usage;
use crate::util::redact_params_in_text;

/// How many empty pages in a row (each with a new `next`) are followed before the stream gives
/// up with [`ClientError::PagingLoop`].
pub const MAX_EMPTY_PAGES: u32 = 100;

/// `summary` of an edge asked with `summary=total_count`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Summary {
    /// The total number of items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
pub(crate) struct RawPage<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(default)]
    paging: Option<Paging>,
    #[serde(default)]
    summary: Option<Summary>,
}

/// One page of an edge (`{"data": [...], "paging": {...}}`).
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// The paging links and cursors, as sent.
    pub paging: Option<Paging>,
    /// The summary, when asked for.
    pub summary: Option<Summary>,
    /// The usage headers of the response.
    pub usage: Usage,
    client: Client,
    token: Option<AccessToken>,
}

impl<T: fmt::Debug> fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Paging links repeat the request's query, token included.
        let paging = self.paging.as_ref().map(|p| Paging {
            cursors: p.cursors.clone(),
            previous: p.previous.as_deref().map(redact_params_in_text),
            next: p.next.as_deref().map(redact_params_in_text),
        });
        f.debug_struct("Page")
            .field("data", &self.data)
            .field("paging", &paging)
            .field("summary", &self.summary)
            .field("usage", &self.usage)
            .finish_non_exhaustive()
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

impl<T> Page<T> {
    pub(crate) fn from_response(
        response: Response<RawPage<T>>,
        client: Client,
        token: Option<AccessToken>,
    ) -> Self {
        let raw = response.value;
        Self {
            data: raw.data,
            paging: raw.paging,
            summary: raw.summary,
            usage: response.usage,
            client,
            token,
        }
    }

    /// The `next` link, when there is a next page.
    pub fn next_url(&self) -> Option<&str> {
        self.paging.as_ref().and_then(|p| non_empty(&p.next))
    }

    /// Whether a next page exists (only the presence of `paging.next` says so).
    pub fn has_next(&self) -> bool {
        self.next_url().is_some()
    }

    /// The `after` cursor, if any.
    pub fn after(&self) -> Option<&str> {
        self.paging
            .as_ref()
            .and_then(|p| p.cursors.as_ref())
            .and_then(|c| non_empty(&c.after))
    }

    /// The `before` cursor, if any.
    pub fn before(&self) -> Option<&str> {
        self.paging
            .as_ref()
            .and_then(|p| p.cursors.as_ref())
            .and_then(|c| non_empty(&c.before))
    }

    /// The items, dropping the paging.
    pub fn into_items(self) -> Vec<T> {
        self.data
    }
}

fn next_call(client: &Client, token: &Option<AccessToken>, next: &str) -> Result<Call> {
    let url = Url::parse(next).map_err(|e| ClientError::Decode {
        path: "paging.next".into(),
        message: format!("not an absolute URL: {e}"),
        body_snippet: redact_params_in_text(next),
    })?;
    Ok(Call::follow(client, url, token.clone()))
}

impl<T: DeserializeOwned + Send + 'static> Page<T> {
    /// Fetches the next page by following `paging.next` as given (adding the client's token and
    /// `appsecret_proof` only if the link lacks them). `Ok(None)` on the last page.
    pub async fn next_page(&self) -> Result<Option<Page<T>>> {
        let Some(next) = self.next_url() else {
            return Ok(None);
        };
        let call = next_call(&self.client, &self.token, next)?;
        let response = call.send_json::<RawPage<T>>().await?;
        Ok(Some(Page::from_response(
            response,
            self.client.clone(),
            self.token.clone(),
        )))
    }

    /// All items of this page and of every following page, as a lazy stream: nothing is fetched
    /// until the items of this page have been consumed.
    pub fn into_stream(self) -> PageStream<T> {
        let mut state = StreamState::new(self.client, self.token, Next::Done);
        state.absorb(self.data, self.paging);
        PageStream::from_state(state)
    }
}

enum Next {
    First(Box<Call>),
    Url(String),
    Done,
}

struct StreamState<T> {
    client: Client,
    token: Option<AccessToken>,
    items: VecDeque<T>,
    next: Next,
    seen_next: HashSet<String>,
    seen_after: HashSet<String>,
    empty_run: u32,
    pending_error: Option<ClientError>,
}

impl<T> StreamState<T> {
    fn new(client: Client, token: Option<AccessToken>, next: Next) -> Self {
        Self {
            client,
            token,
            items: VecDeque::new(),
            next,
            seen_next: HashSet::new(),
            seen_after: HashSet::new(),
            empty_run: 0,
            pending_error: None,
        }
    }

    fn absorb(&mut self, data: Vec<T>, paging: Option<Paging>) {
        if data.is_empty() {
            self.empty_run += 1;
        } else {
            self.empty_run = 0;
        }
        self.items.extend(data);
        self.next = Next::Done;
        let Some(paging) = paging else { return };
        let Some(next) = non_empty(&paging.next) else {
            return;
        };
        let after = paging.cursors.as_ref().and_then(|c| non_empty(&c.after));
        let loop_detail = if !self.seen_next.insert(next.to_owned()) {
            Some("the server sent the same `next` link twice".to_owned())
        } else if let Some(after) = after.filter(|a| !self.seen_after.insert((*a).to_owned())) {
            Some(format!(
                "the server sent the `after` cursor `{after}` twice"
            ))
        } else if self.empty_run >= MAX_EMPTY_PAGES {
            Some(format!("{MAX_EMPTY_PAGES} empty pages in a row"))
        } else {
            None
        };
        match loop_detail {
            Some(detail) => self.pending_error = Some(ClientError::PagingLoop { detail }),
            None => self.next = Next::Url(next.to_owned()),
        }
    }
}

/// A lazy stream of every item of an edge, page after page.
///
/// Use it with `futures_util::StreamExt` (`while let Some(item) = stream.next().await`) or
/// collect it with [`collect_all`](Self::collect_all). After an error the stream ends.
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T>> + Send>>,
}

impl<T> fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream").finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + Send + 'static> PageStream<T> {
    /// A stream that sends `call` when first polled.
    pub(crate) fn from_call(call: Call) -> Self {
        let state = StreamState::new(
            call.client.clone(),
            call.token.clone(),
            Next::First(Box::new(call)),
        );
        Self::from_state(state)
    }

    fn from_state(state: StreamState<T>) -> Self {
        let stream = futures_util::stream::unfold(state, |mut st| async move {
            loop {
                if let Some(item) = st.items.pop_front() {
                    return Some((Ok(item), st));
                }
                if let Some(error) = st.pending_error.take() {
                    st.next = Next::Done;
                    return Some((Err(error), st));
                }
                let call = match std::mem::replace(&mut st.next, Next::Done) {
                    Next::Done => return None,
                    Next::First(call) => *call,
                    Next::Url(url) => match next_call(&st.client, &st.token, &url) {
                        Ok(call) => call,
                        Err(error) => return Some((Err(error), st)),
                    },
                };
                match call.send_json::<RawPage<T>>().await {
                    Ok(response) => {
                        let page = response.value;
                        st.absorb(page.data, page.paging);
                    }
                    Err(error) => return Some((Err(error), st)),
                }
            }
        });
        Self {
            inner: Box::pin(stream),
        }
    }

    /// Reads the whole stream into a vector, stopping at the first error.
    pub async fn collect_all(mut self) -> Result<Vec<T>> {
        use futures_util::StreamExt as _;
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}

impl<T> Stream for PageStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}
