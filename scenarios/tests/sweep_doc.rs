//! `docs/sweep.md` lists every sweepable parameter with its kind, in the order of
//! `scenarios::params::PARAMETERS`: a parameter added to one and not the other fails here.

use scenarios::params::PARAMETERS;

/// (name, kind) of every row of the doc's "Sweepable parameters" table.
fn documented() -> Vec<(String, String)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/sweep.md");
    let text = std::fs::read_to_string(&path).expect("docs/sweep.md");
    let section = text.split("\n## Sweepable parameters").nth(1).expect("the section");
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((name.to_owned(), (*cells.get(2)?).to_owned()))
        })
        .collect()
}

#[test]
fn the_doc_lists_every_parameter_with_its_kind() {
    let expected: Vec<(String, String)> =
        PARAMETERS.iter().map(|p| (p.name.to_owned(), p.kind.name().to_owned())).collect();
    assert_eq!(documented(), expected);
}
