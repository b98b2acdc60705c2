//! Ignore rules: `lifecycle.ignore_changes` and the drift-ignore file.
//!
//! # The drift-ignore file (`.girder-drift-ignore`)
//!
//! Known noise that `girder drift` should not report, one rule per line:
//!
//! ```text
//! # Autoscaling moves the desired count; not drift.
//! aws_autoscaling_group.web         desired_capacity      # scaled by the target-tracking policy
//! module.*.aws_instance.*           tags["LastPatched"]   # set by the patching job
//! aws_security_group.legacy_*       ingress               # managed by the network team's tool
//! aws_s3_bucket.scratch             *                     # may be deleted by the cleanup job
//! ```
//!
//! - `ADDRESS_GLOB`: a resource instance address where `*` matches any run of characters
//!   (dots and brackets included) and `?` one character; everything else is literal, so
//!   `aws_subnet.private[*]` matches `aws_subnet.private[0]` and `aws_subnet.private["a"]`.
//!   Quotes may hold spaces (`aws_x.y["a b"]`).
//! - `ATTR_PATH`: the attribute path whose changes are ignored, as in `ignore_changes`
//!   (`tags`, `tags["Env"]`, `ingress[*].description`), covering everything below it; or `*`
//!   for everything about the resource, including its deletion and (for unmanaged objects) its
//!   existence.
//! - `# reason`: required. Every ignored change is still listed in the report's `ignored`
//!   section with the reason and `FILE:LINE` of the rule, so noise stays auditable.
//!
//! Blank lines and lines starting with `#` are comments. Errors carry `FILE:LINE:COLUMN`
//! ([`girder_core::Diagnostic`] with a span); all errors of a file are reported at once.

use super::path::AttrPath;
use girder_core::{Diagnostic, SourceSpan};
use std::sync::Arc;

/// The conventional name of the drift-ignore file, in the working directory.
pub const DRIFT_IGNORE_FILE: &str = ".girder-drift-ignore";

/// What a rule ignores on the matched resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleTarget {
    /// Changes at or below this path.
    Path(AttrPath),
    /// Everything: attribute changes, deletion, being unmanaged (`*`).
    All,
}

/// One rule of the drift-ignore file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreRule {
    /// The address glob.
    pub address_glob: String,
    /// What is ignored.
    pub target: RuleTarget,
    /// Why (required).
    pub reason: String,
    /// Where the rule is: `FILE:LINE`.
    pub origin: String,
}

impl IgnoreRule {
    /// Does this rule's glob match `address`?
    pub fn matches_address(&self, address: &str) -> bool {
        glob_match(&self.address_glob, address)
    }
}

/// The rules of a drift-ignore file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IgnoreRules {
    /// The rules, in file order (the first matching rule is the one reported).
    pub rules: Vec<IgnoreRule>,
}

/// A resource's `lifecycle { ignore_changes = ... }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum IgnoreChanges {
    /// No `ignore_changes`.
    #[default]
    None,
    /// `ignore_changes = all`.
    All,
    /// `ignore_changes = [tags, ...]`.
    Paths(Vec<AttrPath>),
}

/// `*` any run, `?` one character; everything else literal.
pub fn glob_match(glob: &str, s: &str) -> bool {
    let g: Vec<char> = glob.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut gi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if gi < g.len() && (g[gi] == '?' || (g[gi] != '*' && g[gi] == t[ti])) {
            gi += 1;
            ti += 1;
        } else if gi < g.len() && g[gi] == '*' {
            star = Some((gi, ti));
            gi += 1;
        } else if let Some((sg, st)) = star {
            gi = sg + 1;
            ti = st + 1;
            star = Some((sg, st + 1));
        } else {
            return false;
        }
    }
    while gi < g.len() && g[gi] == '*' {
        gi += 1;
    }
    gi == g.len()
}

/// Splits a line into (token, byte start) pairs and the comment (with its start), honouring
/// double quotes. Err: byte offset of an unterminated quote.
fn tokens(line: &str) -> Result<(Vec<(&str, usize)>, Option<(&str, usize)>), usize> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut in_str: Option<usize> = None;
    let mut esc = false;
    for (i, c) in line.char_indices() {
        if let Some(_q) = in_str {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = None;
            }
            continue;
        }
        match c {
            '#' => {
                if let Some(s) = start.take() {
                    out.push((&line[s..i], s));
                }
                return Ok((out, Some((&line[i + 1..], i))));
            }
            c if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    out.push((&line[s..i], s));
                }
            }
            '"' => {
                in_str = Some(i);
                start.get_or_insert(i);
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(q) = in_str {
        return Err(q);
    }
    if let Some(s) = start {
        out.push((&line[s..], s));
    }
    Ok((out, None))
}

