use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use rstest::rstest;

use super::*;
use crate::sweep::spec::{self, expand, parse_spec};

const SWEEP: &str = "name: fake\nscenarios: [walk.yaml, seated.yaml]\nparameters:\n  - {name: rssi_min, values: [-5, -10, -15]}\n  - {name: rssi_max_delta, range: {from: -5, to: -10, step: -5}}\nseeds: 4\n";

fn plan() -> Plan {
    expand(
        &parse_spec("sweep.yaml", SWEEP).unwrap(),
        "fake.yaml",
        Path::new("."),
        &|p| Ok(p.to_string_lossy().into_owned().into_bytes()),
        "test",
    )
    .unwrap()
}

/// A deterministic stand-in for the simulation: stricter settings lock faster and more often.
fn fake(request: &RunRequest<'_>) -> Result<RunMetrics, String> {
    let value = |k: usize| match request.params.values[k].1 {
        scenarios::params::ParamValue::Int(v) => v,
        _ => unreachable!("the fake sweep has integers only"),
    };
    let strictness = (-value(0) - value(1)) as u64;
    let seed = request.seed;
    if request.params.index == 4 && seed == 3 && request.scenario_index == 1 {
        return Err("the fake runner fails here".into());
    }
    Ok(match request.scenario_index {
        0 => RunMetrics {
            time_to_lock_us: vec![
                Some((strictness * 3 + seed * 7 % 5) * 1_000_000),
                (!seed.is_multiple_of(3) || strictness < 20).then_some(strictness * 4_000_000),
            ],
            far_unlock_attempts_count: 2,
            far_trusted_unlocks_count: (strictness + seed) % 3,
            ..RunMetrics::default()
        },
        _ => RunMetrics {
            seated_us: 3_600_000_000 * (1 + seed % 2),
            false_locks_count: (30 / strictness + seed) % 4,
            desk_unlock_attempts_count: 10,
            desk_unlocks_count: 10 - (strictness / 5 + seed) % 3,
            ..RunMetrics::default()
        },
    })
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-sweep-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn report_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    ["report.html", "points.csv", "points.json"]
        .iter()
        .map(|name| (name.to_string(), fs::read(dir.join(name)).unwrap()))
        .collect()
}

/// Runs the whole plan in `dir` and writes its report.
fn single(dir: &Path, threads: usize) -> Vec<(String, Vec<u8>)> {
    let plan = plan();
    let summary = execute(&plan, dir, Shard::ALL, &fake, Some(threads), Progress::Hidden).unwrap();
    assert_eq!(summary.executed_count, plan.runs_count());
    report(&plan, &[dir.to_path_buf()], dir).unwrap();
    report_files(dir)
}

