//! A harness for browser tests: serves the built `dist/` on 127.0.0.1 under a sub-path (to
//! prove the site works from any path), starts Debian's chromedriver, and drives headless
//! Chromium over WebDriver with fantoccini.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The sub-path the site is served under.
pub const SUB_PATH: &str = "/ecs-playground/";

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The JSON document at `path` (relative to the repository root).
pub fn read_json(path: &str) -> serde_json::Value {
    let path = repo_root().join(path);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The stems of the `.json` files in `dir` (relative to the repository root), sorted.
pub fn json_stems(dir: &str) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(repo_root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? != "json" {
                return None;
            }
            Some(p.file_stem()?.to_string_lossy().to_string())
        })
        .collect();
    stems.sort();
    stems
}

/// A running browser session against a served `dist/`.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    /// `http://127.0.0.1:<port>/ecs-playground/`.
    pub base_url: String,
    driver: Child,
    /// The Chromium profile directory, removed when the session ends.
    profile: PathBuf,
    server: Option<Arc<tiny_http::Server>>,
}

impl Drop for Browser {
    /// Stops chromedriver (and with it Chromium) and removes the profile directory, also when
    /// a test fails before `close`: each session's profile is tens of megabytes.
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// The built site to serve: `dist/`, or the directory named by `E2E_DIST` (relative to the
/// repository root), e.g. `target/bench-dist`, the benchmark build of `make bench-wasm`.
pub fn dist_dir() -> PathBuf {
    match std::env::var("E2E_DIST") {
        Ok(dir) if !dir.is_empty() => repo_root().join(dir),
        _ => repo_root().join("dist"),
    }
}

/// Serves [`dist_dir`] under [`SUB_PATH`] from a background thread; returns the base URL and
/// the server (drop every handle after [`tiny_http::Server::unblock`] to close its port).
pub fn serve_dist() -> (String, Arc<tiny_http::Server>) {
    let dist = dist_dir();
    assert!(
        dist.join("index.html").exists(),
        "{} has no index.html: build the app first (`make test` runs `trunk build --release`)",
        dist.display()
    );
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind the static server"));
    let port = server.server_addr().to_ip().expect("an IP address").port();
    let handle = Arc::clone(&server);
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let url = request
                .url()
                .split(['?', '#'])
                .next()
                .unwrap_or("/")
                .to_string();
            let response = match url.strip_prefix(SUB_PATH) {
                Some(rel) if !rel.contains("..") => {
                    let rel = if rel.is_empty() { "index.html" } else { rel };
                    match std::fs::read(dist.join(rel)) {
                        Ok(bytes) => {
                            let mime = match rel.rsplit('.').next() {
                                Some("html") => "text/html; charset=utf-8",
                                Some("js") => "text/javascript",
                                Some("wasm") => "application/wasm",
                                Some("css") => "text/css",
                                Some("json") => "application/json",
                                _ => "application/octet-stream",
                            };
                            let header = tiny_http::Header::from_bytes("Content-Type", mime)
                                .expect("header");
                            tiny_http::Response::from_data(bytes).with_header(header)
                        }
                        Err(_) => tiny_http::Response::from_data(b"not found".to_vec())
                            .with_status_code(404),
                    }
                }
                _ => tiny_http::Response::from_data(b"not found".to_vec()).with_status_code(404),
            };
            // No keep-alive: once the server stops (cut_network), no open socket lingers.
            let close = tiny_http::Header::from_bytes("Connection", "close").expect("header");
            let _ = request.respond(response.with_header(close));
        }
    });
    (format!("http://127.0.0.1:{port}{SUB_PATH}"), handle)
}

