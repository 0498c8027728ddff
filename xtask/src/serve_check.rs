//! `unlocksim serve` from the outside: the server time of 500 walk-away runs (a `bench` row)
//! and `cargo xtask browser`, which drives the page in headless Chromium.
//!
//! Both build and start the release binary (`target/release/unlocksim serve --port 0`) and
//! talk to it over a tiny HTTP/1.1 client on `std::net::TcpStream`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use reports::metrics::{AggregateMetrics, MetricOptions, RunMetrics};
use scenarios::params::ParamValue;
use serde_json::{Value, json};

/// The scenario both checks use.
const WALK: &str = "walk_away_back_pocket";
/// Requests measured by the bench row (after one warm-up); the median is kept.
const BENCH_REQUESTS: usize = 9;
/// The moved threshold of the browser check: `dynamic_lock_rssi_min` -5 dB (Microsoft's default
/// is -10).
const BROWSER_RSSI_MIN_DB: i64 = -5;
/// Runs per request: the workbench's default (issue 19).
const RUNS: u32 = 500;

/// A running release server, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Builds the release binary and starts `unlocksim serve --port 0` on the bundled suite.
fn start(root: &Path) -> Result<Server, String> {
    let status = crate::cargo()
        .current_dir(root)
        .args(["build", "--release", "--quiet", "--bin", "unlocksim"])
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !status.success() {
        return Err("cargo build --release --bin unlocksim failed".into());
    }
    let exe = root.join("target/release/unlocksim");
    let mut child = Command::new(&exe)
        .args(["serve", "--port", "0"])
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut line);
    }
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok());
    let server_port = port.unwrap_or_default();
    let server = Server { child, port: server_port };
    if port.is_none() {
        return Err(format!("the server printed no URL: {line:?}"));
    }
    Ok(server)
}

/// `POST /api/run` with `body`; the answer's JSON.
fn post_run(port: u16, body: &Value) -> Result<Value, String> {
    let body = body.to_string();
    let request = format!(
        "POST /api/run HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
    let (_, json) = response.split_once("\r\n\r\n").unwrap_or_default();
    serde_json::from_str(json).map_err(|e| format!("{e}: {response}"))
}

/// The bench row's numbers: (median, best) server time in ms of [`RUNS`] walk-away runs with a
/// moved threshold, over [`BENCH_REQUESTS`] requests (the reference curve cached by the
/// warm-up, as when a designer drags a slider).
pub fn server_ms(root: &Path) -> Result<(f64, f64), String> {
    let server = start(root)?;
    let mut times = Vec::new();
    for i in 0..=BENCH_REQUESTS {
        let rssi_min = -5 - (i % 3) as i64;
        let body =
            json!({"scenario": WALK, "runs": RUNS, "set": {"dynamic_lock_rssi_min": rssi_min}});
        let answer = post_run(server.port, &body)?;
        let ms = answer["server_ms"].as_f64().ok_or_else(|| format!("no server_ms: {answer}"))?;
        if i > 0 {
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[0]))
}

/// The median time to lock `unlocksim run --set dynamic_lock_rssi_min=-5` computes over the same
/// seeds: the suite scenario with the parameter set, run by `scenarios::run_scenario`, reduced
/// by `reports::metrics` (what `run` and the sweep use).
fn expected_median_s(root: &Path) -> Result<Option<f64>, String> {
    let path = root.join(format!("scenarios/suite/{WALK}.yaml"));
    let text = crate::sweep::spec::read_text(&path)?;
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut read = |relative: &str| crate::sweep::spec::read_text(&folder.join(relative));
    let mut scenario = scenarios::load_scenario(&path.display().to_string(), &text, &mut read)
        .map_err(|d| engine::diagnostic::render_all(&d))?;
    scenario.set_parameter("dynamic_lock_rssi_min", &ParamValue::Int(BROWSER_RSSI_MIN_DB))?;
    let options = scenarios::RunOptions { seed: None, runs: Some(RUNS), discard_polls: true };
    let interpretations = scenario.interpretations;
    let outcome = scenarios::run_scenario(&scenario, options, &interpretations, None)
        .map_err(|e| e.to_string())?;
    let run_end = engine::SimTime::ZERO.saturating_add(scenario.duration);
    let runs: Vec<RunMetrics> = outcome
        .runs
        .iter()
        .map(|r| RunMetrics::from_trace(&r.trace, run_end, &MetricOptions::default()))
        .collect();
    Ok(AggregateMetrics::from_runs(&runs).time_to_lock_s_p50)
}

/// Runs headless Chromium on `url` with the given extra flags; its stdout.
fn chromium(flags: &[String], url: &str) -> Result<String, String> {
    let browser = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let profile = std::env::temp_dir().join(format!("unlocksim-chromium-{}", std::process::id()));
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=30000",
            "--window-size=1400,1700",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(flags)
        .arg(url)
        .output()
        .map_err(|e| format!("{browser}: {e} (install the `chromium` package)"))?;
    let _ = std::fs::remove_dir_all(&profile);
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The value of `attribute` on the element with `id` in a dumped DOM.
fn attribute(dom: &str, id: &str, attribute: &str) -> Option<String> {
    let element = dom.split(&format!("id=\"{id}\"")).nth(1)?.split('>').next()?;
    let value = element.split(&format!("{attribute}=\"")).nth(1)?.split('"').next()?;
    Some(value.to_string())
}

/// `cargo xtask browser`: loads the page with `dynamic_lock_rssi_min` moved to -5 dB (the URL
/// query sets the slider and fires its input event, as a drag does), waits for the redraw,
/// reads the displayed median time to lock and compares it with what
/// `unlocksim run --set dynamic_lock_rssi_min=-5` computes for the same seeds; writes a
/// screenshot to `target/serve-browser/workbench.png`.
pub fn browser(root: &Path) -> Result<bool, String> {
    let server = start(root)?;
    let url = format!(
        "http://127.0.0.1:{}/?scenario={WALK}&set.dynamic_lock_rssi_min={BROWSER_RSSI_MIN_DB}",
        server.port
    );
    let started = std::time::Instant::now();
    let dom = chromium(&["--dump-dom".to_string()], &url)?;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    let state = attribute(&dom, "median", "data-value");
    let status = dom.split("id=\"status\"").nth(1).and_then(|s| s.split('<').next());
    println!("page status: {}", status.unwrap_or("(none)").trim_start_matches(['>', ' ']));
    let shown: Option<f64> = state.as_deref().and_then(|v| v.parse().ok());
    let expected = expected_median_s(root)?;
    let out: PathBuf = root.join("target/serve-browser");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let shot = out.join("workbench.png");
    chromium(&[format!("--screenshot={}", shot.display())], &url)?;
    println!(
        "median time to lock: page {shown:?} s, unlocksim run --set \
         dynamic_lock_rssi_min={BROWSER_RSSI_MIN_DB} {expected:?} s; browser load to redraw \
         {elapsed_ms:.0} ms (Chromium start included); screenshot {}",
        shot.display()
    );
    Ok(shown.is_some() && shown == expected)
}