#[test]
fn results_are_the_same_for_any_thread_count() {
    let (one, two) = (temp_dir("t1"), temp_dir("t2"));
    assert_eq!(single(&one, 1), single(&two, 2));
    let points = collect(&plan(), std::slice::from_ref(&one)).unwrap();
    assert_eq!(points.len(), 6);
    assert_eq!(points[4].failed_runs.len(), 1, "the failed run is reported");
    assert_eq!(points[4].metrics.runs_count, 3, "its seed is left out of the aggregate");
    assert_eq!(
        points[4].command,
        "unlocksim run walk.yaml seated.yaml --set rssi_min=-15 --set rssi_max_delta=-5 \
         --seed 1 --runs 4 --trace-dir target/sweep/fake/traces/p000004",
        "every point carries the command that reproduces it"
    );
    assert!(
        points[4].failed_runs[0].ends_with(
            "; reproduce: unlocksim run seated.yaml --set rssi_min=-15 --set rssi_max_delta=-5 \
             --seed 3 --runs 1 --trace-dir target/sweep/fake/traces/p000004"
        ),
        "a failed run carries its own: {}",
        points[4].failed_runs[0]
    );
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(one.join("points.json")).unwrap()).unwrap();
    assert_eq!(json["points"][4]["command"], points[4].command.as_str());
    assert_eq!(json["objective"], "fastest_lock");
    let html = String::from_utf8(fs::read(one.join("report.html")).unwrap()).unwrap();
    assert!(html.contains("<section id=\"recommendation\">"));
    for dir in [one, two] {
        fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn sharded_and_merged_equals_a_single_run() {
    let reference = temp_dir("ref");
    let expected = single(&reference, 2);
    let plan = plan();
    let shards: Vec<PathBuf> = (0..3).map(|i| temp_dir(&format!("shard{i}"))).collect();
    for (i, dir) in shards.iter().enumerate() {
        let shard = Shard { index: i as u64, count: 3 };
        let summary = execute(&plan, dir, shard, &fake, Some(1), Progress::Hidden).unwrap();
        assert_eq!(summary.executed_count, plan.runs_count() / 3);
        assert!(collect(&plan, std::slice::from_ref(dir)).is_err(), "one shard is incomplete");
    }
    let merged_plan = read_plans(&shards).unwrap();
    assert_eq!(merged_plan.fingerprint, plan.fingerprint);
    let out = temp_dir("merged");
    report(&merged_plan, &shards, &out).unwrap();
    assert_eq!(report_files(&out), expected);
    // Merged into one store (here into the first shard's): its report is the same, and a
    // second merge appends nothing.
    let appended = merge(&merged_plan, &shards, &shards[0]).unwrap();
    assert_eq!(appended, plan.runs_count() * 2 / 3);
    assert_eq!(merge(&merged_plan, &shards, &shards[0]).unwrap(), 0);
    report(&merged_plan, std::slice::from_ref(&shards[0]), &shards[0]).unwrap();
    assert_eq!(report_files(&shards[0]), expected);
    for dir in shards.into_iter().chain([out, reference]) {
        fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn resuming_after_a_crash_equals_an_uninterrupted_run() {
    let reference = temp_dir("uninterrupted");
    let expected = single(&reference, 2);
    let plan = plan();
    let dir = temp_dir("crashed");
    let calls = AtomicUsize::new(0);
    let crashing = |request: &RunRequest<'_>| {
        if calls.fetch_add(1, Ordering::SeqCst) >= 10 {
            panic!("simulated crash");
        }
        fake(request)
    };
    let crashed = catch_unwind(AssertUnwindSafe(|| {
        execute(&plan, &dir, Shard::ALL, &crashing, Some(1), Progress::Hidden)
    }));
    assert!(crashed.is_err(), "the run crashed");
    // A crash mid-write leaves a torn line behind: it must never be read.
    let mut store = fs::OpenOptions::new().append(true).open(dir.join(store::STORE_FILE)).unwrap();
    std::io::Write::write_all(&mut store, b"{\"sum\":\"0123").unwrap();
    let done_before = plan.runs_count() - pending(&plan, &dir, Shard::ALL).unwrap().len() as u64;
    assert_eq!(done_before, 10);
    let summary = execute(&plan, &dir, Shard::ALL, &fake, Some(2), Progress::Hidden).unwrap();
    assert_eq!((summary.skipped_count, summary.executed_count), (10, plan.runs_count() - 10));
    report(&plan, std::slice::from_ref(&dir), &dir).unwrap();
    assert_eq!(report_files(&dir), expected);
    // A second resume only retries the one failed run.
    let again = execute(&plan, &dir, Shard::ALL, &fake, None, Progress::Hidden).unwrap();
    assert_eq!(again.executed_count, 1);
    for dir in [dir, reference] {
        fs::remove_dir_all(dir).unwrap();
    }
}

fn plan_with(sweep: &str, version: &str, read: &dyn Fn(&Path) -> Result<Vec<u8>, String>) -> Plan {
    expand(&parse_spec("sweep.yaml", sweep).unwrap(), "fake.yaml", Path::new("."), read, version)
        .unwrap()
}

fn same_bytes(p: &Path) -> Result<Vec<u8>, String> {
    Ok(p.to_string_lossy().into_owned().into_bytes())
}

/// Defect 2: an output directory of another sweep is refused with what differs, field by
/// field; growing (or changing) the seeds is the same sweep and reuses every finished run.
#[rstest]
#[case::more_seeds(SWEEP.replace("seeds: 4", "seeds: 6"), "test", Ok(24))]
#[case::fewer_seeds(SWEEP.replace("seeds: 4", "seeds: 2"), "test", Ok(0))]
#[case::values(SWEEP.replace("-5, -10, -15", "-5, -10, -20"), "test", Err("point 4: `[[\"rssi_min\",-15],[\"rssi_max_delta\",-5]]` -> `[[\"rssi_min\",-20],[\"rssi_max_delta\",-5]]`"))]
#[case::version(SWEEP.to_owned(), "next", Err("program_version: `test` -> `next`"))]
#[case::objective(format!("{SWEEP}objective: highest_availability\n"), "test", Err("objective: `\"fastest_lock\"` -> `\"highest_availability\"`"))]
fn a_changed_sweep_resumes_or_says_what_changed(
    #[case] sweep: String,
    #[case] version: &str,
    #[case] expected: Result<u64, &str>,
) {
    let dir =
        temp_dir(&format!("changed-{}", spec::hex_sha256(format!("{sweep}{version}").as_bytes())));
    let plan = plan();
    execute(&plan, &dir, Shard::ALL, &fake, Some(1), Progress::Hidden).unwrap();
    let other = plan_with(&sweep, version, &same_bytes);
    let got = execute(&other, &dir, Shard::ALL, &fake, Some(1), Progress::Hidden);
    let _ = fs::remove_dir_all(&dir);
    match (got, expected) {
        // The fake's one failed run (point 4, seed 3) is retried when its seed is in the plan.
        (Ok(summary), Ok(new_count)) => {
            let retried = u64::from(other.seeds.contains(&3));
            assert_eq!(summary.executed_count, new_count + retried);
        }
        (Err(error), Err(part)) => {
            assert!(error.contains("holds results of a different sweep"), "{error}");
            assert!(error.contains(part), "{error}");
        }
        (got, expected) => panic!("got {got:?}, expected {expected:?}"),
    }
}

/// A changed scenario file is named with both hashes.
#[test]
fn a_changed_scenario_is_named() {
    let dir = temp_dir("scenario-changed");
    execute(&plan(), &dir, Shard { index: 0, count: 8 }, &fake, Some(1), Progress::Hidden).unwrap();
    let other = plan_with(SWEEP, "test", &|p| {
        let mut bytes = same_bytes(p)?;
        if p.ends_with("seated.yaml") {
            bytes.push(b'!');
        }
        Ok(bytes)
    });
    let error = execute(&other, &dir, Shard::ALL, &fake, Some(1), Progress::Hidden).unwrap_err();
    let _ = fs::remove_dir_all(&dir);
    assert!(error.contains("scenario seated.yaml sha256: `"), "{error}");
    assert!(!error.contains("walk.yaml sha256"), "{error}");
}

/// Kills at many points (a panic after N runs, then the store cut at a random byte, as a
/// `kill -9` mid-flush would leave it), resumed each time: never a duplicated or damaged run,
/// and the report equals an uninterrupted run's.
#[test]
fn killed_at_random_points_and_resumed_equals_an_uninterrupted_run() {
    let reference = temp_dir("kill-reference");
    let expected = single(&reference, 1);
    let plan = plan();
    let dir = temp_dir("killed");
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut random = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n.max(1)
    };
    for _ in 0..12 {
        let limit = random(8) as usize;
        let calls = AtomicUsize::new(0);
        let crashing = |request: &RunRequest<'_>| {
            if calls.fetch_add(1, Ordering::SeqCst) >= limit {
                panic!("simulated kill");
            }
            fake(request)
        };
        let _ = catch_unwind(AssertUnwindSafe(|| {
            execute(&plan, &dir, Shard::ALL, &crashing, Some(1), Progress::Hidden)
        }));
        let path = dir.join(store::STORE_FILE);
        let size = fs::metadata(&path).unwrap().len();
        let cut = size - random(120).min(size);
        fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(cut).unwrap();
    }
    execute(&plan, &dir, Shard::ALL, &fake, Some(2), Progress::Hidden).unwrap();
    report(&plan, std::slice::from_ref(&dir), &dir).unwrap();
    let leftovers: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert_eq!(report_files(&dir), expected);
    assert_eq!(leftovers, Vec::<String>::new(), "no temporary files");
    for dir in [dir, reference] {
        fs::remove_dir_all(dir).unwrap();
    }
}

