//! A minimal HTTP/1.0 client for `/debug/pprof/` endpoints over plain
//! `http://`. HTTP/1.0 makes the server send the body as is and close the
//! connection (no chunking, no keep-alive), so the body can be streamed
//! straight into the decoders. TLS is left out on purpose: pprof endpoints
//! are served on an internal port, usually reached by a port-forward.

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Per read: a goroutine dump of a large program takes a while to write.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The most header bytes read before giving up on a response.
const MAX_HEADER_BYTES: usize = 64 << 10;

/// A parsed `http://host[:port][/path]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// `host:port`, the port defaulting to 80.
    pub authority: String,
    /// The host, for the `Host` header.
    pub host: String,
    /// The path and query, at least `/`.
    pub path: String,
}

impl HttpUrl {
    /// Parses `url`; an `https://` URL is an error that says what to do.
    pub fn parse(url: &str) -> anyhow::Result<HttpUrl> {
        if url.starts_with("https://") {
            bail!("{url}: https is not supported; reach the pprof port over plain http (e.g. a port-forward)");
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| anyhow!("{url}: expected an http:// URL"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            bail!("{url}: expected a host after http://");
        }
        let has_port = authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok());
        let host = authority.to_string();
        let authority = if has_port {
            host.clone()
        } else {
            format!("{host}:80")
        };
        Ok(HttpUrl {
            authority,
            host,
            path: path.to_string(),
        })
    }

    /// The same server with another path.
    pub fn with_path(&self, path: &str) -> HttpUrl {
        HttpUrl {
            path: path.to_string(),
            ..self.clone()
        }
    }

    /// As a user would type it.
    pub fn display(&self) -> String {
        format!("http://{}{}", self.host, self.path)
    }
}

/// When a request must be over, and how to say so when it is not.
#[derive(Debug, Clone)]
pub struct Deadline {
    /// The instant the exchange (connect, headers, body) is cut.
    pub at: Instant,
    /// The start of the message when cut: `timed out after 5 s`.
    pub why: String,
}

impl Deadline {
    /// `limit` from now, said as "timed out after N s".
    pub fn after(limit: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + limit,
            why: format!("timed out after {}", seconds(limit)),
        }
    }

    /// The earlier of two deadlines.
    pub fn min(self, other: Deadline) -> Deadline {
        if other.at < self.at {
            other
        } else {
            self
        }
    }

    fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }
}

/// `5 s`, `1.5 s`: durations in messages.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// How a request is made beyond `GET url`: credentials, a deadline for
/// the whole exchange, and a flag that cancels it (Ctrl-C).
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// Extra headers (`Authorization`, ...), checked to hold no line breaks.
    pub headers: Vec<(String, String)>,
    /// When the whole exchange (connect, headers, body) must be over.
    pub deadline: Option<Deadline>,
    /// Set from elsewhere to abandon the request at the next read.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// A response: its status and a reader positioned at the body.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Content-Length` the server announced, if any.
    pub content_length: Option<u64>,
    /// The body, as sent (ends when the server closes or after
    /// `Content-Length` bytes).
    pub body: Box<dyn BufRead + Send>,
}

/// Sends `GET url` with `options` and reads the status line and headers.
/// Past the deadline, the error says how long it waited and for what.
pub fn get_with(url: &HttpUrl, options: &RequestOptions) -> anyhow::Result<Response> {
    let shown = url.display();
    let addr = url
        .authority
        .to_socket_addrs()
        .with_context(|| format!("{shown}: cannot resolve {}", url.authority))?
        .next()
        .ok_or_else(|| anyhow!("{shown}: {} has no address", url.authority))?;
    let stream = connect(&addr, options.deadline.as_ref()).map_err(|e| anyhow!("{shown}: {e}"))?;
    std::io::Write::write_all(
        &mut &stream,
        request_text(url, &options.headers)?.as_bytes(),
    )
    .with_context(|| format!("{shown}: cannot send the request"))?;
    let stream = BoundedStream {
        stream,
        deadline: options.deadline.clone(),
        cancel: options.cancel.clone(),
        in_body: false,
        body_read: 0,
    };
    let mut reader = BufReader::with_capacity(64 << 10, stream);
    let (status, length) = read_head(&mut reader).map_err(|e| match cut_short(&e) {
        Some(why) => anyhow!("{shown}: {why}"),
        None => anyhow!("{shown}: bad response: {e:#}"),
    })?;
    let buffered = reader.buffer().len() as u64;
    let stream = reader.get_mut();
    stream.in_body = true;
    stream.body_read = buffered;
    let body: Box<dyn BufRead + Send> = match length {
        Some(n) => Box::new(BufReader::new(reader.take(n))),
        None => Box::new(reader),
    };
    Ok(Response {
        status,
        content_length: length,
        body,
    })
}

