//! Property tests of `girder fmt` on generated configurations: formatting succeeds on valid
//! input, is idempotent, and changes nothing but whitespace (plus Terraform's documented
//! normalisations, which only touch quotes, `${`/`}` and type keywords).

mod fmt_gen;

use girder_lang::fmt::{format_source, is_formatted};
use proptest::prelude::*;

/// The non-whitespace characters, without the ones Terraform's normalisations may change.
fn skeleton(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '$' | '{' | '}' | '(' | ')'))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn fmt_is_idempotent(src in fmt_gen::config()) {
        prop_assume!(hcl_edit::parser::parse_body(&src).is_ok());
        let once = format_source(&src, "gen.tf").map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        let twice = format_source(&once, "gen.tf").map_err(|d| TestCaseError::fail(format!("formatted output does not parse: {d:?}\n{once}")))?;
        prop_assert_eq!(&twice, &once, "not idempotent on input:\n{}", src);
        prop_assert!(is_formatted(&once, "gen.tf").unwrap_or(false));
    }

    #[test]
    fn fmt_only_changes_layout(src in fmt_gen::config()) {
        prop_assume!(hcl_edit::parser::parse_body(&src).is_ok());
        let once = format_source(&src, "gen.tf").map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        // Labels and legacy types may be rewritten; compare without those characters and
        // without the removed `/* c */` comments between block labels.
        let strip = |s: &str| skeleton(&s.replace("/* c */", "").replace("any", ""));
        prop_assert_eq!(strip(&once), strip(&src));
    }

    #[test]
    fn fmt_never_panics_on_broken_configs(
        src in fmt_gen::config(),
        edits in proptest::collection::vec((any::<usize>(), any::<bool>(), proptest::sample::select(vec!['{', '}', '[', ']', '(', ')', '"', '=', ',', '.', ':', '?', '\n', '#', '$', '%', '~', '<', '-', '*', '!', '/', '\\', 'é', '\t', '\r'])), 1..4),
    ) {
        let mut s: Vec<char> = src.chars().collect();
        for (pos, insert, c) in edits {
            if insert {
                let p = pos % (s.len() + 1);
                s.insert(p, c);
            } else if !s.is_empty() {
                let p = pos % s.len();
                s.remove(p);
            }
        }
        let s: String = s.into_iter().collect();
        if let Ok(out) = format_source(&s, "broken.tf") {
            // whatever we accept, we format to something we accept again
            prop_assert!(format_source(&out, "broken.tf").is_ok(), "output does not parse:\n{}", out);
        }
    }

    #[test]
    fn fmt_never_panics_on_arbitrary_text(src in "[ -~\\n\\t]{0,200}") {
        let _ = format_source(&src, "junk.tf");
    }
}