/// Defect 3: Slurm array semantics (MIN, STEP, COUNT), a resubmitted task, `--shard` winning,
/// Kubernetes, over environment maps (the process environment is never touched).
#[rstest]
#[case::explicit(Some("1/4"), None, &[], Ok(Shard { index: 1, count: 4 }))]
#[case::explicit_wins(Some("0/2"), None, &[("SLURM_ARRAY_TASK_ID", "3")], Ok(Shard { index: 0, count: 2 }))]
#[case::explicit_wins_over_resubmit(Some("2/4"), None, &[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "2"), ("SLURM_ARRAY_TASK_COUNT", "1")], Ok(Shard { index: 2, count: 4 }))]
#[case::slurm(None, None, &[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "5")], Ok(Shard { index: 2, count: 5 }))]
#[case::slurm_one_based(None, None, &[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "5")], Ok(Shard { index: 4, count: 5 }))]
#[case::slurm_step(None, None, &[("SLURM_ARRAY_TASK_ID", "6"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_STEP", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")], Ok(Shard { index: 3, count: 4 }))]
#[case::slurm_step_offset(None, None, &[("SLURM_ARRAY_TASK_ID", "7"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_STEP", "3"), ("SLURM_ARRAY_TASK_COUNT", "3")], Ok(Shard { index: 2, count: 3 }))]
#[case::slurm_off_step(None, None, &[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_STEP", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")], Err("not MIN 0 + k x STEP 2; pass --shard I/N"))]
#[case::slurm_resubmitted_task(None, None, &[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "2"), ("SLURM_ARRAY_TASK_COUNT", "1")], Err("one-task Slurm array (task 2"))]
#[case::slurm_resubmitted_with_count(None, Some(4), &[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "2"), ("SLURM_ARRAY_TASK_COUNT", "1")], Err("pass --shard I/N"))]
#[case::slurm_one_task_array(None, None, &[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_COUNT", "1")], Ok(Shard::ALL))]
#[case::slurm_count_mismatch(None, Some(3), &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")], Err("--shard-count 3 disagrees with SLURM_ARRAY_TASK_COUNT 4"))]
#[case::slurm_no_count(None, None, &[("SLURM_ARRAY_TASK_ID", "1")], Err("not SLURM_ARRAY_TASK_COUNT; pass --shard I/N"))]
#[case::slurm_below_min(None, None, &[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "2")], Err("pass --shard I/N"))]
#[case::kubernetes(None, Some(3), &[("JOB_COMPLETION_INDEX", "2")], Ok(Shard { index: 2, count: 3 }))]
#[case::kubernetes_needs_count(None, None, &[("JOB_COMPLETION_INDEX", "2")], Err("--shard-count"))]
#[case::kubernetes_out_of_range(None, Some(2), &[("JOB_COMPLETION_INDEX", "2")], Err("out of range"))]
#[case::nothing(None, None, &[], Ok(Shard::ALL))]
#[case::out_of_range(Some("4/4"), None, &[], Err("out of range"))]
#[case::not_a_fraction(Some("4"), None, &[], Err("is not I/N"))]
#[case::not_a_number(None, None, &[("SLURM_ARRAY_TASK_ID", "x")], Err("SLURM_ARRAY_TASK_ID: `x` is not a number"))]
#[case::count_alone(None, Some(3), &[], Err("without a shard index"))]
fn shard_resolution(
    #[case] arg: Option<&str>,
    #[case] count: Option<u64>,
    #[case] env: &[(&str, &str)],
    #[case] expected: Result<Shard, &str>,
) {
    let lookup = |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
    match (Shard::resolve(arg, count, &lookup), expected) {
        (Ok(shard), Ok(expected)) => assert_eq!(shard, expected),
        (Err(error), Err(part)) => assert!(error.contains(part), "{error}"),
        (got, expected) => panic!("got {got:?}, expected {expected:?}"),
    }
}

