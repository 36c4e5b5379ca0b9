//! A Go test service run by the watch tests: started from its built
//! binary, driven by a request loop, killed on drop. Included by path
//! (`#[path = "common/service.rs"]`) where needed.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A running service, killed on drop. It prints `listening on
/// http://ADDR` as its first line.
pub struct Service {
    child: Child,
    pub addr: String,
}

impl Service {
    pub fn start(binary: &Path, args: &[&str]) -> Service {
        let mut child = Command::new(binary)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the service");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the service prints its address");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Service { child, addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Requests over `paths`, round robin with `pause` between them, until
/// stopped; failed requests (a restarting target) are not counted.
pub struct Load {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<u64>>,
}

impl Load {
    pub fn start(addr: &str, paths: &'static [&'static str], pause: Duration) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, addr) = (Arc::clone(&stop), addr.to_string());
        let thread = std::thread::spawn(move || {
            let mut ok = 0;
            for i in 0.. {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                ok += u64::from(get(&addr, paths[i % paths.len()]).is_some());
                std::thread::sleep(pause);
            }
            ok
        });
        Load {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the loop; how many requests succeeded.
    pub fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().map_or(0, |t| t.join().unwrap())
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The body of a GET answered 200 or 204.
pub fn get(addr: &str, path: &str) -> Option<Vec<u8>> {
    let mut conn = TcpStream::connect(addr).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    conn.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    conn.read_to_end(&mut response).ok()?;
    let status = response.get(9..12)?;
    if status != b"200" && status != b"204" {
        return None;
    }
    let body = response.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    Some(response[body..].to_vec())
}
