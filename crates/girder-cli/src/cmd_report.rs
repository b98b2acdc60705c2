//! Report formats for plans (`-format=markdown`, `-max-size`, `-split`) through
//! `girder_report::mr`, and `girder drift`.

use crate::diag::{CmdResult, Fail};
use clap::Args;

/// `-format=markdown [-max-size=N] [-split=parts|truncate]`.
#[derive(Args, Debug, Clone, Default)]
pub struct FormatArgs {
    /// Output format: `markdown` renders the plan for a merge-request comment.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// With -format=markdown: the largest document in bytes (GitHub 65536, GitLab 1000000).
    #[arg(long, value_name = "N")]
    pub max_size: Option<String>,
    /// With -format=markdown: `truncate` (one document, default) or `parts` (numbered parts
    /// separated by a marker line).
    #[arg(long, value_name = "MODE")]
    pub split: Option<String>,
}

impl FormatArgs {
    /// Is `-format=markdown` given?
    pub fn is_markdown(&self) -> bool {
        self.format.as_deref() == Some("markdown")
    }

    /// Rejects unknown formats and report flags without `-format=markdown`.
    pub fn check(&self) -> Result<(), Fail> {
        match self.format.as_deref() {
            None | Some("markdown") => {}
            Some(other) => {
                return Err(Fail::help(
                    "Invalid value for -format",
                    format!("\"{other}\" is not an output format."),
                    "Use -format=markdown, or -json for the JSON plan.",
                ))
            }
        }
        if !self.is_markdown() && (self.max_size.is_some() || self.split.is_some()) {
            return Err(Fail::help(
                "Option requires -format=markdown",
                "The -max-size and -split options apply only to -format=markdown output.",
                "Add -format=markdown.",
            ));
        }
        self.options().map(|_| ())
    }

    fn options(&self) -> Result<girder_report::mr::MarkdownOptions, Fail> {
        girder_report::mr::MarkdownOptions::from_flags(
            self.max_size.as_deref(),
            self.split.as_deref(),
        )
        .map_err(|d| Fail(vec![d]))
    }
}

/// Prints the markdown rendering of a JSON plan.
pub fn print_markdown(plan_json: &serde_json::Value, f: &FormatArgs) -> CmdResult {
    let opts = f.options()?;
    girder_report::mr::check_plan(plan_json).map_err(|d| Fail(vec![d]))?;
    let parts = girder_report::mr::render_markdown(plan_json, &opts);
    let text = girder_report::mr::join_parts(&parts);
    print!("{text}");
    if !text.ends_with('\n') {
        println!();
    }
    Ok(0)
}