#[test]
fn shards_partition_the_runs() {
    let plan = plan();
    let count = plan.runs().len();
    for n in 1..=5u64 {
        let covered: usize = (0..n)
            .map(|i| (0..count).filter(|&k| Shard { index: i, count: n }.contains(k)).count())
            .sum();
        assert_eq!(covered, count);
    }
}

/// `--dry-run`'s estimate is within 2x of the real execution (a runner of known cost, so the
/// tolerance, not the machine, decides).
#[test]
fn the_estimate_is_within_a_factor_of_two() {
    let plan = plan();
    let slow = |request: &RunRequest<'_>| {
        std::thread::sleep(Duration::from_millis(3 + request.params.index as u64 % 3));
        fake(request)
    };
    let pending = plan.runs();
    let estimate = estimate(&plan, &slow, &pending, Some(2)).unwrap();
    let dir = temp_dir("estimate");
    let summary = execute(&plan, &dir, Shard::ALL, &slow, Some(2), Progress::Hidden).unwrap();
    let _ = fs::remove_dir_all(&dir);
    let ratio = estimate.total_s / summary.elapsed.as_secs_f64();
    assert!((0.5..=2.0).contains(&ratio), "estimate {estimate:?} vs {summary:?}");
    assert_eq!(estimate.timed_count, 16);
}

