//! Terraform's single-dash flag syntax (`-out=FILE`, `-var 'k=v'`, `-lock=false`) normalised to
//! clap's double-dash forms. Both spellings are accepted.

use std::ffi::OsString;
use std::time::Duration;

/// Flags that take their value as the next argument when written without `=`.
const VALUE_FLAGS: &[&str] = &[
    "var",
    "var-file",
    "chdir",
    "backend-config",
    "lock-timeout",
    "out",
    "state",
    "state-out",
    "id",
    "backup",
    "target",
    "replace",
    "parallelism",
    "config",
    "format",
    "max-size",
    "split",
    "ignore-file",
];

/// Rewrites `-name[=value]` to `--name[=value]`. Left alone: the program name, `-` (stdin),
/// single-letter flags (`-h`), anything after `--`, values of flags that take one, and
/// arguments that do not start with a letter after the dash (negative numbers).
pub fn normalise(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut iter = args.into_iter();
    if let Some(prog) = iter.next() {
        out.push(prog);
    }
    let mut rest_verbatim = false;
    let mut takes_value = false;
    for arg in iter {
        if rest_verbatim || takes_value {
            takes_value = false;
            out.push(arg);
            continue;
        }
        let Some(s) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if s == "--" {
            rest_verbatim = true;
            out.push(arg);
            continue;
        }
        let name_part = |s: &str| s.split('=').next().unwrap_or("").to_string();
        if let Some(long) = s.strip_prefix("--") {
            takes_value = !long.contains('=') && VALUE_FLAGS.contains(&long);
            out.push(arg);
            continue;
        }
        let Some(flag) = s.strip_prefix('-') else {
            out.push(arg);
            continue;
        };
        let starts_alpha = flag.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if !starts_alpha || name_part(flag).len() < 2 {
            out.push(arg);
            continue;
        }
        takes_value = !flag.contains('=') && VALUE_FLAGS.contains(&flag);
        out.push(OsString::from(format!("--{flag}")));
    }
    out
}

/// Parses a Go duration (`10s`, `1m30s`, `500ms`, `0`), as Terraform's `-lock-timeout` does.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "invalid duration {s:?}: use a number with a unit, e.g. \"10s\", \"2m\" or \"1m30s\""
        )
    };
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if n == 0 {
            return Err(bad());
        }
        let num: f64 = rest[..n].parse().map_err(|_| bad())?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return Err(bad()),
        };
        rest = &rest[u..];
        total += num * unit;
    }
    if !total.is_finite() || total > 1e9 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalise(args.iter().map(OsString::from))
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect()
    }

    #[test]
    fn single_dash_flags_become_double() {
        assert_eq!(
            norm(&[
                "girder",
                "-chdir=x",
                "plan",
                "-var",
                "-a=b",
                "-out=f",
                "-lock=false",
                "-"
            ]),
            [
                "girder",
                "--chdir=x",
                "plan",
                "--var",
                "-a=b",
                "--out=f",
                "--lock=false",
                "-"
            ]
        );
        assert_eq!(
            norm(&["girder", "state", "mv", "-h", "--", "-x", "-lock"]),
            ["girder", "state", "mv", "-h", "--", "-x", "-lock"]
        );
        assert_eq!(
            norm(&["girder", "--backend-config", "-weird", "-no-color"]),
            ["girder", "--backend-config", "-weird", "--no-color"]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("3x").is_err());
    }
}