impl Browser {
    /// Serves [`dist_dir`], starts chromedriver and a fresh headless Chromium profile.
    pub async fn start() -> Browser {
        let (base_url, server) = serve_dist();
        let port = free_port();
        let driver =
            Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver (make test installs Debian's chromium-driver)");
        let profile = std::env::temp_dir().join(format!("ecs-playground-chrome-{port}"));
        let caps = json!({
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let caps = caps.as_object().cloned().expect("capabilities object");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => {
                    panic!("cannot reach chromedriver at {url}: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Browser {
            client,
            base_url,
            driver,
            profile,
            server: Some(server),
        }
    }

    /// Cuts the network: stops the static server, so nothing more can be fetched from it.
    pub async fn cut_network(&mut self) {
        if let Some(server) = self.server.take() {
            server.unblock();
            drop(server);
        }
        // Wait until the port refuses connections.
        let addr = self
            .base_url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(&addr).is_ok() {
            assert!(Instant::now() < deadline, "the static server did not stop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `css` matches an element (at most `secs` seconds).
    pub async fn wait_for(&self, css: &str, secs: u64) -> fantoccini::elements::Element {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                return e;
            }
            assert!(
                Instant::now() < deadline,
                "no element matches {css} after {secs} s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css, 10)
            .await
            .text()
            .await
            .expect("element text")
    }

    /// Opens the playground on lesson `id` (`?lesson=id`) and waits for its panel, no step
    /// done yet.
    pub async fn open_lesson(&self, id: &str) {
        self.client
            .goto(&format!("{}?lesson={id}", self.base_url))
            .await
            .expect("open");
        self.wait_for("#lesson-panel", 10).await;
        let steps = read_json(&format!("public/lessons/{id}.json"))["steps"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(
            self.text("#lesson-progress").await,
            format!("0 of {steps} steps done")
        );
    }

    /// Opens the playground with preset `stem` chosen in the picker.
    pub async fn open_preset(&self, stem: &str) {
        self.client.goto(&self.base_url).await.expect("open");
        self.open_preset_offline(stem).await;
    }

    /// Chooses preset `stem` in the picker of the page already open (no navigation). The app
    /// fetches the preset, so this waits until the page shows its name, then its services (if
    /// it has any: the EventBridge architectures start tasks without one).
    pub async fn open_preset_offline(&self, stem: &str) {
        let doc = read_json(&format!("public/scenarios/{stem}.json"));
        let name = doc["name"].as_str().unwrap_or("Untitled scenario");
        self.select("#preset", stem).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.text("#scenario-name").await != name {
            assert!(Instant::now() < deadline, "preset {stem} did not load");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if doc["services"].as_array().is_some_and(|s| !s.is_empty()) {
            self.wait_for("tr.service", 10).await;
        }
    }

    /// Opens the playground with the scenario `e2e/scenarios/<name>.json`, through a shared
    /// link (`#s=v1.…`), and waits until its services are shown.
    pub async fn open_scenario(&self, name: &str) {
        let doc = read_json(&format!("e2e/scenarios/{name}.json"));
        let link = format!("{}#{}", self.base_url, ecs_engine::share::encode(&doc));
        self.client.goto(&link).await.expect("open the link");
        self.wait_for("tr.service", 10).await;
    }

    /// Chooses `value` in the `<select>` matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.wait_for(css, 10)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css, 10).await;
        // To the middle of the window first: cards out of view are not laid out
        // (`content-visibility: auto`), so one scrolled just to the edge can still move.
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'})",
                vec![serde_json::to_value(&element).expect("element")],
            )
            .await
            .unwrap_or_else(|e| panic!("scroll to {css}: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Sets the value of the form field with id `id` (an input, textarea or select) and fires
    /// its `input` event, as typing would.
    pub async fn set_value(&self, id: &str, value: &str) {
        self.fire(id, value, "input").await;
    }

    /// Sets the value of the form field with id `id` and fires its `change` event, as leaving
    /// the field after typing does.
    pub async fn change_value(&self, id: &str, value: &str) {
        self.fire(id, value, "change").await;
    }

    async fn fire(&self, id: &str, value: &str, event: &str) {
        self.client
            .execute(
                "const el = document.getElementById(arguments[0]); el.value = arguments[1]; \
                 el.dispatchEvent(new Event(arguments[2], {bubbles: true}));",
                vec![id.into(), value.into(), event.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("set #{id} ({event}): {e}"));
    }

    /// Attribute `name` of the first element matching `css` (waited for), empty when unset.
    pub async fn attr(&self, css: &str, name: &str) -> String {
        self.wait_for(css, 10)
            .await
            .attr(name)
            .await
            .unwrap_or_else(|e| panic!("{name} of {css}: {e}"))
            .unwrap_or_default()
    }

    /// The current `value` of the form field matching `css`.
    pub async fn value(&self, css: &str) -> String {
        self.wait_for(css, 10)
            .await
            .prop("value")
            .await
            .unwrap_or_else(|e| panic!("value of {css}: {e}"))
            .unwrap_or_default()
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// Plays at `speed`× until the clock reads at least `clock` (`HH:MM:SS.mmm`), then pauses.
    pub async fn play_until(&self, speed: u32, clock: &str, secs: u64) {
        self.select("#speed", &speed.to_string()).await;
        // Pause from inside the page as soon as the clock reaches `clock`: a WebDriver round
        // trip can take several ticks on a busy machine, and at 600× each tick is a minute.
        self.client
            .execute(
                "const [target] = arguments; const clock = document.getElementById('clock');
                 if (window.__pauseAt) window.__pauseAt.disconnect();
                 const pause = new MutationObserver(() => {
                     if (clock.textContent >= target) {
                         pause.disconnect();
                         const button = document.getElementById('pause');
                         if (button && !button.disabled) button.click();
                     }
                 });
                 pause.observe(clock, {characterData: true, childList: true, subtree: true});
                 window.__pauseAt = pause;",
                vec![clock.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("watch the clock: {e}"));
        self.click("#play").await;
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.text("#clock").await.as_str() < clock {
            assert!(Instant::now() < deadline, "the clock did not reach {clock}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if self
            .client
            .find(Locator::Css("#pause:enabled"))
            .await
            .is_ok()
        {
            self.click("#pause").await;
        }
    }

    /// Points the mouse at chart `id` (`chart-tasks`), `x` SVG pixels right of its centre, and
    /// returns its hover readout (`minute 12 · web running 4 · …`) and the minute it reads.
    pub async fn point_at_chart(&self, id: &str, x: f64) -> (String, u64) {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction};
        let svg = self.wait_for(&format!("#{id} svg"), 10).await;
        let actions = MouseActions::new("mouse".to_string()).then(PointerAction::MoveToElement {
            element: svg,
            duration: None,
            x,
            y: 0.0,
        });
        self.client
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("move the mouse: {e}"));
        let readout = self
            .wait_for_text(&format!("#{id}-readout"), "minute ", 5)
            .await;
        let minute = readout
            .trim_start_matches("minute ")
            .split(' ')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or_else(|| panic!("no minute in the readout: {readout}"));
        (readout, minute)
    }

    /// Moves the timeline to `secs` of simulated time (the app replays the run to there).
    pub async fn seek(&self, secs: u64) {
        self.client
            .execute(
                "const t = document.getElementById('timeline'); t.value = arguments[0]; t.dispatchEvent(new Event('change'));",
                vec![secs.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("move the timeline: {e}"));
    }

    /// Scrolls the element matching `css` to the top of the window (for screenshots).
    pub async fn scroll_to(&self, css: &str) {
        self.client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView()",
                vec![css.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("scroll to {css}: {e}"));
    }

    /// Waits until the text of `css` contains `wanted` (at most `secs` seconds); returns it.
    pub async fn wait_for_text(&self, css: &str, wanted: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let text = self.text(css).await;
            if text.contains(wanted) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{css} does not say {wanted:?}: {text}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the form field matching `css` has the value `wanted` (at most `secs`
    /// seconds).
    pub async fn wait_for_value(&self, css: &str, wanted: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let value = self.value(css).await;
            if value == wanted {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css} is {value:?}, not {wanted:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Writes `doc` into the Scenario JSON editor (opening it) and applies it.
    pub async fn apply_document(&self, doc: &serde_json::Value) {
        let open = self
            .js("return document.getElementById('scenario-editor').open")
            .await;
        if open != serde_json::Value::Bool(true) {
            self.click("#scenario-editor summary").await;
        }
        let text = serde_json::to_string_pretty(doc).expect("a document");
        self.set_value("scenario-json", &text).await;
        self.click("#apply").await;
    }

    /// The scenario document as the editor shows it (`#scenario-json`).
    pub async fn document(&self) -> serde_json::Value {
        serde_json::from_str(&self.value("#scenario-json").await).expect("the scenario JSON")
    }

    /// The task the open task panel shows, as DescribeTasks returns it (`#task-describe`,
    /// opened first).
    pub async fn described_task(&self) -> serde_json::Value {
        self.click("#task-describe summary").await;
        let text = self
            .js("return document.querySelector('#task-describe pre').textContent")
            .await;
        serde_json::from_str(text.as_str().unwrap_or_default()).expect("DescribeTasks JSON")
    }

    /// Runs `script` in the page and returns what it returns.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// The desired count of service `name` in the services table.
    pub async fn desired(&self, name: &str) -> u32 {
        let text = self
            .text(&format!("tr.service[data-service={name}] td:nth-child(3)"))
            .await;
        text.parse()
            .unwrap_or_else(|e| panic!("desired count of {name}: {text:?}: {e}"))
    }

    /// The RUNNING count of service `name` in the services table.
    pub async fn running(&self, name: &str) -> String {
        self.text(&format!("tr.service[data-service={name}] td.running"))
            .await
    }

    /// Saves a PNG screenshot to `target/screenshots/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = repo_root().join("target").join("screenshots");
        std::fs::create_dir_all(&dir).expect("create target/screenshots");
        let path = dir.join(format!("{name}.png"));
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}
