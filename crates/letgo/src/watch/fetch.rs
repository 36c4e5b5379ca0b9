//! Fetching one profile from the target, defensively: a body larger than
//! the cap is cut off and refused, a body shorter than its announced
//! length is refused as truncated, and every failure becomes a reason a
//! person can read in `samples.jsonl`.

use std::io::Read;
use std::time::{Duration, Instant};

use crate::runtime::http::{self, HttpUrl, RequestOptions};

/// Why an endpoint could not be sampled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// HTTP 404: the target does not serve this profile.
    NotServed,
    /// Anything else, said for a person.
    Failed(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::NotServed => write!(f, "not served (HTTP 404)"),
            FetchError::Failed(reason) => write!(f, "{reason}"),
        }
    }
}

/// A body as served, and how long getting it took.
#[derive(Debug)]
pub struct Fetched {
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

/// GETs `url` and reads its whole body, at most `max_body` bytes.
pub fn fetch(
    url: &HttpUrl,
    options: &RequestOptions,
    max_body: u64,
) -> Result<Fetched, FetchError> {
    let started = Instant::now();
    let failed = |e: anyhow::Error| FetchError::Failed(reason_of(&e, url));
    let response = http::get_with(url, options).map_err(failed)?;
    match response.status {
        200 => {}
        404 => return Err(FetchError::NotServed),
        status => return Err(FetchError::Failed(format!("HTTP status {status}"))),
    }
    if let Some(n) = response.content_length.filter(|&n| n > max_body) {
        return Err(FetchError::Failed(format!(
            "body of {n} bytes is over the cap of {max_body} bytes (--max-body-mib)"
        )));
    }
    let mut body = Vec::new();
    response
        .body
        .take(max_body + 1)
        .read_to_end(&mut body)
        .map_err(|e| FetchError::Failed(io_reason(&e, body.len())))?;
    if body.len() as u64 > max_body {
        return Err(FetchError::Failed(format!(
            "body is over the cap of {max_body} bytes (--max-body-mib); cut off"
        )));
    }
    if let Some(n) = response.content_length.filter(|&n| n != body.len() as u64) {
        return Err(FetchError::Failed(format!(
            "truncated: {} of the {n} bytes announced arrived",
            body.len()
        )));
    }
    Ok(Fetched {
        body,
        elapsed: started.elapsed(),
    })
}

/// The cause of a connection or header error, without the URL the record
/// already names.
fn reason_of(e: &anyhow::Error, url: &HttpUrl) -> String {
    let text = format!("{e:#}");
    let prefix = format!("{}: ", url.display());
    text.strip_prefix(&prefix).unwrap_or(&text).to_string()
}

fn io_reason(e: &std::io::Error, read: usize) -> String {
    match e.kind() {
        // The deadline's own message says how long and while doing what.
        std::io::ErrorKind::TimedOut => e.to_string(),
        _ => format!("reading the body failed after {read} bytes: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    /// Serves `response` once and returns the URL.
    fn serve_once(response: &'static [u8]) -> HttpUrl {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 2048];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(response);
        });
        HttpUrl::parse(&format!("http://127.0.0.1:{port}/debug/pprof/heap")).unwrap()
    }

    fn get(response: &'static [u8], cap: u64) -> Result<Fetched, FetchError> {
        fetch(&serve_once(response), &RequestOptions::default(), cap)
    }

    #[test]
    fn statuses_caps_and_truncation() {
        let ok = get(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", 100).unwrap();
        assert_eq!(ok.body, b"hello");
        assert_eq!(
            get(b"HTTP/1.0 404 Not Found\r\n\r\n", 100).unwrap_err(),
            FetchError::NotServed
        );
        let err = get(b"HTTP/1.0 500 Oops\r\n\r\nboom", 100).unwrap_err();
        assert_eq!(err.to_string(), "HTTP status 500");
        let err = get(b"HTTP/1.0 200 OK\r\n\r\n0123456789", 4).unwrap_err();
        assert!(err.to_string().contains("over the cap of 4 bytes"), "{err}");
        let err = get(b"HTTP/1.0 200 OK\r\nContent-Length: 99\r\n\r\n0123", 4).unwrap_err();
        assert!(
            err.to_string().contains("99 bytes is over the cap"),
            "{err}"
        );
        let err = get(b"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\n0123", 100).unwrap_err();
        assert!(err.to_string().contains("truncated: 4 of the 9"), "{err}");
        let err = get(b"garbage\r\n\r\n", 100).unwrap_err();
        assert!(err.to_string().contains("HTTP/1.x"), "{err}");
    }

    #[test]
    fn a_refused_connection_says_so() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let url = HttpUrl::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let err = fetch(&url, &RequestOptions::default(), 10).unwrap_err();
        assert!(err.to_string().starts_with("cannot connect"), "{err}");
    }
}