/// The progress line without a terminal: done/total, rate and ETA.
#[rstest]
#[case(0, 100, 1.0, "xtask sweep: 0/100 runs, 0.0 runs/s, ETA unknown")]
#[case(50, 200, 5.0, "xtask sweep: 50/200 runs, 10.0 runs/s, ETA 15 s")]
fn progress_lines(#[case] done: u64, #[case] total: u64, #[case] s: f64, #[case] line: &str) {
    assert_eq!(progress_line(done, total, Duration::from_secs_f64(s)), line);
}

/// Defect 3: a task that resolves another shard into a shard's directory (e.g. `sbatch
/// --array=0` resubmitting task 0 of 4 resolves to 0/1) is refused, naming the recorded shard.
#[rstest]
#[case::same(Shard { index: 2, count: 4 }, None)]
#[case::whole_plan(
    Shard::ALL,
    Some("holds shard 2/4, but this task resolved to shard 0/1; pass --shard 2/4")
)]
#[case::other_count(Shard { index: 2, count: 5 }, Some("pass --shard 2/4"))]
fn a_directory_keeps_its_shard(#[case] again: Shard, #[case] error: Option<&str>) {
    let dir = temp_dir(&format!("shard-{}-{}", again.index, again.count));
    let plan = plan();
    execute(&plan, &dir, Shard { index: 2, count: 4 }, &fake, Some(1), Progress::Hidden).unwrap();
    let got = execute(&plan, &dir, again, &fake, Some(1), Progress::Hidden);
    let _ = fs::remove_dir_all(&dir);
    match (got, error) {
        // Only the fake's one failed run (in this shard) is retried.
        (Ok(summary), None) => assert_eq!(summary.executed_count, 1),
        (Err(got), Some(part)) => assert!(got.contains(part), "{got}"),
        (got, expected) => panic!("got {got:?}, expected {expected:?}"),
    }
}

