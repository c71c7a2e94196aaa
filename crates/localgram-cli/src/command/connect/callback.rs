//! The loopback listener that receives the authorization redirect (RFC 8252 §7.3): bound on
//! `127.0.0.1`, it answers 404 to anything but a `GET` of the redirect path, and hands back the
//! first such request with its connection, so that the browser is answered once the login has
//! finished (or failed).

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::error::CliError;

/// The largest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// A bound listener.
pub struct Callback {
    listener: TcpListener,
    path: String,
    port: u16,
}

/// The redirect request, with the connection to answer it on.
pub struct Redirect {
    /// The request target (`/callback?code=…&state=…`).
    pub target: String,
    stream: TcpStream,
}

impl Callback {
    /// Binds `127.0.0.1:port` (0 picks a free port) for redirects to `path`.
    pub async fn bind(port: u16, path: &str) -> Result<Self, CliError> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            CliError::other(format!(
                "cannot listen on 127.0.0.1:{port} for the redirect: {e}"
            ))
        })?;
        let port = listener.local_addr()?.port();
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Ok(Self {
            listener,
            path,
            port,
        })
    }

    /// The redirect URI to register and send: `http://127.0.0.1:PORT/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, self.path)
    }

    /// Waits for the redirect. Other requests (a favicon, a stray probe) get a 404. Each
    /// connection is read on a task of its own, so that an idle one (a browser's speculative
    /// preconnect) holds nothing up.
    pub async fn wait(&self) -> Result<Redirect, CliError> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Redirect>(1);
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, _) = accepted?;
                    connections.spawn(serve(stream, self.path.clone(), tx.clone()));
                }
                Some(redirect) = rx.recv() => return Ok(redirect),
            }
        }
    }
}

/// Reads one request: the redirect goes to `found`, anything else gets a 404.
async fn serve(mut stream: TcpStream, path: String, found: tokio::sync::mpsc::Sender<Redirect>) {
    let Ok(Ok(head)) = tokio::time::timeout(Duration::from_secs(30), read_head(&mut stream)).await
    else {
        return;
    };
    let mut parts = head.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method == "GET" && target.split(['?', '#']).next() == Some(path.as_str()) {
        let redirect = Redirect {
            target: target.to_owned(),
            stream,
        };
        if let Err(tokio::sync::mpsc::error::SendError(mut late)) = found.send(redirect).await {
            let _ = respond(
                &mut late.stream,
                "409 Conflict",
                "already handled",
                "This login has already been handled.",
            )
            .await;
        }
        return;
    }
    let _ = respond(&mut stream, "404 Not Found", "Not found", "Nothing here.").await;
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < MAX_HEAD {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page's look: the emulator's own pages' card, inline (this page loads nothing).
const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;background:#fafafa;color:#262626;margin:0}\
.card{max-width:28rem;margin:3rem auto;background:#fff;border:1px solid #dbdbdb;padding:2rem;border-radius:4px}\
.brand{font-weight:700;font-size:1.4rem;margin-top:0}h1{font-size:1.1rem}\
#message{overflow-wrap:anywhere}\
@media (max-width:30rem){.card{margin:.5rem;padding:1rem}}";

async fn respond(
    stream: &mut TcpStream,
    status: &str,
    title: &str,
    message: &str,
) -> std::io::Result<()> {
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Localgram: {}</title><style>{PAGE_STYLE}</style></head>\n\
         <body><main class=\"card\"><p class=\"brand\">Localgram</p><h1>{}</h1>\
         <p id=\"message\">{}</p></main></body></html>\n",
        escape(title),
        escape(title),
        escape(message)
    );
    // The URL that brought the browser here carries the code: keep it out of any Referer.
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Frame-Options: DENY\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

impl Redirect {
    /// Answers the browser: the login worked.
    pub async fn succeed(mut self, message: &str) {
        let _ = respond(&mut self.stream, "200 OK", "logged in", message).await;
    }

    /// Answers the browser: the login failed, and why.
    pub async fn fail(mut self, error: &CliError) {
        let _ = respond(
            &mut self.stream,
            "400 Bad Request",
            "login failed",
            &error.to_string(),
        )
        .await;
    }
}
