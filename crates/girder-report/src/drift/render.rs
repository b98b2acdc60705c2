//! Drift report renderers: human text, JSON, markdown.

use super::{AttrChange, ChangeAction, DriftKind, DriftReport, ResourceDrift};
use crate::md;
use serde_json::Value;

/// Options of [`render_text`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// No ANSI colours (`-no-color`, or output not a terminal).
    pub no_color: bool,
}

/// Options of [`render_markdown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// The largest document in UTF-8 bytes (default 65,536, GitHub's issue-body limit);
    /// resource sections past it are left out and named in a final note. Values below 2,000
    /// are raised to 2,000.
    pub max_chars: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            max_chars: crate::mr::GITHUB_MAX_CHARS,
        }
    }
}

/// A value on one line, HCL-like: strings quoted, `[a, b]`, `{ key = value }`.
pub(crate) fn compact(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => crate::diff::quote(s),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(compact).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let key = if k
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                        && k.chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    {
                        k.clone()
                    } else {
                        crate::diff::quote(k)
                    };
                    format!("{key} = {}", compact(v))
                })
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
    }
}

const SENSITIVE: &str = "(sensitive value)";

/// The lines of one attribute change: `(symbol, text)`.
fn change_lines(c: &AttrChange) -> Vec<(char, String)> {
    let p = c.path.to_string();
    if c.sensitive {
        let sym = match c.action {
            ChangeAction::Added => '+',
            ChangeAction::Removed => '-',
            ChangeAction::Changed => '~',
        };
        return vec![(sym, format!("{p} = {SENSITIVE}"))];
    }
    if let (ChangeAction::Changed, Some(b), Some(a)) = (c.action, &c.before, &c.after) {
        if let Some(lines) = crate::diff::structured_change(&p, b, a) {
            // Lines come with their symbol in a four-column field: split it back off.
            return lines
                .into_iter()
                .map(|l| {
                    let sym = l
                        .chars()
                        .next()
                        .filter(|c| "+-~".contains(*c))
                        .unwrap_or(' ');
                    let rest = l.get(4..).unwrap_or("").to_string();
                    (sym, rest)
                })
                .collect();
        }
    }
    let v = |x: &Option<Value>| x.as_ref().map(compact).unwrap_or_else(|| "null".into());
    match c.action {
        ChangeAction::Added => vec![('+', format!("{p} = {}", v(&c.after)))],
        ChangeAction::Removed => vec![('-', format!("{p} = {}", v(&c.before)))],
        ChangeAction::Changed => vec![('~', format!("{p} = {} -> {}", v(&c.before), v(&c.after)))],
    }
}

fn kind_phrase(k: DriftKind) -> &'static str {
    match k {
        DriftKind::Changed => "changed outside girder",
        DriftKind::Deleted => "deleted outside girder",
        DriftKind::Unmanaged => "exists, but no state manages it",
    }
}

