//! `unlocksim serve`: the workbench's API and every safety rule, over real HTTP/1.1 (a tiny
//! client on `std::net::TcpStream`), and results identical to `unlocksim run` for the same
//! seeds.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use rstest::rstest;
use serde_json::{Value, json};

use crate::util::{repo_root, unlocksim};

/// A running `unlocksim serve --port 0`, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts the server on `dir` (default: the bundled suite) and reads its URL line.
    fn start(dir: Option<&Path>) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_unlocksim"));
        command.arg("serve").args(["--port", "0"]).current_dir(repo_root());
        if let Some(dir) = dir {
            command.arg(dir);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the unlocksim binary runs");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).expect("the server prints its URL");
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        Server { child, port }
    }

    /// Sends one request (`Connection: close`) with the given Host and Origin headers and
    /// returns (status, body).
    fn send(
        &self,
        method: &str,
        path: &str,
        host: Option<&str>,
        origin: Option<&str>,
        body: &str,
    ) -> (u16, String) {
        let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        if let Some(host) = host {
            request.push_str(&format!("Host: {host}\r\n"));
        }
        if let Some(origin) = origin {
            request.push_str(&format!("Origin: {origin}\r\n"));
        }
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connects");
        stream.write_all(request.as_bytes()).expect("sends");
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        let status = response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or_default();
        let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
        (status, if chunked { dechunk(body) } else { body.to_string() })
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `POST /api/run` from the page's own origin.
    fn run(&self, body: &Value) -> (u16, Value) {
        let host = self.host();
        let origin = format!("http://{host}");
        let (status, text) =
            self.send("POST", "/api/run", Some(&host), Some(&origin), &body.to_string());
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text:?}")))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The body of a chunked response, joined.
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

const WALK: &str = "walk_away_back_pocket";

/// `"p0":1,"p1":1,...`: `count` overrides.
fn overrides(count: usize) -> String {
    (0..count).map(|i| format!(r#""p{i}":1"#)).collect::<Vec<_>>().join(",")
}

#[rstest]
#[case::page("GET", "/", Some("HOST"), None, "", 200, "<!doctype html>")]
#[case::foreign_host("GET", "/", Some("evil.example"), None, "", 403, "DNS rebinding")]
#[case::foreign_host_with_our_port(
    "GET",
    "/api/scenarios",
    Some("attacker.example:PORT"),
    None,
    "",
    403,
    "DNS rebinding"
)]
#[case::no_host("GET", "/", None, None, "", 403, "no Host header")]
#[case::cross_origin_post(
    "POST",
    "/api/run",
    Some("HOST"),
    Some("http://evil.example"),
    r#"{"scenario":"walk_away_back_pocket","runs":1}"#,
    403,
    "cross-origin request refused"
)]
#[case::cross_origin_get_is_harmless(
    "GET",
    "/api/scenarios",
    Some("HOST"),
    Some("http://evil.example"),
    "",
    200,
    "walk_away_back_pocket"
)]
#[case::a_path_is_not_a_name(
    "POST",
    "/api/run",
    Some("HOST"),
    None,
    r#"{"scenario":"../suite/walk_away_back_pocket"}"#,
    400,
    "not a path"
)]
#[case::an_absolute_path(
    "POST",
    "/api/run",
    Some("HOST"),
    None,
    r#"{"scenario":"/etc/passwd"}"#,
    400,
    "not a path"
)]
#[case::an_unknown_name(
    "POST",
    "/api/run",
    Some("HOST"),
    None,
    r#"{"scenario":"nope"}"#,
    404,
    "no scenario `nope`"
)]
#[case::runs_past_the_bound(
    "POST",
    "/api/run",
    Some("HOST"),
    None,
    r#"{"scenario":"walk_away_back_pocket","runs":20001}"#,
    400,
    "`runs` must be 1 to 20000, not 20001"
)]
#[case::no_runs(
    "POST",
    "/api/run",
    Some("HOST"),
    None,
    r#"{"scenario":"walk_away_back_pocket","runs":0}"#,
    400,
    "`runs` must be 1 to 20000, not 0"
)]
#[case::a_client_id_past_the_bound(
    "POST", "/api/run", Some("HOST"), None,
    &format!(r#"{{"scenario":"x","client":"{}"}}"#, "c".repeat(65)),
    400, "`client` is longer than 64 bytes"
)]
#[case::too_many_overrides(
    "POST", "/api/run", Some("HOST"), None,
    &format!(r#"{{"scenario":"x","set":{{{}}}}}"#, overrides(65)),
    400, "more than 64 overrides"
)]
#[case::an_unknown_parameter(
    "POST",
    "/api/run",
    Some("HOST"),
    None,
    r#"{"scenario":"walk_away_back_pocket","runs":1,"set":{"rssi_mni":-5}}"#,
    400,
    "unknown sweep parameter `rssi_mni`"
)]
#[case::a_bad_value(
    "POST",
    "/api/run",
    Some("HOST"),
    None,
    r#"{"scenario":"walk_away_back_pocket","runs":1,"set":{"rssi_min":"loud"}}"#,
    400,
    "needs a number"
)]
#[case::not_json("POST", "/api/run", Some("HOST"), None, "{scenario", 400, "invalid request body")]
#[case::an_unknown_field(
    "POST",
    "/api/run",
    Some("HOST"),
    None,
    r#"{"scenario":"x","path":"/etc"}"#,
    400,
    "unknown field `path`"
)]
#[case::body_past_the_bound(
    "POST", "/api/run", Some("HOST"), None, &" ".repeat(16 * 1024 + 1), 413,
    "request body over 16384 bytes"
)]
#[case::body_at_the_bound(
    "POST", "/api/run", Some("HOST"), None,
    &format!("{:<16384}", r#"{"scenario":"walk_away_back_pocket","runs":1}"#), 200, "trace_hashes"
)]
#[case::wrong_method("GET", "/api/run", Some("HOST"), None, "", 405, "method not allowed")]
#[case::unknown_page("GET", "/../../etc/passwd", Some("HOST"), None, "", 404, "no such page")]
fn every_request_gets_a_checked_answer(
    #[case] method: &str,
    #[case] path: &str,
    #[case] host: Option<&str>,
    #[case] origin: Option<&str>,
    #[case] body: &str,
    #[case] status: u16,
    #[case] contains: &str,
) {
    let server = Server::start(None);
    let port = server.port.to_string();
    let host = host.map(|h| h.replace("HOST", &server.host()).replace("PORT", &port));
    let (got_status, got_body) = server.send(method, path, host.as_deref(), origin, body);
    assert_eq!(got_status, status, "{got_body}");
    assert!(got_body.contains(contains), "{got_body}");
    if status != 200 {
        let error: Value = serde_json::from_str(&got_body).expect("errors are JSON");
        assert!(error["error"].is_string(), "{got_body}");
    }
}

