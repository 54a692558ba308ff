//! End to end: the page of `plainsight serve` in a real headless Chromium,
//! driven over WebDriver (chromedriver) the way a person would use it.
//!
//! Needs `chromium` and `chromedriver` (Debian: `chromium`, `chromium-driver`).
//! Without them the test says so and passes, unless PLAINSIGHT_REQUIRE_BROWSER=1
//! (set by `.ci/run`), where it fails. PLAINSIGHT_SCREENSHOTS=DIR saves the
//! page's screenshots there (how docs/web-*.png are made).

mod util;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use util::{from_data_url, http, psnr, serve, Child};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

#[test]
fn hide_download_and_reveal_in_a_real_browser() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = serve(&[]);
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let dir = tempfile::tempdir().unwrap();
    let cover_path = assets.join("astronaut.png");
    let secret_path = assets.join("coffee.png");
    browser.goto(&format!("http://{}/", server.address));

    // A file that is not a picture gets a message, not a request.
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, "not a picture").unwrap();
    browser.send_file("#cover-input", &text_file);
    let message = browser.wait_for("return document.getElementById('hide-message').textContent");
    assert!(message
        .as_str()
        .unwrap()
        .contains("not a PNG, JPEG, TIFF or BMP"));
    assert_eq!(
        browser.script("return document.getElementById('hide-button').disabled"),
        true
    );

    browser.send_file("#cover-input", &cover_path);
    browser.send_file("#secrets-input", &secret_path);
    browser.type_text("#hide-key", "open sesame");
    browser.wait_for("return !document.getElementById('hide-button').disabled || null");
    assert_eq!(
        browser.script("return document.getElementById('hide-message').textContent"),
        ""
    );
    browser.click("#hide-button");
    let href = browser.wait_for(
        "const a = document.getElementById('download-container'); \
         return a.getAttribute('href').startsWith('data:image/png') ? a.getAttribute('href') : null",
    );
    let metrics = browser.script("return document.getElementById('hide-metrics').textContent");
    assert!(metrics.as_str().unwrap().contains("PSNR"), "{metrics}");

    // "Download": the link's bytes, saved as the browser would save them.
    let container = from_data_url(href.as_str().unwrap());
    let cover = util::load(&cover_path);
    assert_eq!(container.dimensions(), cover.dimensions());
    assert!(psnr(&cover, &container) > 28.0);
    let container_path = dir.path().join("container.png");
    util::save(&container, &container_path);
    browser.screenshot("web-hide.png");

    browser.click("#tab-reveal");
    browser.send_file("#container-input", &container_path);
    browser.type_text("#reveal-key", "open sesame");
    browser.wait_for("return !document.getElementById('reveal-button').disabled || null");
    browser.click("#reveal-button");
    let src = browser.wait_for(
        "const img = document.querySelector('.revealed-img'); return img ? img.src : null",
    );
    let revealed = from_data_url(src.as_str().unwrap());
    let secret = util::load(&secret_path);
    let quality = psnr(&secret, &revealed);
    assert!(quality > 24.0, "revealed PSNR {quality}");
    browser.screenshot("web-reveal.png");

    // Look inside the same container, with its cover and secret.
    browser.click("#tab-inspect");
    browser.send_file("#inspect-container-input", &container_path);
    browser.send_file("#inspect-cover-input", &cover_path);
    browser.send_file("#inspect-secrets-input", &secret_path);
    browser.type_text("#inspect-key", "open sesame");
    browser.wait_for("return !document.getElementById('inspect-button').disabled || null");
    browser.click("#inspect-button");
    let figure = browser.wait_for(
        "const img = document.getElementById('inspect-figure'); \
         return img.src.startsWith('data:image/png') ? img.src : null",
    );
    assert_eq!(from_data_url(figure.as_str().unwrap()).width(), 1084);
    let metrics = browser.script("return document.getElementById('inspect-metrics').textContent");
    assert!(
        metrics.as_str().unwrap().contains("depends on"),
        "{metrics}"
    );
    browser.screenshot("web-inspect.png");

    // Phone width: nothing sticks out sideways.
    browser.command(
        "POST",
        "window/rect",
        json!({ "width": 390, "height": 844 }),
    );
    let fits = browser.script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth",
    );
    assert_eq!(fits, true, "the page scrolls sideways at phone width");
    browser.click("#tab-hide");
    browser.screenshot("web-phone.png");
}

/// A chromedriver process with one headless Chromium session.
struct Browser {
    driver: String,
    session: String,
    _process: Child,
}

impl Browser {
    fn start() -> Option<Browser> {
        let required = std::env::var("PLAINSIGHT_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        let Some(chromedriver) = find_program(&["chromedriver"]) else {
            assert!(
                !required,
                "chromedriver not found, and PLAINSIGHT_REQUIRE_BROWSER=1"
            );
            eprintln!("SKIPPED: no chromedriver on PATH (install chromium and chromium-driver)");
            return None;
        };
        let chrome = find_program(&["chromium", "chromium-browser", "google-chrome"]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = std::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let process = Child(process);
        let driver = format!("127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            let ready = std::net::TcpStream::connect(&driver).is_ok()
                && request(&driver, "GET", "/status", None)["value"]["ready"] == true;
            if ready {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver not ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut options = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1400"]
        });
        if let Some(chrome) = chrome {
            options["binary"] = json!(chrome);
        }
        let reply = request(
            &driver,
            "POST",
            "/session",
            Some(json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome", "goog:chromeOptions": options } } })),
        );
        let session = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {reply}"))
            .to_string();
        Some(Browser {
            driver,
            session,
            _process: process,
        })
    }

    /// A WebDriver command on this session; panics on a WebDriver error.
    fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}/{path}", self.session);
        let body = (method == "POST").then_some(body);
        let reply = request(&self.driver, method, &path, body);
        if reply["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", reply["value"]);
        }
        reply["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.command("POST", "url", json!({ "url": url }));
    }

    fn find(&self, css: &str) -> String {
        let found = self.command(
            "POST",
            "element",
            json!({ "using": "css selector", "value": css }),
        );
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("{css}: {found}"))
            .to_string()
    }

    fn send_file(&self, css: &str, path: &Path) {
        let path = path.canonicalize().unwrap();
        self.type_text(css, path.to_str().unwrap());
    }

    fn type_text(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.command(
            "POST",
            &format!("element/{element}/value"),
            json!({ "text": text }),
        );
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.command("POST", &format!("element/{element}/click"), json!({}));
    }

    fn script(&self, source: &str) -> Value {
        self.command(
            "POST",
            "execute/sync",
            json!({ "script": source, "args": [] }),
        )
    }

    /// Runs `source` until it returns something other than null or "".
    fn wait_for(&self, source: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.script(source);
            if !(value.is_null() || value == "") {
                return value;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "timed out waiting for: {source}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, name: &str) {
        let Ok(dir) = std::env::var("PLAINSIGHT_SCREENSHOTS") else {
            return;
        };
        use base64::Engine;
        let png = self.command("GET", "screenshot", json!(null));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(PathBuf::from(dir).join(name), bytes).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.session);
        let _ = std::panic::catch_unwind(|| request(&self.driver, "DELETE", &path, None));
    }
}

fn request(driver: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let (_, reply) = http(driver, method, path, body.as_bytes());
    serde_json::from_slice(&reply)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&reply)))
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}
