//! Asking for the values of required input variables that have none, as Terraform does: only
//! when `-input` is not false (nor `TF_INPUT` false or 0) and stdin is a terminal. The prompt is
//! Terraform's: `var.NAME`, the description indented, then `  Enter a value: ` (on stdout).

use girder_lang::config::Variable;
use girder_lang::inputs::Prompt;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

static INPUT: AtomicBool = AtomicBool::new(true);
static COLOR: AtomicBool = AtomicBool::new(false);

/// Records the command's `-input` flag and whether output is coloured (set once by `main`).
pub fn configure(input: bool, color: bool) {
    INPUT.store(input, Ordering::Relaxed);
    COLOR.store(color, Ordering::Relaxed);
}

/// Is asking allowed: `-input` not false, `TF_INPUT` not false/0?
fn input_allowed() -> bool {
    let env_off = std::env::var("TF_INPUT")
        .map(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "0" || v == "false"
        })
        .unwrap_or(false);
    INPUT.load(Ordering::Relaxed) && !env_off
}

/// The prompt for [`girder_lang::inputs::InputOptions::prompt`]: Some when asking is allowed
/// and stdin is a terminal.
pub fn variable_prompt() -> Option<Prompt> {
    if !input_allowed() || !std::io::stdin().is_terminal() {
        return None;
    }
    let color = COLOR.load(Ordering::Relaxed);
    Some(Prompt(Arc::new(move |v: &Variable| ask(v, color))))
}

/// Terraform's prompt text for a variable.
pub fn prompt_text(v: &Variable, color: bool) -> String {
    let (b, r) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    let mut s = format!("{b}var.{}{r}\n", v.name);
    if let Some(d) = v.description.as_deref().filter(|d| !d.is_empty()) {
        for line in d.lines() {
            s.push_str(&format!("  {line}\n"));
        }
        s.push('\n');
    }
    s.push_str(&format!("  {b}Enter a value:{r} "));
    s
}

fn ask(v: &Variable, color: bool) -> Option<String> {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(prompt_text(v, color).as_bytes());
    let _ = out.flush();
    let mut line = String::new();
    let n = std::io::stdin().lock().read_line(&mut line).ok()?;
    let _ = out.write_all(b"\n");
    let _ = out.flush();
    if n == 0 {
        return None; // end of input: reported as not set
    }
    let line = line.strip_suffix('\n').unwrap_or(&line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    Some(line.to_string())
}
