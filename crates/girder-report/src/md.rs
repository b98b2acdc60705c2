//! Small markdown and HTML helpers shared by the renderers.

/// Escapes text for HTML element content (inside `<summary>`, `<code>`); quotes stay as they
/// are, since no output puts text inside an attribute value.
pub(crate) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn longest_backtick_run(s: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// An inline code span that survives backticks in `s`.
pub(crate) fn code(s: &str) -> String {
    let n = longest_backtick_run(s);
    if n == 0 {
        return format!("`{s}`");
    }
    let fence = "`".repeat(n + 1);
    format!("{fence} {s} {fence}")
}

/// A fenced code block whose fence is longer than any backtick run inside.
pub(crate) fn fence(lang: &str, body: &str) -> (String, String) {
    let n = longest_backtick_run(body).max(2) + 1;
    let f = "`".repeat(n);
    (format!("{f}{lang}\n"), format!("{f}\n"))
}

/// Turns markdown with `code` spans into HTML with `<code>` (for `<summary>`, where GitHub and
/// GitLab do not render markdown reliably). Everything else is escaped.
pub(crate) fn inline_md_to_html(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find('`') {
        out.push_str(&html(&rest[..start]));
        let after = &rest[start..];
        let ticks = after.chars().take_while(|c| *c == '`').count();
        let fence = &after[..ticks];
        let inner_start = ticks;
        match after[inner_start..].find(fence) {
            Some(end) => {
                let inner = after[inner_start..inner_start + end].trim();
                out.push_str("<code>");
                out.push_str(&html(inner));
                out.push_str("</code>");
                rest = &after[inner_start + end + ticks..];
            }
            None => {
                out.push_str(&html(after));
                rest = "";
            }
        }
    }
    out.push_str(&html(rest));
    out
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

/// Cuts a markdown block to at most `limit` bytes at a line boundary, closing an open code
/// fence and saying how many lines were left out.
pub(crate) fn cut_block(text: &str, limit: usize, how_to_see_all: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let budget = limit.saturating_sub(300);
    let mut out = String::new();
    let mut fence: Option<String> = None;
    let mut kept = 0;
    for l in &lines {
        if out.len() + l.len() + 1 > budget {
            break;
        }
        let t = l.trim_start();
        if t.starts_with("```") {
            let ticks: String = t.chars().take_while(|c| *c == '`').collect();
            fence = match fence {
                Some(f) if ticks.len() >= f.len() => None,
                None => Some(ticks),
                f => f,
            };
        }
        out.push_str(l);
        out.push('\n');
        kept += 1;
    }
    if let Some(f) = fence {
        out.push_str(&f);
        out.push('\n');
    }
    out.push_str(&format!(
        "\n_{} of {} lines were left out here to stay under the size limit. {how_to_see_all}_\n\n",
        lines.len() - kept,
        lines.len()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(
            inline_md_to_html("replace: `cidr_block` forces <x>"),
            "replace: <code>cidr_block</code> forces &lt;x&gt;"
        );
        assert_eq!(fence("diff", "```").0, "````diff\n");
        assert_eq!(cut("héllo", 2), "h");
    }
}
