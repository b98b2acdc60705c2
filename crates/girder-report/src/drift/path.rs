//! Attribute paths as Terraform writes them: `tags["Env"]`, `ingress[1].cidr_blocks`.

use serde::{Serialize, Serializer};
use std::fmt;

/// One step of an [`AttrPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An attribute (or nested block) name: `.cidr_blocks`.
    Attr(String),
    /// A map key: `["Env"]`.
    Key(String),
    /// A list index: `[1]`.
    Index(u64),
    /// Any key or index: `[*]` (patterns only).
    Any,
}

/// A path inside a resource's attributes.
///
/// Printed and parsed as Terraform writes it in `ignore_changes` and in its diagnostics:
/// the first step bare (`tags`), then `.name`, `["key"]`, `[0]`, or (in patterns) `[*]`.
/// In patterns a `.name` also matches the map key `["name"]` and the other way round, as
/// Terraform's traversals treat `tags.Env` and `tags["Env"]` alike.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    /// The empty path (the whole resource).
    pub fn root() -> AttrPath {
        AttrPath(Vec::new())
    }

    /// A one-step path.
    pub fn attr(name: &str) -> AttrPath {
        AttrPath(vec![PathStep::Attr(name.to_string())])
    }

    /// This path with one more step.
    pub fn child(&self, step: PathStep) -> AttrPath {
        let mut v = self.0.clone();
        v.push(step);
        AttrPath(v)
    }

    /// Is this the empty path?
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses `a.b["k"][0]`, `[*]` allowed. On error: the 0-based byte offset of the bad
    /// character and a message.
    pub fn parse(s: &str) -> Result<AttrPath, (usize, String)> {
        let b = s.as_bytes();
        let mut i = 0;
        let mut steps = Vec::new();
        let ident = |i: &mut usize| -> Result<String, (usize, String)> {
            let start = *i;
            while *i < b.len() && (b[*i].is_ascii_alphanumeric() || b[*i] == b'_' || b[*i] == b'-')
            {
                *i += 1;
            }
            if *i == start || b[start].is_ascii_digit() || b[start] == b'-' {
                return Err((start, "expected an attribute name (letters, digits, `_`, `-`, not starting with a digit)".into()));
            }
            Ok(s[start..*i].to_string())
        };
        if s.is_empty() {
            return Err((0, "empty attribute path".into()));
        }
        steps.push(PathStep::Attr(ident(&mut i)?));
        while i < b.len() {
            match b[i] {
                b'.' => {
                    i += 1;
                    steps.push(PathStep::Attr(ident(&mut i)?));
                }
                b'[' => {
                    let open = i;
                    i += 1;
                    if i < b.len() && b[i] == b'"' {
                        i += 1;
                        let mut key = String::new();
                        let mut closed = false;
                        let mut chars = s[i..].char_indices();
                        while let Some((off, c)) = chars.next() {
                            match c {
                                '"' => {
                                    i += off + 1;
                                    closed = true;
                                    break;
                                }
                                '\\' => match chars.next() {
                                    Some((_, 'n')) => key.push('\n'),
                                    Some((_, 't')) => key.push('\t'),
                                    Some((_, c)) => key.push(c),
                                    None => break,
                                },
                                c => key.push(c),
                            }
                        }
                        if !closed {
                            return Err((open, "unterminated string in `[\"...\"]`".into()));
                        }
                        steps.push(PathStep::Key(key));
                    } else if i < b.len() && b[i] == b'*' {
                        i += 1;
                        steps.push(PathStep::Any);
                    } else {
                        let start = i;
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                        if start == i {
                            return Err((
                                start,
                                "expected a number, a quoted key or `*` inside `[...]`".into(),
                            ));
                        }
                        let n = s[start..i]
                            .parse::<u64>()
                            .map_err(|_| (start, "index too large".to_string()))?;
                        steps.push(PathStep::Index(n));
                    }
                    if i >= b.len() || b[i] != b']' {
                        return Err((i.min(s.len()), "expected `]`".into()));
                    }
                    i += 1;
                }
                _ => {
                    let c = s[i..].chars().next().unwrap_or(' ');
                    return Err((
                        i,
                        format!("unexpected `{c}`: expected `.name`, `[\"key\"]`, `[0]` or `[*]`"),
                    ));
                }
            }
        }
        Ok(AttrPath(steps))
    }

    /// Does `self` (a pattern) cover `path`: is it equal to, or a prefix of, `path`?
    pub fn covers(&self, path: &AttrPath) -> bool {
        self.0.len() <= path.0.len() && self.0.iter().zip(&path.0).all(|(p, s)| step_matches(p, s))
    }

    /// Do the two overlap: is one a prefix of the other (by pattern rules)?
    pub fn overlaps(&self, path: &AttrPath) -> bool {
        self.0.iter().zip(&path.0).all(|(p, s)| step_matches(p, s))
    }

    /// The path without its index and key steps (`ingress[1].cidr_blocks` ->
    /// `ingress.cidr_blocks`), the form of set hints.
    pub fn shape(&self) -> AttrPath {
        AttrPath(
            self.0
                .iter()
                .filter(|s| matches!(s, PathStep::Attr(_)))
                .cloned()
                .collect(),
        )
    }
}

fn step_matches(pattern: &PathStep, step: &PathStep) -> bool {
    match (pattern, step) {
        (PathStep::Any, PathStep::Key(_) | PathStep::Index(_) | PathStep::Any) => true,
        (PathStep::Attr(a) | PathStep::Key(a), PathStep::Attr(b) | PathStep::Key(b)) => a == b,
        (PathStep::Index(a), PathStep::Index(b)) => a == b,
        _ => false,
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(a) if i == 0 => f.write_str(a)?,
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{}]", crate::diff::quote(k))?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::Any => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl Serialize for AttrPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for s in [
            "tags",
            r#"tags["Env"]"#,
            "ingress[1].cidr_blocks",
            "ingress[*].description",
            r#"a["x\"y"].b"#,
        ] {
            assert_eq!(AttrPath::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn errors_have_offsets() {
        assert_eq!(AttrPath::parse("tags[").unwrap_err().0, 5);
        assert_eq!(AttrPath::parse("tags[\"x").unwrap_err().0, 4);
        assert_eq!(AttrPath::parse("a..b").unwrap_err().0, 2);
        assert_eq!(AttrPath::parse("a b").unwrap_err().0, 1);
        assert_eq!(AttrPath::parse("1a").unwrap_err().0, 0);
    }

    #[test]
    fn covers() {
        let p = |s| AttrPath::parse(s).unwrap();
        assert!(p("tags").covers(&p(r#"tags["Env"]"#)));
        assert!(p("tags.Env").covers(&p(r#"tags["Env"]"#)));
        assert!(p("ingress[*].cidr_blocks").covers(&p("ingress[3].cidr_blocks[0]")));
        assert!(!p("ingress[*].cidr_blocks").covers(&p("ingress[3].description")));
        assert!(!p(r#"tags["Env"]"#).covers(&p("tags")));
    }
}