impl IgnoreRules {
    /// Parses a drift-ignore file. `filename` names it in errors and in each rule's origin.
    /// Returns every error found (one per bad line), never a partial rule set.
    pub fn parse(filename: &str, src: &str) -> Result<IgnoreRules, Vec<Diagnostic>> {
        let file: Arc<str> = Arc::from(filename);
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        let mut offset = 0usize;
        for (n, raw) in src.split_inclusive('\n').enumerate() {
            let line_start = offset;
            offset += raw.len();
            let line = raw.trim_end_matches(['\n', '\r']);
            let lineno = n + 1;
            let span = |from: usize, to: usize| {
                SourceSpan::from_bytes(file.clone(), src, line_start + from, line_start + to)
            };
            let help = "Write one rule per line: `ADDRESS_GLOB ATTR_PATH # reason`, e.g. `aws_autoscaling_group.web desired_capacity # scaled by autoscaling`.";
            let (toks, comment) = match tokens(line) {
                Ok(t) => t,
                Err(q) => {
                    errors.push(
                        Diagnostic::error(
                            "Unterminated string",
                            "A `\"` in this rule is not closed.",
                        )
                        .with_span(span(q, line.len()))
                        .with_help(help),
                    );
                    continue;
                }
            };
            if toks.is_empty() {
                continue; // blank or comment-only
            }
            if toks.len() == 1 {
                let (t, s) = toks[0];
                errors.push(
                    Diagnostic::error(
                        "Missing attribute path",
                        format!("The rule for `{t}` names no attribute path; use `*` to ignore everything about the resource."),
                    )
                    .with_span(span(s, s + t.len()))
                    .with_help(help),
                );
                continue;
            }
            if toks.len() > 2 {
                let (t, s) = toks[2];
                errors.push(
                    Diagnostic::error(
                        "Unexpected text in drift-ignore rule",
                        format!("A rule has two fields, an address glob and an attribute path; `{t}` is a third. Start the reason with `#`."),
                    )
                    .with_span(span(s, line.len()))
                    .with_help(help),
                );
                continue;
            }
            let (glob, _) = toks[0];
            let (path_src, path_at) = toks[1];
            let target = if path_src == "*" {
                RuleTarget::All
            } else {
                match AttrPath::parse(path_src) {
                    Ok(p) => RuleTarget::Path(p),
                    Err((at, msg)) => {
                        errors.push(
                            Diagnostic::error(
                                "Invalid attribute path",
                                format!("In `{path_src}`: {msg}."),
                            )
                            .with_span(span(path_at + at, path_at + at + 1))
                            .with_help("Write paths as in `ignore_changes`: `tags`, `tags[\"Env\"]`, `ingress[*].description`, or `*`."),
                        );
                        continue;
                    }
                }
            };
            let reason = comment.map(|(c, _)| c.trim()).unwrap_or("");
            if reason.is_empty() {
                let at = comment.map(|(_, i)| i).unwrap_or(line.len());
                errors.push(
                    Diagnostic::error(
                        "Missing reason",
                        format!("The rule `{glob} {path_src}` gives no reason. Every ignore rule says why, so the noise it hides stays reviewable."),
                    )
                    .with_span(span(at, line.len()))
                    .with_help(format!("Add the reason after `#`: `{glob} {path_src} # why this is not drift`.")),
                );
                continue;
            }
            rules.push(IgnoreRule {
                address_glob: glob.to_string(),
                target,
                reason: reason.to_string(),
                origin: format!("{filename}:{lineno}"),
            });
        }
        if errors.is_empty() {
            Ok(IgnoreRules { rules })
        } else {
            Err(errors)
        }
    }

    /// The first rule covering a change at `path` of `address`.
    pub fn for_change(&self, address: &str, path: &AttrPath) -> Option<&IgnoreRule> {
        self.rules.iter().find(|r| {
            r.matches_address(address)
                && match &r.target {
                    RuleTarget::All => true,
                    RuleTarget::Path(p) => p.covers(path),
                }
        })
    }

    /// The first `*` rule for `address` (it covers deletion and unmanaged objects).
    pub fn for_whole(&self, address: &str) -> Option<&IgnoreRule> {
        self.rules
            .iter()
            .find(|r| r.target == RuleTarget::All && r.matches_address(address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("aws_subnet.private[*]", "aws_subnet.private[0]"));
        assert!(glob_match(
            "module.*.aws_instance.*",
            r#"module.app["a"].aws_instance.web"#
        ));
        assert!(glob_match("aws_?3_bucket.x", "aws_s3_bucket.x"));
        assert!(!glob_match("aws_subnet.a", "aws_subnet.ab"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn quoted_spaces_and_comments() {
        let r = IgnoreRules::parse(
            "f",
            "# top\n\naws_x.y[\"a b\"]  tags[\"Env # x\"]  # because\n",
        )
        .unwrap();
        assert_eq!(r.rules.len(), 1);
        assert_eq!(r.rules[0].address_glob, "aws_x.y[\"a b\"]");
        assert_eq!(r.rules[0].reason, "because");
        assert_eq!(r.rules[0].origin, "f:3");
    }
}
