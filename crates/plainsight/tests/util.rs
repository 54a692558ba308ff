//! Helpers shared by the integration tests: run the real binary, make test images.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn plainsight(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plainsight"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs")
}

/// The binary run in `dir` with `input` on its standard input.
pub fn plainsight_with_stdin(args: &[&str], dir: &Path, input: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_plainsight"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    // A command that refuses its arguments exits without reading its input: the
    // pipe is then closed under this write, which is no failure of the test.
    match child.stdin.take().unwrap().write_all(input) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.expect("input written"),
    }
    child.wait_with_output().expect("binary ends")
}

/// `plainsight hide --cover COVER --secret S… --out OUT EXTRA…` in `dir`.
pub fn hide(dir: &Path, cover: &str, secrets: &[&str], out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["hide", "--cover", cover];
    for secret in secrets {
        args.extend(["--secret", secret]);
    }
    args.extend(["--out", out]);
    args.extend(extra);
    plainsight(&args, dir)
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts exit code 2 with a one-line `error:` message containing `needle`.
pub fn assert_user_error(output: &Output, needle: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    assert!(err.contains(needle), "'{needle}' not in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A smooth, photo-like test image: gradients plus a few soft blobs.
pub fn photo_like(width: u32, height: u32, seed: u32) -> image::RgbImage {
    let s = seed as f32;
    image::RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = (x as f32 / width as f32, y as f32 / height as f32);
        let blob = ((u * 6.0 + s).sin() * (v * 4.0 - s).cos() + 1.0) * 0.5;
        let r = 255.0 * (0.2 + 0.6 * u * blob);
        let g = 255.0 * (0.3 + 0.5 * v);
        let b = 255.0 * (0.5 + 0.4 * (1.0 - blob) * (s * 0.3).cos().abs());
        image::Rgb([r as u8, g as u8, b as u8])
    })
}

pub fn save(image: &image::RgbImage, path: &Path) -> PathBuf {
    image.save(path).expect("test image saves");
    path.to_path_buf()
}

pub fn load(path: &Path) -> image::RgbImage {
    image::open(path).expect("output decodes").into_rgb8()
}

pub fn psnr(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let mse = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum::<f64>()
        / a.as_raw().len() as f64;
    10.0 * (255.0f64.powi(2) / mse.max(1e-12)).log10()
}

/// A child process killed when the test ends, pass or fail.
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `plainsight serve --port 0 EXTRA…` and the address it bound.
pub struct Server {
    pub address: String,
    _child: Child,
}

pub fn serve(extra: &[&str]) -> Server {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_plainsight"))
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let child = Child(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("server prints its URL");
    let address = line
        .trim()
        .strip_prefix("http://")
        .map(|rest| rest.trim_end_matches('/'))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    Server {
        address,
        _child: child,
    }
}

/// One HTTP/1.1 request over a fresh connection: `(status, body)`.
pub fn http(address: &str, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(address).expect("connects");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(180)))
        .unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("request head");
    // A server may answer (413) before reading a large body and close.
    let _ = stream.write_all(body);
    let reply = read_reply(stream);
    (reply.status, reply.body)
}

/// A reply: status, lower-cased header names with their values, body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one reply (the server closes after it: requests say `Connection: close`),
/// with a `Content-Length`, chunked, or up to the end of the stream.
pub fn read_reply(stream: std::net::TcpStream) -> Reply {
    use std::io::{BufRead, Read};
    let mut reader = std::io::BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header line");
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').expect("header");
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).expect("chunk size");
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap(), 16)
                .expect("hex chunk size");
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).expect("chunk");
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body).expect("body");
    } else {
        reader.read_to_end(&mut body).expect("body");
    }
    Reply {
        status,
        headers,
        body,
    }
}

/// `http` with a JSON body and a JSON reply.
pub fn http_json(
    address: &str,
    method: &str,
    path: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let (status, reply) = http(address, method, path, body.to_string().as_bytes());
    let value = serde_json::from_slice(&reply)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&reply)));
    (status, value)
}

/// A PNG as a `data:` URL, as the page sends it.
pub fn data_url(image: &image::RgbImage) -> String {
    use base64::Engine;
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// Decodes a `data:image/png;base64,…` (or `image/jpeg`) URL.
pub fn from_data_url(url: &str) -> image::RgbImage {
    use base64::Engine;
    let payload = url
        .strip_prefix("data:image/png;base64,")
        .or_else(|| url.strip_prefix("data:image/jpeg;base64,"))
        .unwrap_or_else(|| panic!("not a PNG or JPEG data URL: {}", &url[..url.len().min(40)]));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .expect("base64");
    image::load_from_memory(&bytes)
        .expect("the image decodes")
        .into_rgb8()
}