/// A fresh folder under the system's temporary directory.
fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unlocksim-serve-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A served folder with one scenario and a second copy of the walk-away whose policy sets
/// `rssi_min` (the file `unlocksim run` reads in place of `--set`).
fn walk_folders(label: &str, rssi_min: i32) -> (PathBuf, PathBuf) {
    let root = temp_dir(label);
    let suite = repo_root().join("scenarios");
    let text = std::fs::read_to_string(suite.join("suite").join(format!("{WALK}.yaml"))).unwrap();
    let policy = std::fs::read_to_string(suite.join("policies/dynamic_lock_default.yaml")).unwrap();
    for (folder, policy) in [
        ("served", policy.clone()),
        ("edited", policy.replace("rssiMin=\"-10\"", &format!("rssiMin=\"{rssi_min}\""))),
    ] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        std::fs::write(root.join(folder).join("policy.yaml"), policy).unwrap();
        let scenario = text.replace("../policies/dynamic_lock_default.yaml", "policy.yaml");
        std::fs::write(root.join(folder).join(format!("{WALK}.yaml")), scenario).unwrap();
    }
    (root.join("served"), root.join("edited").join(format!("{WALK}.yaml")))
}

/// The trace hashes of `unlocksim run FILE --seed S --runs N --json`.
fn run_hashes(file: &Path, seed: u64, runs: u32) -> Vec<String> {
    let file = file.to_string_lossy();
    let (seed, runs) = (seed.to_string(), runs.to_string());
    let output = unlocksim(&["run", &file, "--seed", &seed, "--runs", &runs, "--json"]);
    let json: Value = serde_json::from_slice(&output.stdout).expect("run --json");
    let runs = json["scenarios"][0]["runs"].as_array().expect("runs").clone();
    runs.iter().map(|r| r["trace_hash"].as_str().unwrap_or_default().to_string()).collect()
}

