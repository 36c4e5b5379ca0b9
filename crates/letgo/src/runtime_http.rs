//! A minimal HTTP/1.0 client for `/debug/pprof/` endpoints over plain
//! `http://`. HTTP/1.0 makes the server send the body as is and close the
//! connection (no chunking, no keep-alive), so the body can be streamed
//! straight into the decoders. TLS is left out on purpose: pprof endpoints
//! are served on an internal port, usually reached by a port-forward.

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

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

/// A response: its status and a reader positioned at the body.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body, as sent (ends when the server closes or after
    /// `Content-Length` bytes).
    pub body: Box<dyn BufRead + Send>,
}

/// Sends `GET url` and reads the status line and headers.
pub fn get(url: &HttpUrl) -> anyhow::Result<Response> {
    let shown = url.display();
    let addr = url
        .authority
        .to_socket_addrs()
        .with_context(|| format!("{shown}: cannot resolve {}", url.authority))?
        .next()
        .ok_or_else(|| anyhow!("{shown}: {} has no address", url.authority))?;
    let mut stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
        .with_context(|| format!("{shown}: cannot connect"))?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let request = format!(
        "GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: letgo\r\nAccept-Encoding: identity\r\n\r\n",
        url.path, url.host
    );
    std::io::Write::write_all(&mut stream, request.as_bytes())
        .with_context(|| format!("{shown}: cannot send the request"))?;
    let mut reader = BufReader::with_capacity(64 << 10, stream);
    let (status, length) =
        read_head(&mut reader).with_context(|| format!("{shown}: bad response"))?;
    let body: Box<dyn BufRead + Send> = match length {
        Some(n) => Box::new(BufReader::new(reader.take(n))),
        None => Box::new(reader),
    };
    Ok(Response { status, body })
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
        let mut response = get(&url).unwrap();
        let mut body = String::new();
        response.body.read_to_string(&mut body).unwrap();
        assert_eq!((response.status, body.as_str()), (200, "hello"));
        let request = server.join().unwrap();
        assert!(
            request.starts_with("GET /debug/pprof/heap HTTP/1.0\r\n"),
            "{request}"
        );
    }
}
