//! "Did you mean" suggestions for misspelt keys, element names and values.
//!
//! A typo must never silently fall back to a default; the loaders report it as an error and use
//! [`did_you_mean`] to name the closest valid spelling. Every loader of the workspace uses it.

/// Levenshtein distance between two strings, in characters, compared case-insensitively.
/// Inputs are bounded to 256 characters each, so the cost stays small on any input.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(256).flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().take(256).flat_map(char::to_lowercase).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo: at most a third
/// of the longer word's length (and at least one edit) away. Ties go to the earlier candidate.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|&candidate| (edit_distance(word, candidate), candidate))
        .filter(|&(distance, candidate)| {
            let longest = word.chars().count().max(candidate.chars().count());
            distance <= (longest / 3).max(1)
        })
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// A hint naming the closest candidate, or listing them all when none is close.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match closest(word, candidates) {
        Some(candidate) => format!("did you mean `{candidate}`?"),
        None => format!("expected one of: {}", candidates.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("", "", 0)]
    #[case("kitten", "sitting", 3)]
    #[case("first_factor", "first_factors", 1)]
    #[case("RSSIMIN", "rssiMin", 0)]
    #[case("abc", "", 3)]
    fn distances(#[case] a: &str, #[case] b: &str, #[case] expected: usize) {
        assert_eq!(edit_distance(a, b), expected);
    }

    #[rstest]
    #[case("frist_factors", Some("first_factors"))]
    #[case("signal_rule", Some("signal_rules"))]
    #[case("zzzz", None)]
    fn suggestions(#[case] word: &str, #[case] expected: Option<&str>) {
        let candidates = ["first_factors", "second_factors", "signal_rules", "signal_rules_file"];
        assert_eq!(closest(word, &candidates), expected);
    }
}
