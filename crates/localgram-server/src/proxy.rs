//! The plain listener as a proxy for the Meta hosts, so that a client needs only
//! `HTTPS_PROXY=http://127.0.0.1:8090` and the CA (`docs/tls.md`).
//!
//! - `CONNECT graph.instagram.com:443` (any of the five hosts, port 443) as the first request of a
//!   connection is answered `200 Connection established`; Localgram then terminates TLS on that
//!   connection with its own certificate and serves the tunnelled requests with the same router
//!   and connection limits as any other connection ([`crate::conn`]).
//! - `CONNECT` to any other host or port is answered 403 with a text naming the hosts served,
//!   and the connection is closed: Localgram is not a general proxy and never opens a connection
//!   to the network.
//! - An absolute-form request (`GET http://graph.facebook.com/v21.0/me`) for a Meta host, or for
//!   the loopback, is served like any request ([`check_absolute`]); for another host it is
//!   refused the same way.

use crate::http::host::HOSTS;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse as _, Response};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};

/// The largest request header (request line included) a connection accepts, here and in
/// `conn.rs`; larger ones answer 431.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

const CONNECT: &[u8] = b"CONNECT ";

/// The text of a refusal.
pub fn refusal_text(target: &str) -> String {
    format!(
        "Localgram is not a general proxy: it answers only for {} (HTTPS on port 443, or plain \
         HTTP), and never connects to the network. {target} was refused.\n",
        HOSTS.join(", ")
    )
}

/// A stream whose first bytes were already read: they are read again first.
pub struct Prefixed<S> {
    head: Vec<u8>,
    pos: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.pos < self.head.len() {
            let n = (self.head.len() - self.pos).min(buf.remaining());
            let start = self.pos;
            buf.put_slice(&self.head[start..start + n]);
            self.pos += n;
            if self.pos == self.head.len() {
                self.head = Vec::new();
                self.pos = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// What a plain connection turned out to be.
pub enum Opened<S> {
    /// HTTP: serve it (the bytes read are replayed).
    Http(Prefixed<S>),
    /// A tunnel to a Meta host, TLS established: serve it as HTTPS.
    Tunnel(Box<tokio_rustls::server::TlsStream<Prefixed<S>>>),
    /// Refused, failed or silent: nothing more to do.
    Closed,
}

/// Reads the start of a plain connection and, for a `CONNECT`, answers it (see the module
/// documentation). `timeout` bounds the reading of the request and the TLS handshake.
pub async fn open<S>(
    mut stream: S,
    acceptor: &tokio_rustls::TlsAcceptor,
    timeout: Duration,
) -> Opened<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(timeout, async {
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok::<bool, std::io::Error>(false);
            }
            head.extend_from_slice(&buf[..n]);
            let start = &head[..head.len().min(CONNECT.len())];
            if !CONNECT.starts_with(start) {
                return Ok(true);
            }
            if head.len() >= CONNECT.len()
                && (head.windows(4).any(|w| w == b"\r\n\r\n") || head.len() > MAX_HEADER_BYTES)
            {
                return Ok(true);
            }
        }
    })
    .await;
    match read {
        Ok(Ok(true)) => {}
        // Nothing sent in time, an end of stream or an error: close, as hyper does.
        Ok(Ok(false) | Err(_)) | Err(_) => return Opened::Closed,
    }
    if !head.starts_with(CONNECT) {
        return Opened::Http(Prefixed {
            head,
            pos: 0,
            inner: stream,
        });
    }
    let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
        let _ = stream
            .write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
            .await;
        return Opened::Closed;
    };
    let target = String::from_utf8_lossy(&head[CONNECT.len()..end])
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned();
    let (host, port) = crate::http::origin::split_authority(&target);
    if !(HOSTS.contains(&host.as_str()) && port == Some(443)) {
        tracing::info!(target = %target, "refused a CONNECT to a host Localgram does not serve");
        let body = refusal_text(&format!("CONNECT {target}"));
        let answer = format!(
            "HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
        return Opened::Closed;
    }
    if stream
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .is_err()
    {
        return Opened::Closed;
    }
    let rest = head.split_off(end + 4);
    let inner = Prefixed {
        head: rest,
        pos: 0,
        inner: stream,
    };
    match tokio::time::timeout(timeout, acceptor.accept(inner)).await {
        Ok(Ok(tls)) => Opened::Tunnel(Box::new(tls)),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, target = %target, "TLS handshake in a tunnel failed");
            Opened::Closed
        }
        Err(_) => Opened::Closed,
    }
}

/// An absolute-form request (`GET http://host/…`) for a host Localgram does not serve: the 403
/// to answer. Meta hosts and the loopback (`localhost`, `127.0.0.1`, `[::1]`) are served. A
/// `CONNECT` that was not the first request of its connection is refused too.
pub fn check_absolute<B>(req: &Request<B>) -> Option<Response> {
    let authority = req.uri().authority()?;
    let (host, _) = crate::http::origin::split_authority(authority.as_str());
    let served = req.method() != axum::http::Method::CONNECT
        && (HOSTS.contains(&host.as_str())
            || host == "localhost"
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()));
    if served {
        return None;
    }
    let target = if req.method() == axum::http::Method::CONNECT {
        format!("CONNECT {authority} (not the first request of its connection)")
    } else {
        format!("{} {}", req.method(), req.uri())
    };
    tracing::info!(target = %target, "refused a proxy request for a host Localgram does not serve");
    Some(
        (
            StatusCode::FORBIDDEN,
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; charset=utf-8",
                ),
                (axum::http::header::CONNECTION, "close"),
            ],
            refusal_text(&target),
        )
            .into_response(),
    )
}
