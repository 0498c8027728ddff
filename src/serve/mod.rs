//! `unlocksim serve`: the tuning workbench. A local web server (tokio + axum) with one page
//! (HTML, JS, CSS and the vendored uPlot charts, all embedded in the binary) and a JSON API that
//! re-simulates N seeded runs of a scenario whenever the designer moves a control.
//!
//! Safety (a server on a designer's laptop): binds 127.0.0.1 unless `--bind` says otherwise
//! (with a warning); refuses a `Host` that does not name the server (DNS rebinding) and a
//! state-changing request from another `Origin` ([`guard`]); scenarios are named by file stem
//! from a list made at start-up of the served directory's files (no paths, `..` or symlinks
//! out); bodies, run counts and overrides are bounded; one simulation per client in flight, a
//! newer request cancelling the older; every error is a JSON `{"error": ...}`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use reports::summary::Exit;
use scenarios::Scenario;

mod api;
pub mod compute;
pub mod controls;
pub mod guard;
mod study;

/// Largest request body, bytes (a run request is ~200 bytes; unknown; chosen, range 1 KiB..1
/// MiB).
pub const REQUEST_BYTES_MAX: usize = 16 * 1024;
/// Most runs one request may ask for (500 take ~0.1 s; 20 000 a few seconds on 2 cores;
/// unknown; chosen, range 1000..100 000).
pub const SERVE_RUNS_MAX: u32 = 20_000;
/// Most parameter overrides in one request (there are fewer than 30 parameters).
pub const OVERRIDES_COUNT_MAX: usize = 64;
/// Most scenario files a served directory may hold (the suite has ~40).
pub const SERVED_SCENARIOS_MAX: usize = 1_000;
/// Most clients remembered for cancellation; past it, idle ones are forgotten.
pub const CLIENTS_MAX: usize = 256;
/// Most simulations in flight across all clients (each already uses every core).
pub const SIMULATIONS_MAX: usize = 2;
/// Longest client id, bytes.
pub const CLIENT_ID_BYTES_MAX: usize = 64;
/// Default number of runs per request (issue 19).
pub const DEFAULT_RUNS: u32 = 500;

// `unlocksim serve`'s flags. (No doc comment: clap would show it as the help text.)
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Folder of scenario files (*.yaml, *.yml; not searched recursively). Default: the bundled
    /// suite (scenarios/suite/).
    dir: Option<PathBuf>,
    /// Port to listen on; 0 picks a free one. The URL is printed either way.
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// Address to listen on. Anything but a loopback address exposes the simulator to the
    /// network (a warning says so); requests must still name localhost or this address.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
}

/// A scenario the server offers: loaded once at start-up.
#[derive(Debug)]
pub struct Served {
    pub scenario: Scenario,
    pub controls: Vec<controls::Control>,
}

/// One client's slot: the cancel flag of its simulation in flight and the lock that keeps it
/// to one.
#[derive(Debug, Default)]
struct ClientSlot {
    cancel: Arc<AtomicBool>,
    running: Arc<tokio::sync::Mutex<()>>,
}

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    scenarios: BTreeMap<String, Served>,
    allowed_hosts: Vec<String>,
    clients: std::sync::Mutex<BTreeMap<String, ClientSlot>>,
    simulations: tokio::sync::Semaphore,
    /// Reference curves by (scenario, seeds, overrides but the thresholds).
    references: std::sync::Mutex<BTreeMap<String, compute::Reference>>,
}

/// Runs `unlocksim serve` until interrupted: 0 after Ctrl-C, 2 when the folder cannot be read
/// or the address cannot be bound.
pub fn run(args: ServeArgs) -> Exit {
    let dir = args.dir.unwrap_or_else(crate::run_plan::default_suite);
    let scenarios = match load_dir(&dir) {
        Ok(scenarios) => scenarios,
        Err(message) => {
            errln!("error: {message}");
            return Exit::BadInput;
        }
    };
    if !args.bind.is_loopback() {
        errln!(
            "warning: listening on {}: anyone who can reach this machine can run simulations",
            args.bind
        );
    }
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(runtime) => runtime,
            Err(error) => {
                errln!("error: cannot start the server runtime: {error}");
                return Exit::BadInput;
            }
        };
    runtime.block_on(serve(SocketAddr::new(args.bind, args.port), &dir, scenarios))
}