/// Connects within the deadline (and at most [`CONNECT_TIMEOUT`]).
fn connect(addr: &std::net::SocketAddr, deadline: Option<&Deadline>) -> Result<TcpStream, String> {
    let limit = deadline.map_or(CONNECT_TIMEOUT, Deadline::remaining);
    if limit.is_zero() {
        let why = deadline.map_or("timed out", |d| d.why.as_str());
        return Err(format!("{why} before connecting"));
    }
    let stream =
        TcpStream::connect_timeout(addr, limit.min(CONNECT_TIMEOUT)).map_err(|e| {
            match (e.kind(), deadline) {
                (std::io::ErrorKind::TimedOut, Some(d)) if limit <= CONNECT_TIMEOUT => {
                    format!("{} while connecting", d.why)
                }
                (std::io::ErrorKind::TimedOut, _) => {
                    format!(
                        "cannot connect: timed out after {}",
                        seconds(CONNECT_TIMEOUT)
                    )
                }
                _ => format!("cannot connect: {e}"),
            }
        })?;
    stream
        .set_read_timeout(Some(READ_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(CONNECT_TIMEOUT)))
        .map_err(|e| format!("cannot set up the connection: {e}"))?;
    Ok(stream)
}

/// The message of a request cut at its deadline, when `e` is one: an
/// I/O error of kind `TimedOut` made by [`BoundedStream`], anywhere in the
/// chain (a decoder may wrap it).
pub fn cut_short(e: &anyhow::Error) -> Option<String> {
    e.chain().find_map(|cause| {
        let io = cause.downcast_ref::<std::io::Error>()?;
        let own = io.get_ref().is_some_and(|inner| inner.is::<CutShort>());
        (io.kind() == std::io::ErrorKind::TimedOut && own).then(|| io.to_string())
    })
}

/// The payload of the I/O error a deadline raises, so that
/// [`cut_short`] tells it from the operating system's own timeouts.
#[derive(Debug)]
struct CutShort(String);

impl std::fmt::Display for CutShort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CutShort {}

/// The request's text; a header with a line break in it is an error,
/// since it would smuggle other headers in.
fn request_text(url: &HttpUrl, headers: &[(String, String)]) -> anyhow::Result<String> {
    let mut text = format!(
        "GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: letgo\r\nAccept-Encoding: identity\r\n",
        url.path, url.host
    );
    for (name, value) in headers {
        if name.is_empty() || [name, value].iter().any(|s| s.contains(['\r', '\n'])) {
            bail!("header `{name}`: expected a name and a value without line breaks");
        }
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    Ok(text)
}

/// How long one read waits before the deadline and the cancel flag are
/// looked at again.
const POLL: Duration = Duration::from_millis(100);

/// A connection whose reads give up at a deadline or when cancelled, so a
/// target that stalls (or sends a byte a second) cannot hold a run past
/// its time.
struct BoundedStream {
    stream: TcpStream,
    deadline: Option<Deadline>,
    cancel: Option<Arc<AtomicBool>>,
    /// The headers are read; reads are now of the body.
    in_body: bool,
    /// Body bytes read so far, for the message when cut.
    body_read: u64,
}

impl BoundedStream {
    fn expired(&self, deadline: &Deadline) -> std::io::Error {
        let what = if self.in_body {
            format!("while reading the body ({} bytes read)", self.body_read)
        } else {
            "while waiting for the response headers".to_string()
        };
        std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            CutShort(format!("{} {what}", deadline.why)),
        )
    }

    fn read_bounded(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some(deadline) = self.deadline.clone() else {
            if self.cancel.is_none() {
                return self.stream.read(buf);
            }
            return self.read_polling(buf, None);
        };
        self.read_polling(buf, Some(&deadline))
    }

    /// Reads in slices of at most [`POLL`], looking at the cancel flag
    /// and the deadline between them.
    fn read_polling(
        &mut self,
        buf: &mut [u8],
        deadline: Option<&Deadline>,
    ) -> std::io::Result<usize> {
        loop {
            if self
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                // Not `Interrupted`: `read_to_end` would retry it forever.
                return Err(std::io::Error::other("cancelled (Ctrl-C)"));
            }
            let wait = deadline.map_or(POLL, Deadline::remaining);
            if wait.is_zero() {
                return Err(self.expired(deadline.expect("only a deadline runs out")));
            }
            self.stream.set_read_timeout(Some(wait.min(POLL)))?;
            match self.stream.read(buf) {
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                other => return other,
            }
        }
    }
}

impl Read for BoundedStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.read_bounded(buf)?;
        if self.in_body {
            self.body_read += n as u64;
        }
        Ok(n)
    }
}

