//! `girder fmt`: `terraform fmt` over [`girder_lang::fmt`], with its flags and exit codes
//! (0 ok, 2 errors, 3 `-check` found unformatted files).

use crate::diag::{CmdResult, Fail};
use crate::ui::Ui;
use clap::{ArgAction, Args};
use girder_core::Diagnostic;
use girder_lang::fmt as lfmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// List files whose formatting differs.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    list: bool,
    /// Write the result to the source file instead of stdout.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    write: bool,
    /// Display diffs of formatting changes.
    #[arg(long)]
    diff: bool,
    /// Check if the input is formatted (exit status 0 if so, 3 if not).
    #[arg(long)]
    check: bool,
    /// Also process files in subdirectories.
    #[arg(long)]
    recursive: bool,
    /// Files or directories (default: the current directory), or `-` for stdin.
    paths: Vec<String>,
}

struct Run<'a> {
    a: &'a FmtArgs,
    list: bool,
    write: bool,
    changed: bool,
    errors: Vec<Diagnostic>,
}

/// Runs `girder fmt`.
pub fn run(mut a: FmtArgs, ui: &mut Ui) -> CmdResult {
    let mut list = a.list;
    let mut write = a.write;
    if a.check {
        list = true;
        write = false;
    }
    let stdin = a.paths.len() == 1 && a.paths[0] == "-";
    if stdin {
        list = false;
        write = false;
    }
    if a.paths.is_empty() {
        a.paths.push(".".into());
    }
    let mut r = Run {
        a: &a,
        list,
        write,
        changed: false,
        errors: Vec::new(),
    };
    if stdin {
        let mut src = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut src) {
            return Err(Fail::new("Failed to read stdin", e.to_string()));
        }
        r.process("<stdin>", &src, None);
    } else {
        for p in &a.paths {
            let path = PathBuf::from(p);
            match std::fs::metadata(&path) {
                Err(_) => r.errors.push(
                    Diagnostic::error(format!("No file or directory at {p}"), "")
                        .with_help("Give an existing .tf or .tfvars file or a directory."),
                ),
                Ok(m) if m.is_dir() => r.dir(&path),
                Ok(_) => {
                    if !lfmt::is_fmt_file(p) {
                        r.errors.push(Diagnostic::error(
                            "Only .tf and .tfvars files can be processed with girder fmt",
                            format!("{p} is not a .tf or .tfvars file."),
                        ));
                    } else {
                        r.file(&path, p);
                    }
                }
            }
        }
    }
    if !r.errors.is_empty() {
        ui.diags(&r.errors);
        return Ok(2);
    }
    Ok(if a.check && r.changed { 3 } else { 0 })
}

impl Run<'_> {
    fn dir(&mut self, dir: &Path) {
        let mut entries: Vec<_> = match std::fs::read_dir(dir) {
            Ok(rd) => rd.filter_map(|e| e.ok()).collect(),
            Err(e) => {
                self.errors.push(Diagnostic::error(
                    "Failed to read directory",
                    format!("{}: {e}", dir.display()),
                ));
                return;
            }
        };
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let shown = clean(&path);
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if self.a.recursive {
                    self.dir(&path);
                }
                continue;
            }
            if lfmt::is_fmt_file(&name) {
                self.file(&path, &shown);
            }
        }
    }

    fn file(&mut self, path: &Path, shown: &str) {
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(src) => self.process(shown, &src, Some(path)),
                Err(_) => self.errors.push(Diagnostic::error(
                    "Invalid file encoding",
                    format!("{shown} is not valid UTF-8."),
                )),
            },
            Err(e) => self.errors.push(Diagnostic::error(
                "Failed to read file",
                format!("{shown}: {e}"),
            )),
        }
    }

    fn process(&mut self, shown: &str, src: &str, path: Option<&Path>) {
        let result = match lfmt::format_source(src, shown) {
            Ok(r) => r,
            Err(d) => {
                self.errors.push(d);
                return;
            }
        };
        let mut out = std::io::stdout().lock();
        if result != src {
            self.changed = true;
            if self.list {
                let _ = writeln!(out, "{shown}");
            }
            if self.write {
                if let Some(p) = path {
                    if let Err(e) = std::fs::write(p, &result) {
                        self.errors.push(Diagnostic::error(
                            "Failed to write file",
                            format!("{shown}: {e}"),
                        ));
                        return;
                    }
                }
            }
            if self.a.diff {
                let diff = similar::TextDiff::from_lines(src, &result);
                let text = diff
                    .unified_diff()
                    .header(&format!("old/{shown}"), &format!("new/{shown}"))
                    .to_string();
                let _ = out.write_all(text.as_bytes());
            }
        }
        if !self.list && !self.write && !self.a.diff {
            let text = if path.is_none() {
                lfmt::stdin_output(&result)
            } else {
                result
            };
            let _ = out.write_all(text.as_bytes());
        }
    }
}

/// `./a/b.tf` -> `a/b.tf`, as Go's filepath.Join cleans it.
fn clean(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}