async fn serve(addr: SocketAddr, dir: &Path, scenarios: BTreeMap<String, Served>) -> Exit {
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            errln!("error: cannot listen on {addr}: {error}");
            return Exit::BadInput;
        }
    };
    let bound = listener.local_addr().unwrap_or(addr);
    let state = Arc::new(AppState {
        allowed_hosts: guard::allowed_hosts(bound),
        clients: std::sync::Mutex::default(),
        simulations: tokio::sync::Semaphore::new(SIMULATIONS_MAX),
        references: std::sync::Mutex::default(),
        scenarios,
    });
    let host =
        if bound.ip().is_unspecified() { "127.0.0.1".to_string() } else { bound.ip().to_string() };
    let host = if bound.is_ipv6() && !host.starts_with('[') { format!("[{host}]") } else { host };
    outln!(
        "unlocksim serve: http://{host}:{}/ ({} scenarios from {}; Ctrl-C stops)",
        bound.port(),
        state.scenarios.len(),
        dir.display()
    );
    // Ctrl-C ends the process (no graceful shutdown: nothing is written to disk).
    match axum::serve(listener, api::router(state)).await {
        Ok(()) => Exit::Success,
        Err(error) => {
            errln!("error: the server stopped: {error}");
            Exit::BadInput
        }
    }
}

/// Whether a file stem may name a scenario: ASCII letters, digits, `_` and `-`, 1 to 100.
pub fn is_scenario_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Loads every scenario file directly in `dir` whose real path stays inside `dir` (a symlink
/// out is skipped with a warning), named by its file stem. Invalid files are skipped with
/// their diagnostics on stderr.
///
/// # Errors
/// The folder cannot be read, holds no valid scenario, or holds more than
/// [`SERVED_SCENARIOS_MAX`] files.
fn load_dir(dir: &Path) -> Result<BTreeMap<String, Served>, String> {
    let root = dir.canonicalize().map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&root)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    if entries.len() > SERVED_SCENARIOS_MAX {
        return Err(format!("{}: more than {SERVED_SCENARIOS_MAX} scenario files", dir.display()));
    }
    entries.sort();
    let mut served = BTreeMap::new();
    for path in entries {
        let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        match path.canonicalize() {
            Ok(real) if real.starts_with(&root) && real.is_file() && is_scenario_name(&stem) => {
                if let Some(scenario) = load_file(&dir.join(path.file_name().unwrap_or_default())) {
                    let controls = controls::controls_for(&scenario);
                    served.insert(stem, Served { scenario, controls });
                }
            }
            _ => errln!(
                "warning: {}: not served (outside the folder or badly named)",
                path.display()
            ),
        }
    }
    if served.is_empty() {
        return Err(format!("{}: no valid scenario files (*.yaml, *.yml)", dir.display()));
    }
    Ok(served)
}

/// Loads one scenario (files it names resolved beside it), or prints why not.
fn load_file(path: &Path) -> Option<Scenario> {
    let name = crate::run_plan::display_path(path);
    let text = match crate::input::read_input(path) {
        Ok(text) => text,
        Err(reason) => {
            errln!("warning: {name}: cannot read: {reason}; not served");
            return None;
        }
    };
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut read_file = |relative: &str| crate::input::read_input(&folder.join(relative));
    match scenarios::load_scenario(&name, &text, &mut read_file) {
        Ok(scenario) => Some(scenario),
        Err(diagnostics) => {
            errln!("{}", engine::diagnostic::render_all(&diagnostics));
            errln!("warning: {name}: invalid; not served");
            None
        }
    }
}
