//! Output, prompts and colour.

use crate::diag::Renderer;
use girder_core::Diagnostic;
use std::io::{BufRead, Write};

/// What commands print through.
pub struct Ui {
    /// Colour enabled.
    pub color: bool,
    renderer: Renderer,
}

impl Ui {
    /// A UI; `color` false for `-no-color` / `NO_COLOR`.
    pub fn new(color: bool) -> Ui {
        Ui {
            color,
            renderer: Renderer::new(color),
        }
    }

    /// Prints diagnostics to stderr.
    pub fn diags(&mut self, ds: &[Diagnostic]) {
        let mut err = std::io::stderr().lock();
        for d in ds {
            let text = self.renderer.render(d);
            let _ = err.write_all(text.as_bytes());
        }
    }

    /// Registers the text of a source that is not a file (console input) for snippets.
    pub fn add_source(&mut self, name: &str, text: &str) {
        self.renderer.add_source(name, text);
    }

    /// Bold green text (Terraform's success lines) when colour is on.
    pub fn green(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[32m\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// Bold text when colour is on.
    pub fn bold(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// Prints a prompt block and reads one line from stdin (trimmed). `None` at end of input.
    pub fn ask(&mut self, question: &str, description: &str) -> Option<String> {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", self.bold(question));
        for line in description.lines() {
            if line.is_empty() {
                let _ = writeln!(out);
            } else {
                let _ = writeln!(out, "  {line}");
            }
        }
        let _ = write!(out, "\n  {} ", self.bold("Enter a value:"));
        let _ = out.flush();
        drop(out);
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => {
                println!();
                None
            }
            Ok(_) => {
                println!();
                Some(line.trim().to_string())
            }
        }
    }
}
