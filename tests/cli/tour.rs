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
        "out/" | "junit.xml" | "p.reg" | "env.yaml" => dir.join(arg).to_string_lossy().into_owned(),
        other => other.to_owned(),
    };
    let mut problems = Vec::new();
    for command in &commands {
        let args: Vec<String> = command.split_whitespace().skip(1).map(written).collect();
        if args.first().is_some_and(|a| a == "serve") {
            if let Err(problem) = serve_prints_its_url(&args) {
                problems.push(format!("{command}: {problem}"));
            }
            continue;
        }
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

/// `unlocksim serve` runs until stopped: it must print its URL on its first line, then it is
/// stopped. A port already in use (another server) is an error, not a hang.
fn serve_prints_its_url(args: &[String]) -> Result<(), String> {
    use std::io::BufRead as _;
    let mut child = crate::util::unlocksim_command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("does not start: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = receiver.recv_timeout(std::time::Duration::from_secs(60));
    let _ = child.kill();
    let status = child.wait().map_err(|e| e.to_string())?;
    match line {
        Ok(line) if line.contains("http://127.0.0.1:") => Ok(()),
        Ok(line) if status.code() == Some(2) => Err(format!("exit 2 ({line:?}), port in use?")),
        other => Err(format!("no URL within 60 s: {other:?}")),
    }
}

#[test]
fn tour_commands_drop_comments_and_other_programs() {
    let readme = "# x\n## A short tour\n\n```sh\nunlocksim run a.yaml   # why\n\
                  cargo xtask --help   # not ours\n                  # a continued comment\n\
                  unlocksim radio\n```\nunlocksim after\n";
    assert_eq!(tour_commands(readme), ["unlocksim run a.yaml", "unlocksim radio"]);
}