/// A base scenario naming `policy.yaml`, whose Dynamic Lock rules are in `rules.xml`.
const NAMING_SCENARIO: &str = concat!(
    "name: names files\nseed: 1\nruns: 1\nduration: 5m\nworld:\n",
    "  pcs:\n    desk: {position: [0, 0], paired_phones: [ana-phone]}\n",
    "  phones:\n    ana-phone: {carried_by: ana}\n  users:\n    ana: {position: [0.6, 0]}\n",
    "windows:\n  desk:\n    user: ana\n    policy_file: policy.yaml\n",
);
const NAMED_POLICY: &str = "dynamic_lock:\n  enabled: true\n  signal_rules_file: rules.xml\n";
const NAMED_RULES: &str = concat!(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Dynamic Lock\" ",
    "classOfDevice=\"512\" rssiMin=\"-10\" rssiMaxDelta=\"-10\"/></rule>",
);

/// Reads the two base scenarios as [`NAMING_SCENARIO`], `policy.yaml` and `rules.xml` as given.
fn naming_files(policy: &str, rules: &str) -> impl Fn(&Path) -> Result<Vec<u8>, String> {
    let (policy, rules) = (policy.to_owned(), rules.to_owned());
    move |path: &Path| {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match name.as_str() {
            "walk.yaml" | "seated.yaml" => Ok(NAMING_SCENARIO.as_bytes().to_vec()),
            "policy.yaml" => Ok(policy.clone().into_bytes()),
            "rules.xml" => Ok(rules.clone().into_bytes()),
            _ => Err(format!("{name}: no such file")),
        }
    }
}

/// Issue 16: the files a scenario names (its policy, the policy's rules file) are part of the
/// sweep's identity, hashed by content: editing one is refused, named field by field with both
/// hashes; the other scenario's files and the unchanged file are not named.
#[rstest]
#[case::policy(
    NAMED_POLICY.replace("enabled: true", "enabled: true  # edited"),
    NAMED_RULES.to_owned(),
    "policy.yaml"
)]
#[case::rules(NAMED_POLICY.to_owned(), NAMED_RULES.replace("-10\"/>", "-12\"/>"), "rules.xml")]
fn a_changed_file_a_scenario_names_is_named(
    #[case] policy: String,
    #[case] rules: String,
    #[case] changed: &str,
) {
    let first = plan_with(SWEEP, "test", &naming_files(NAMED_POLICY, NAMED_RULES));
    let named: Vec<&str> = first.scenarios[0].files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(named, ["policy.yaml", "rules.xml"]);
    assert!(first.scenarios[0].files.iter().all(|f| f.sha256.len() == 64));
    let dir = temp_dir(&format!("named-file-{changed}"));
    execute(&first, &dir, Shard { index: 0, count: 8 }, &fake, Some(1), Progress::Hidden).unwrap();
    let same = plan_with(SWEEP, "test", &naming_files(NAMED_POLICY, NAMED_RULES));
    assert_eq!(same.fingerprint, first.fingerprint, "the same files are the same sweep");
    let edited = plan_with(SWEEP, "test", &naming_files(&policy, &rules));
    let error = execute(&edited, &dir, Shard::ALL, &fake, Some(1), Progress::Hidden).unwrap_err();
    let _ = fs::remove_dir_all(&dir);
    assert!(error.contains(&format!("scenario walk.yaml file {changed} sha256: `")), "{error}");
    assert!(error.contains(&format!("scenario seated.yaml file {changed} sha256: `")), "{error}");
    let unchanged = if changed == "rules.xml" { "policy.yaml" } else { "rules.xml" };
    assert!(!error.contains(&format!("file {unchanged}")), "{error}");
    assert!(!error.contains("walk.yaml sha256"), "{error}");
}