#[rstest]
#[case::as_written(-10, json!({}))]
#[case::a_threshold_moved(-5, json!({"rssi_min": -5}))]
fn runs_are_those_of_unlocksim_run_with_the_same_seeds(#[case] rssi_min: i32, #[case] set: Value) {
    let (served, edited) = walk_folders(&format!("same{}", -rssi_min), rssi_min);
    let server = Server::start(Some(&served));
    let (status, answer) =
        server.run(&json!({"scenario": WALK, "runs": 12, "seed": 40, "set": set}));
    assert_eq!(status, 200, "{answer}");
    let hashes: Vec<String> =
        serde_json::from_value(answer["trace_hashes"].clone()).expect("trace hashes");
    assert_eq!(hashes, run_hashes(&edited, 40, 12));
    let repro = answer["repro"].as_str().unwrap_or_default();
    assert!(
        repro.ends_with(&format!(
            "{WALK}.yaml --seed 40 --runs 12{}",
            if rssi_min == -10 { String::new() } else { " --set rssi_min=-5".into() }
        )),
        "{repro}"
    );
    let _ = std::fs::remove_dir_all(served.parent().unwrap());
}

#[test]
fn a_run_answers_every_part_of_the_page() {
    let server = Server::start(None);
    let (status, answer) =
        server.run(&json!({"scenario": WALK, "runs": 20, "set": {"rssi_min": -5}}));
    assert_eq!(status, 200, "{answer}");
    let median = &answer["metrics"][0];
    assert_eq!(median["name"], "time_to_lock_s_p50");
    let (low, value, high) =
        (median["low"].as_f64(), median["value"].as_f64(), median["high"].as_f64());
    assert!(low <= value && value <= high && low.is_some(), "{median}");
    assert_eq!(answer["walk_aways"], 20);
    assert!(!answer["cdf"]["t_s"].as_array().unwrap().is_empty());
    assert!(answer["reference"]["label"].as_str().unwrap().contains("-10"));
    assert!(answer["sample"]["t_s"].as_array().unwrap().len() > 10);
    let rule = answer["rule"]["dynamic_lock"].as_str().unwrap();
    assert!(rule.contains("rssiMin=\"-5\"") && !rule.contains('\n'), "{rule}");
    assert!(answer["rule"]["csp"].as_str().unwrap().contains("OMA-URI:"));
}

#[test]
fn a_newer_request_from_the_same_client_cancels_the_older() {
    let server = Server::start(None);
    let slow = json!({"scenario": WALK, "runs": 20000, "client": "tab-1"});
    let older = std::thread::scope(|scope| {
        let older = scope.spawn(|| server.run(&slow));
        std::thread::sleep(std::time::Duration::from_millis(300));
        let newer = server.run(&json!({"scenario": WALK, "runs": 2, "client": "tab-1"}));
        assert_eq!(newer.0, 200, "{}", newer.1);
        older.join().expect("the older request returns")
    });
    assert_eq!(older.0, 409, "{}", older.1);
    assert!(older.1["error"].as_str().unwrap().contains("a newer request"), "{}", older.1);
}

