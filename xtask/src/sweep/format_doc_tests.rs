//! The study format's reference page (`docs/formats/sweep-study.md`) against the loader: every
//! key `parse_spec` accepts has a row under its struct's heading and no row names a key it
//! refuses; the commented example study (`examples/sweep/study.yaml`) expands to the plan its
//! comments promise.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use engine::diagnostic::keys::{documented_keys, keys_of};
use reports::recommend::RecommendationCriteria;

use super::spec::{ParameterSpec, Range, SweepSpec, expand, load_spec};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_study_page_has_every_key_of_the_study_loader() {
    let page = std::fs::read_to_string(repo_root().join("docs/formats/sweep-study.md"))
        .expect("docs/formats/sweep-study.md");
    // `seeds` is read by hand (`Seeds::deserialize`): a count or a map of these two keys.
    let structs: [(&str, &[&str]); 5] = [
        ("Top level", keys_of::<SweepSpec>()),
        ("`parameters[]`", keys_of::<ParameterSpec>()),
        ("`parameters[].range`", keys_of::<Range>()),
        ("`seeds`", &["first", "count"]),
        ("`criteria`", keys_of::<RecommendationCriteria>()),
    ];
    let mut problems = Vec::new();
    for (heading, keys) in structs {
        let Some(rows) = documented_keys(&page, heading) else {
            problems.push(format!("no heading {heading}"));
            continue;
        };
        let rows: BTreeSet<&str> = rows.into_iter().collect();
        let keys: BTreeSet<&str> = keys.iter().copied().collect();
        problems.extend(keys.difference(&rows).map(|key| format!("{heading}: no row for `{key}`")));
        problems.extend(rows.difference(&keys).map(|row| format!("{heading}: `{row}` is no key")));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_example_study_expands_to_the_plan_its_comments_promise() {
    let path = repo_root().join("examples/sweep/study.yaml");
    let (text, spec) = load_spec(&path).expect("the example study loads");
    assert!(text.lines().any(|line| line.contains("6 points x 1 scenario x 3 seeds = 18 runs")));
    let read = |path: &Path| super::spec::read_input(path);
    let folder = path.parent().expect("a folder");
    let plan = expand(&spec, "study.yaml", folder, &read, "test").expect("the plan expands");
    assert_eq!(
        (plan.points.len(), plan.scenarios.len(), plan.seeds.clone()),
        (6, 1, vec![1, 2, 3])
    );
}