fn kind_sym(k: DriftKind) -> char {
    match k {
        DriftKind::Changed => '~',
        DriftKind::Deleted => '-',
        DriftKind::Unmanaged => '?',
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn headline(r: &DriftReport) -> String {
    let s = r.summary();
    if !r.has_drift() {
        let ign = if s.ignored > 0 {
            format!(" ({} ignored)", plural(s.ignored, "change", "changes"))
        } else {
            String::new()
        };
        return format!(
            "No drift: real infrastructure matches the state of workspace \"{}\"{ign}.",
            r.workspace
        );
    }
    let mut parts = Vec::new();
    if s.changed > 0 {
        parts.push(format!(
            "{} changed",
            plural(s.changed, "resource", "resources")
        ));
    }
    if s.deleted > 0 {
        parts.push(format!(
            "{} deleted",
            plural(s.deleted, "resource", "resources")
        ));
    }
    if s.unmanaged > 0 {
        parts.push(format!(
            "{} unmanaged",
            plural(s.unmanaged, "object", "objects")
        ));
    }
    let ign = if s.ignored > 0 {
        format!("; {} ignored", plural(s.ignored, "change", "changes"))
    } else {
        String::new()
    };
    format!(
        "Drift detected in workspace \"{}\": {}{ign}.",
        r.workspace,
        parts.join(", ")
    )
}

/// Human text for a terminal, coloured unless `opts.no_color`.
pub fn render_text(r: &DriftReport, opts: &TextOptions) -> String {
    let paint = |code: &str, s: &str| -> String {
        if opts.no_color {
            s.to_string()
        } else {
            format!("\x1b[{code}m{s}\x1b[0m")
        }
    };
    let color_of = |c: char| match c {
        '+' => "32",
        '-' => "31",
        '~' => "33",
        _ => "36",
    };
    let mut out = String::new();
    out.push_str(&paint("1", &headline(r)));
    out.push('\n');
    for res in &r.resources {
        out.push('\n');
        let sym = kind_sym(res.kind);
        out.push_str(&format!(
            "  {} {}: {}\n",
            paint(color_of(sym), &sym.to_string()),
            paint("1", &res.address),
            kind_phrase(res.kind)
        ));
        for c in &res.changes {
            for (sym, text) in change_lines(c) {
                let sym = if sym == ' ' {
                    " ".to_string()
                } else {
                    paint(color_of(sym), &sym.to_string())
                };
                out.push_str(&format!("      {sym} {text}\n"));
            }
        }
    }
    if !r.ignored.is_empty() {
        out.push('\n');
        out.push_str(&paint("1", &format!("Ignored ({}):", r.ignored.len())));
        out.push('\n');
        for i in &r.ignored {
            out.push_str(&format!(
                "  {} {}: {} ({})\n",
                i.address, i.path, i.reason, i.rule
            ));
        }
    }
    if !r.pending.is_empty() {
        out.push('\n');
        out.push_str(&paint("1", &pending_intro(r).replace('`', "")));
        out.push('\n');
        for p in &r.pending {
            out.push_str(&format!("  {}: {}\n", p.address, p.action));
        }
    }
    out
}

/// The versioned JSON document (`docs/drift-json.md`, `docs/drift.schema.json`).
pub fn render_json(r: &DriftReport) -> Value {
    let mut v = serde_json::json!({
        "version": r.version,
        "generated_at": r.generated_at,
        "workspace": r.workspace,
        "drift": r.has_drift(),
        "summary": r.summary(),
    });
    if let Value::Object(m) = &mut v {
        m.insert(
            "resources".into(),
            serde_json::to_value(&r.resources).unwrap_or(Value::Array(vec![])),
        );
        m.insert(
            "ignored".into(),
            serde_json::to_value(&r.ignored).unwrap_or(Value::Array(vec![])),
        );
        m.insert(
            "pending".into(),
            serde_json::to_value(&r.pending).unwrap_or(Value::Array(vec![])),
        );
    }
    v
}

/// The "configuration differs" lines shared by the text and markdown renderers.
fn pending_intro(r: &DriftReport) -> String {
    format!("{}; `girder plan` shows the details:", pending_count(r))
}

fn pending_count(r: &DriftReport) -> String {
    format!(
        "The configuration differs from real infrastructure for {}",
        plural(r.pending.len(), "resource", "resources")
    )
}

fn resource_section(res: &ResourceDrift) -> String {
    let what = match res.kind {
        DriftKind::Changed => format!(
            "{} {}",
            kind_phrase(res.kind),
            md::html(&format!(
                "({})",
                plural(res.changes.len(), "change", "changes")
            ))
        ),
        k => kind_phrase(k).to_string(),
    };
    let mut s = format!(
        "<details><summary><code>{}</code> {what}</summary>\n\n",
        md::html(&res.address)
    );
    let mut body = String::new();
    match res.kind {
        DriftKind::Changed => {
            for c in &res.changes {
                for (sym, text) in change_lines(c) {
                    body.push_str(&format!("{sym} {text}\n"));
                }
            }
        }
        DriftKind::Deleted => body.push_str(&format!(
            "- {} (in state, gone from real infrastructure)\n",
            res.address
        )),
        DriftKind::Unmanaged => body.push_str(&format!(
            "+ {} (in real infrastructure, in no state)\n",
            res.address
        )),
    }
    let (open, close) = md::fence("diff", &body);
    s.push_str(&open);
    s.push_str(&body);
    s.push_str(&close);
    s.push_str("\n</details>\n\n");
    s
}

/// Markdown for an issue or a chat message: a headline, a table of resources, one collapsed
/// section per resource, and the ignored changes.
pub fn render_markdown(r: &DriftReport, opts: &MarkdownOptions) -> String {
    let max = opts.max_chars.max(2_000);
    let mut doc = format!(
        "## Drift report: workspace {}\n\n{}\n\n",
        md::code(&r.workspace),
        md::html(&headline(r))
    );
    if !r.generated_at.is_empty() {
        doc.push_str(&format!(
            "_Refreshed at {}._\n\n",
            md::html(&r.generated_at)
        ));
    }
    if r.has_drift() {
        let mut table = String::from("| Resource | Drift | Changes |\n| --- | --- | ---: |\n");
        for res in &r.resources {
            table.push_str(&format!(
                "| {} | {} | {} |\n",
                md::code(&res.address),
                match res.kind {
                    DriftKind::Changed => "changed",
                    DriftKind::Deleted => "deleted",
                    DriftKind::Unmanaged => "unmanaged",
                },
                res.changes.len()
            ));
        }
        table.push('\n');
        // The table alone may be too big for huge reports: then it is left out.
        if doc.len() + table.len() < max / 2 {
            doc.push_str(&table);
        }
    }
    let mut ignored = String::new();
    if !r.ignored.is_empty() {
        ignored.push_str(&format!(
            "<details><summary>Ignored ({})</summary>\n\n",
            r.ignored.len()
        ));
        for i in &r.ignored {
            ignored.push_str(&format!(
                "- {} {}: {} ({})\n",
                md::code(&i.address),
                md::code(&i.path),
                md::html(&i.reason),
                md::code(&i.rule)
            ));
        }
        ignored.push_str("\n</details>\n");
    }
    let note_reserve = 1_000;
    let mut left_out = Vec::new();
    for res in &r.resources {
        let sec = resource_section(res);
        let room = max.saturating_sub(doc.len() + ignored.len().min(max / 4) + note_reserve);
        if left_out.is_empty() && sec.len() <= room {
            doc.push_str(&sec);
        } else if left_out.is_empty() && room >= 1_000 && doc.len() < max / 2 {
            // One section bigger than what is left: cut it rather than lose everything after.
            let mut cut = md::cut_block(
                &sec,
                room.saturating_sub(20),
                "Run `girder drift -json` for all of them.",
            );
            if !cut.contains("</details>") {
                cut.push_str("</details>\n\n");
            }
            doc.push_str(&cut);
        } else {
            left_out.push(&res.address);
        }
    }
    if !left_out.is_empty() {
        let mut note = format!(
            "**{} left out** to stay under the {max}-character limit",
            plural(left_out.len(), "resource was", "resources were")
        );
        let mut listed = 0;
        for a in &left_out {
            let item = md::code(a);
            if note.len() + item.len() + 200 > note_reserve {
                break;
            }
            note.push_str(if listed == 0 { ": " } else { ", " });
            note.push_str(&item);
            listed += 1;
        }
        if listed < left_out.len() {
            note.push_str(&format!(" and {} more", left_out.len() - listed));
        }
        note.push_str(". Run `girder drift -json` for all of them.\n\n");
        doc.push_str(&note);
    }
    if !r.pending.is_empty() {
        let mut sec = format!(
            "<details><summary>Configuration differs ({})</summary>\n\n{}\n\n",
            r.pending.len(),
            pending_intro(r)
        );
        for p in &r.pending {
            sec.push_str(&format!("- {}: {}\n", md::code(&p.address), p.action));
        }
        sec.push_str("\n</details>\n\n");
        if doc.len() + sec.len() + ignored.len().min(max / 4) <= max {
            doc.push_str(&sec);
        } else {
            doc.push_str(&format!(
                "{}; run `girder plan` for the list.\n\n",
                pending_count(r)
            ));
        }
    }
    if doc.len() + ignored.len() <= max {
        doc.push_str(&ignored);
    } else if !r.ignored.is_empty() {
        doc.push_str(&format!(
            "{} ignored (left out for size).\n",
            plural(r.ignored.len(), "change was", "changes were")
        ));
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::{AttrChange, AttrPath, ChangeAction, DriftKind, DriftReport, ResourceDrift};

    #[test]
    fn one_huge_resource_is_cut_not_dropped() {
        let mut r = DriftReport::new("default", "t");
        let changes: Vec<AttrChange> = (0..5_000)
            .map(|i| AttrChange {
                path: AttrPath::parse(&format!("tags[\"k{i}\"]")).unwrap(),
                action: ChangeAction::Removed,
                before: Some(Value::String(format!("value-{i}"))),
                after: None,
                sensitive: false,
            })
            .collect();
        r.resources.push(ResourceDrift {
            address: "aws_instance.big".into(),
            type_name: "aws_instance".into(),
            kind: DriftKind::Changed,
            changes,
        });
        r.resources.push(ResourceDrift {
            address: "aws_subnet.gone".into(),
            type_name: "aws_subnet".into(),
            kind: DriftKind::Deleted,
            changes: vec![],
        });
        let md = render_markdown(&r, &MarkdownOptions { max_chars: 20_000 });
        assert!(md.len() <= 20_000, "{}", md.len());
        assert!(md.contains("lines were left out here"));
        assert!(md.contains("aws_instance.big"));
        assert_eq!(
            md.matches("<details>").count(),
            md.matches("</details>").count()
        );
        assert_eq!(md.lines().filter(|l| l.starts_with("```")).count() % 2, 0);
    }
}
