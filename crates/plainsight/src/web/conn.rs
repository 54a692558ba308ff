//! Connections: accepting them, checking the request line, handing them to hyper.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{sleep, timeout, timeout_at, Instant, Sleep};

use super::MAX_CONNECTIONS;

/// The longest request line we read before giving up on it.
const MAX_REQUEST_LINE: usize = 8 * 1024;

/// A reply that the client does not read for this long (the socket's send buffer
/// stays full) ends its connection, so a client that never reads cannot keep a
/// large reply in memory.
const WRITE_STALL: Duration = Duration::from_secs(30);

/// Accepts connections until the process ends.
pub async fn accept(listener: TcpListener, router: Router, read_timeout: Duration) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, or a connection reset while queued:
                // wait a little rather than spin.
                eprintln!("plainsight serve: cannot accept a connection: {e}");
                sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let Some(stream) = check_request_line(stream, read_timeout).await else {
                return;
            };
            let served = http1::Builder::new()
                .timer(TokioTimer::new())
                // The headers must arrive within the read timeout; the body has
                // its own deadline (admission::read_body).
                .header_read_timeout(read_timeout)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router));
            // A client that goes away mid-request is nothing to report.
            let _ = served.await;
        });
    }
}

/// Reads the first request line and answers a JSON 400 when it is not HTTP.
///
/// hyper answers a request it cannot parse by itself, with an empty 400 before
/// any of our code runs; by looking at the first line first, garbage sent instead
/// of a request gets our JSON error. Past the first line (a malformed header, or a
/// malformed later request on a kept-alive connection), hyper's empty 400 stands.
async fn check_request_line(mut stream: TcpStream, read_timeout: Duration) -> Option<Rewind> {
    let deadline = Instant::now() + read_timeout;
    let mut buffer = Vec::with_capacity(1024);
    loop {
        // Empty lines before a request line are allowed (RFC 9112, 2.2).
        let start = buffer.iter().position(|&b| b != b'\r' && b != b'\n');
        if let Some(start) = start {
            if let Some(length) = buffer[start..].iter().position(|&b| b == b'\n') {
                let line = &buffer[start..start + length];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if is_request_line(line) {
                    return Some(Rewind::new(buffer, stream));
                }
                refuse(
                    stream,
                    "400 Bad Request",
                    "this is not an HTTP request: its first line should look like \
                     \"GET /api/info HTTP/1.1\"",
                )
                .await;
                return None;
            }
        }
        if buffer.len() >= MAX_REQUEST_LINE {
            refuse(
                stream,
                "400 Bad Request",
                "the request line is longer than this server accepts",
            )
            .await;
            return None;
        }
        let mut chunk = (&mut stream).take((MAX_REQUEST_LINE - buffer.len()) as u64);
        match timeout_at(deadline, chunk.read_buf(&mut buffer)).await {
            Err(_) => {
                if !buffer.is_empty() {
                    refuse(
                        stream,
                        "408 Request Timeout",
                        "the request did not arrive in time",
                    )
                    .await;
                }
                return None;
            }
            // Gone before saying anything, or reset.
            Ok(Ok(0)) | Ok(Err(_)) => return None,
            Ok(Ok(_)) => {}
        }
    }
}

/// `METHOD TARGET HTTP/x.y`, as loosely as hyper accepts it.
fn is_request_line(line: &[u8]) -> bool {
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let token = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    let version_ok = version.len() == 8
        && version.starts_with(b"HTTP/")
        && version[5].is_ascii_digit()
        && version[6] == b'.'
        && version[7].is_ascii_digit();
    !method.is_empty()
        && method.iter().all(token)
        && !target.is_empty()
        && target
            .iter()
            .all(|&b| (0x21..0x7f).contains(&b) || b >= 0x80)
        && version_ok
}

/// Writes a JSON error and closes the connection gently (reading what the
/// client still sends for a moment, so the reply is not lost to a reset).
async fn refuse(mut stream: TcpStream, status: &str, message: &str) {
    let body = serde_json::json!({ "error": message }).to_string();
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = timeout(Duration::from_secs(2), async {
        stream.write_all(reply.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut drained = 0;
        while drained < 1 << 20 {
            match stream.read(&mut sink).await? {
                0 => break,
                n => drained += n,
            }
        }
        io::Result::Ok(())
    })
    .await;
}

/// The connection after its first bytes were read: those bytes first, then the
/// socket. Writes that stall for [`WRITE_STALL`] fail.
pub struct Rewind {
    prefix: Vec<u8>,
    position: usize,
    inner: TcpStream,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl Rewind {
    fn new(prefix: Vec<u8>, inner: TcpStream) -> Self {
        Rewind {
            prefix,
            position: 0,
            inner,
            stalled: None,
        }
    }

    /// After a write that could not proceed: fails once it has waited too long.
    fn poll_stall(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(sleep(WRITE_STALL)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading",
            )),
            Poll::Pending => Poll::Pending,
        }
    }

    fn track<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Pending => match self.poll_stall(cx) {
                Poll::Ready(e) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            },
            ready => {
                self.stalled = None;
                ready
            }
        }
    }
}

impl AsyncRead for Rewind {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.position < this.prefix.len() {
            let n = buf.remaining().min(this.prefix.len() - this.position);
            buf.put_slice(&this.prefix[this.position..this.position + n]);
            this.position += n;
            if this.position == this.prefix.len() {
                this.prefix = Vec::new();
                this.position = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.track(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.track(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.track(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