/// Reads the status line and headers; returns the status and the
/// `Content-Length`, if any.
fn read_head(reader: &mut impl BufRead) -> anyhow::Result<(u16, Option<u64>)> {
    let mut read = 0usize;
    let mut line = String::new();
    let mut next_line = |line: &mut String| -> anyhow::Result<()> {
        line.clear();
        let n = reader
            .by_ref()
            .take(MAX_HEADER_BYTES as u64)
            .read_line(line)?;
        read += n;
        if n == 0 || read > MAX_HEADER_BYTES {
            bail!("expected an HTTP status line and headers, found {read} bytes without their end");
        }
        Ok(())
    };
    next_line(&mut line)?;
    let status = parse_status_line(line.trim_end())?;
    let mut length = None;
    loop {
        next_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            return Ok((status, length));
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
}

fn parse_status_line(line: &str) -> anyhow::Result<u16> {
    let mut parts = line.split_whitespace();
    let version = parts.next().unwrap_or("");
    let code = parts.next().and_then(|c| c.parse().ok());
    match code {
        Some(code) if version.starts_with("HTTP/") => Ok(code),
        _ => bail!(
            "expected `HTTP/1.x <status>`, found `{}`",
            line.chars().take(80).collect::<String>()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = HttpUrl::parse("http://localhost:6060").unwrap();
        assert_eq!(
            (u.authority.as_str(), u.path.as_str()),
            ("localhost:6060", "/")
        );
        let u = HttpUrl::parse("http://example.com/debug/pprof/heap?gc=1").unwrap();
        assert_eq!(u.authority, "example.com:80");
        assert_eq!(u.path, "/debug/pprof/heap?gc=1");
        assert!(HttpUrl::parse("https://x")
            .unwrap_err()
            .to_string()
            .contains("https"));
        assert!(HttpUrl::parse("http:///x").is_err());
    }

    #[test]
    fn heads() {
        let mut r = &b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc"[..];
        assert_eq!(read_head(&mut r).unwrap(), (404, Some(3)));
        assert_eq!(r, b"abc");
        let mut r = &b"SSH-2.0-OpenSSH\r\n"[..];
        assert!(read_head(&mut r)
            .unwrap_err()
            .to_string()
            .contains("HTTP/1.x"));
        let mut r = &b"HTTP/1.0 200 OK\r\nX: y\r\n"[..];
        assert!(read_head(&mut r).is_err());
    }

    #[test]
    fn a_real_exchange_over_loopback() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let n = conn.read(&mut buf).unwrap();
            let request = String::from_utf8_lossy(&buf[..n]).into_owned();
            std::io::Write::write_all(&mut conn, b"HTTP/1.0 200 OK\r\n\r\nhello").unwrap();
            request
        });
        let url = HttpUrl::parse(&format!("http://127.0.0.1:{port}/debug/pprof/heap")).unwrap();
        let mut response = get_with(&url, &RequestOptions::default()).unwrap();
        let mut body = String::new();
        response.body.read_to_string(&mut body).unwrap();
        assert_eq!((response.status, body.as_str()), (200, "hello"));
        let request = server.join().unwrap();
        assert!(
            request.starts_with("GET /debug/pprof/heap HTTP/1.0\r\n"),
            "{request}"
        );
    }

    #[test]
    fn headers_are_sent_and_line_breaks_refused() {
        let url = HttpUrl::parse("http://h:1/x").unwrap();
        let text = request_text(&url, &[("Authorization".into(), "Bearer t".into())]).unwrap();
        assert!(text.ends_with("Authorization: Bearer t\r\n\r\n"), "{text}");
        let err = request_text(&url, &[("X".into(), "a\r\nEvil: 1".into())]).unwrap_err();
        assert!(err.to_string().contains("line breaks"), "{err}");
    }

    #[test]
    fn a_stalled_body_times_out_at_the_deadline() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf).unwrap();
            std::io::Write::write_all(&mut conn, b"HTTP/1.0 200 OK\r\n\r\npart").unwrap();
            std::thread::sleep(Duration::from_secs(2));
        });
        let url = HttpUrl::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let options = RequestOptions {
            deadline: Some(Deadline::after(Duration::from_millis(300))),
            ..RequestOptions::default()
        };
        let started = Instant::now();
        let mut response = get_with(&url, &options).unwrap();
        let mut body = Vec::new();
        let err = response.body.read_to_end(&mut body).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert_eq!(
            err.to_string(),
            "timed out after 0.3 s while reading the body (4 bytes read)"
        );
        assert_eq!(body, b"part");
        assert!(started.elapsed() < Duration::from_secs(2));
        server.join().unwrap();
    }
}
