use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::AtomicUsize;

use rstest::rstest;

use super::*;
use crate::sweep::spec::{expand, parse_spec};

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
    let summary = execute(&plan, dir, Shard::ALL, &fake, Some(threads), false).unwrap();
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
        let summary = execute(&plan, dir, shard, &fake, Some(1), false).unwrap();
        assert_eq!(summary.executed_count, plan.runs_count() / 3);
        assert!(collect(&plan, std::slice::from_ref(dir)).is_err(), "one shard is incomplete");
    }
    let merged_plan = read_plans(&shards).unwrap();
    assert_eq!(merged_plan.fingerprint, plan.fingerprint);
    let out = temp_dir("merged");
    report(&merged_plan, &shards, &out).unwrap();
    assert_eq!(report_files(&out), expected);
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
        execute(&plan, &dir, Shard::ALL, &crashing, Some(1), false)
    }));
    assert!(crashed.is_err(), "the run crashed");
    // A crash mid-write leaves a temporary file behind: it must never be read.
    let stray = runs_dir(&dir).join(format!(".{}.tmp999", plan.runs()[20].file_name()));
    fs::write(&stray, b"{\"fingerprint\": \"half").unwrap();
    let done_before = plan.runs_count() - pending(&plan, &dir, Shard::ALL).unwrap().len() as u64;
    assert_eq!(done_before, 10);
    let summary = execute(&plan, &dir, Shard::ALL, &fake, Some(2), false).unwrap();
    assert_eq!((summary.skipped_count, summary.executed_count), (10, plan.runs_count() - 10));
    report(&plan, std::slice::from_ref(&dir), &dir).unwrap();
    assert_eq!(report_files(&dir), expected);
    // A second resume only retries the one failed run.
    let again = execute(&plan, &dir, Shard::ALL, &fake, None, false).unwrap();
    assert_eq!(again.executed_count, 1);
    for dir in [dir, reference] {
        fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn results_of_another_sweep_are_refused() {
    let dir = temp_dir("other");
    let plan = plan();
    execute(&plan, &dir, Shard { index: 0, count: 8 }, &fake, Some(1), false).unwrap();
    let other = expand(
        &parse_spec("sweep.yaml", &SWEEP.replace("seeds: 4", "seeds: 5")).unwrap(),
        "fake.yaml",
        Path::new("."),
        &|_| Ok(Vec::new()),
        "test",
    )
    .unwrap();
    let error = execute(&other, &dir, Shard::ALL, &fake, Some(1), false).unwrap_err();
    assert!(error.contains("different sweep"), "{error}");
    fs::remove_dir_all(dir).unwrap();
}

#[rstest]
#[case::explicit(Some("1/4"), None, &[], Ok(Shard { index: 1, count: 4 }))]
#[case::explicit_wins(Some("0/2"), None, &[("SLURM_ARRAY_TASK_ID", "3")], Ok(Shard { index: 0, count: 2 }))]
#[case::slurm(None, None, &[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "5")], Ok(Shard { index: 2, count: 5 }))]
#[case::slurm_one_based(None, None, &[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "5")], Ok(Shard { index: 4, count: 5 }))]
#[case::kubernetes(None, Some(3), &[("JOB_COMPLETION_INDEX", "2")], Ok(Shard { index: 2, count: 3 }))]
#[case::kubernetes_needs_count(None, None, &[("JOB_COMPLETION_INDEX", "2")], Err("--shard-count"))]
#[case::nothing(None, None, &[], Ok(Shard::ALL))]
#[case::out_of_range(Some("4/4"), None, &[], Err("out of range"))]
#[case::not_a_fraction(Some("4"), None, &[], Err("is not I/N"))]
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
