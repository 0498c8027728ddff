//! The README's "A short tour": every `unlocksim` command in it runs as written from the
//! repository root, against files of the repository, and ends with a verdict (exit 0 or 1),
//! never a usage error, unreadable input or a panic. Files the tour writes (`out/`,
//! `junit.xml`, `p.reg`) and the `--rerun-failed` state go to a temporary folder instead.

use std::process::Command;

/// The commands of the tour's code block: each `unlocksim ...` line without its comment.
fn tour_commands(readme: &str) -> Vec<String> {
    let tour = readme.split("## A short tour").nth(1).unwrap_or_default();
    let block = tour.split("```sh").nth(1).unwrap_or_default();
    let block = block.split("```").next().unwrap_or_default();
    block
        .lines()
        .map(|line| line.split("  #").next().unwrap_or_default().trim())
        .filter(|line| line.starts_with("unlocksim "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_command_of_the_readme_tour_runs_as_written() {
    let root = crate::util::repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let commands = tour_commands(&readme);
    assert!(commands.len() >= 25, "the tour has its commands: {commands:?}");
    let dir = std::env::temp_dir().join(format!("unlocksim-tour-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let written = |arg: &str| match arg {
        "out/" | "junit.xml" | "p.reg" => dir.join(arg).to_string_lossy().into_owned(),
        other => other.to_owned(),
    };
    let mut problems = Vec::new();
    for command in &commands {
        let args: Vec<String> = command.split_whitespace().skip(1).map(written).collect();
        let output = Command::new(env!("CARGO_BIN_EXE_unlocksim"))
            .args(&args)
            .env("UNLOCKSIM_STATE_DIR", &dir)
            .current_dir(&root)
            .output()
            .expect("the unlocksim binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code();
        if !matches!(code, Some(0 | 1)) || stderr.contains("panicked") {
            let first = stderr.lines().find(|l| l.contains("error")).unwrap_or_default();
            problems.push(format!("{command}: exit {code:?}: {first}"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "tour commands that do not run:\n{}", problems.join("\n"));
}

#[test]
fn tour_commands_drop_comments_and_other_programs() {
    let readme = "# x\n## A short tour\n\n```sh\nunlocksim run a.yaml   # why\n\
                  cargo xtask --help   # not ours\n                  # a continued comment\n\
                  unlocksim radio\n```\nunlocksim after\n";
    assert_eq!(tour_commands(readme), ["unlocksim run a.yaml", "unlocksim radio"]);
}