#[test]
fn only_files_inside_the_served_folder_are_scenarios() {
    let root = temp_dir("symlink");
    let served = root.join("served");
    std::fs::create_dir_all(&served).unwrap();
    let (outside, _) = walk_folders("symlink-outside", -10);
    std::fs::copy(outside.join(format!("{WALK}.yaml")), served.join("inside.yaml")).unwrap();
    std::fs::copy(outside.join("policy.yaml"), served.join("policy.yaml")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.join(format!("{WALK}.yaml")), served.join("outside.yaml"))
        .unwrap();
    let server = Server::start(Some(&served));
    let host = server.host();
    let (_, list) = server.send("GET", "/api/scenarios", Some(&host), None, "");
    let list: Value = serde_json::from_str(&list).unwrap();
    let names: Vec<&str> =
        list["scenarios"].as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["inside"]);
    let (status, answer) = server.run(&json!({"scenario": "outside", "runs": 1}));
    assert_eq!(status, 404, "{answer}");
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(outside.parent().unwrap());
}

/// The server listens on 127.0.0.1 by default (its URL says so: [`Server::start`] reads it
/// there); `--bind` to any other address warns that the simulator is then reachable.
#[rstest]
#[case::loopback("127.0.0.1", "")]
#[case::every_interface("0.0.0.0", "warning: listening on 0.0.0.0: anyone who can reach")]
fn binding_beyond_loopback_warns(#[case] bind: &str, #[case] warning: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_unlocksim"))
        .args(["serve", "--port", "0", "--bind", bind])
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the unlocksim binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(line.starts_with("unlocksim serve: http://127.0.0.1:"), "{line}");
    let warned = stderr.lines().find(|l| l.starts_with("warning: listening")).unwrap_or("");
    assert!(warned.starts_with(warning) && warned.is_empty() == warning.is_empty(), "{stderr}");
}

/// "Save as study": the study around the page's point sweeps each setting one step either side
/// and keeps the other moved values fixed; a bad override is a JSON error, a foreign Origin 403.
#[test]
fn save_as_study_writes_a_sweep_study_around_the_point() {
    let server = Server::start(None);
    let host = server.host();
    let origin = format!("http://{host}");
    let body = json!({
        "scenario": "walk_away_back_pocket",
        "set": {"dynamic_lock_rssi_min": -5, "carry": "hand"},
    });
    let send = |origin: &str, body: &Value| {
        server.send("POST", "/api/study", Some(&host), Some(origin), &body.to_string())
    };
    let (status, text) = send(&origin, &body);
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("name: workbench-walk_away_back_pocket\n"), "{text}");
    assert!(text.contains("  - scenarios/suite/walk_away_back_pocket.yaml\n"), "{text}");
    let swept = "  - name: dynamic_lock_rssi_min\n    values: [-10, -5, 0]\n";
    assert!(text.contains(swept), "{text}");
    assert!(text.contains("  - name: carry\n    values: [hand]\n"), "{text}");
    let bad = json!({"scenario": "walk_away_back_pocket", "set": {"carry": "sock"}});
    let (status, text) = send(&origin, &bad);
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("\"error\""), "{text}");
    let (status, _) = send("http://evil.example", &body);
    assert_eq!(status, 403);
}

/// A rule threshold is offered only for a rule the scenario's policy has: the Dynamic-Lock-only
/// walk-away gets no unlock-rule sliders, a scenario with an Authentication bluetooth rule does.
#[test]
fn rule_sliders_follow_the_rules_a_scenario_has() {
    let server = Server::start(None);
    let host = server.host();
    let (status, text) = server.send("GET", "/api/scenarios", Some(&host), None, "");
    assert_eq!(status, 200, "{text}");
    let list: Value = serde_json::from_str(&text).expect("JSON");
    let names = |scenario: &str| -> Vec<String> {
        let entry = list["scenarios"].as_array().expect("array").iter();
        let found = entry.clone().find(|s| s["name"] == scenario).expect("listed");
        let controls = found["controls"].as_array().expect("controls").iter();
        controls.map(|c| c["name"].as_str().expect("name").to_owned()).collect()
    };
    let walk = names("walk_away_back_pocket");
    assert!(walk.contains(&"dynamic_lock_rssi_min".to_owned()), "{walk:?}");
    assert!(!walk.contains(&"unlock_rssi_min".to_owned()), "{walk:?}");
    let unlock = names("authentication_lock_interpretation_on");
    assert!(unlock.contains(&"unlock_rssi_min".to_owned()), "{unlock:?}");
}
