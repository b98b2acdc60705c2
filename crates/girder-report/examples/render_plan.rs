//! Renders a JSON plan file (`girder show -json` / `terraform show -json` output) as the
//! merge-request markdown, for trying the renderer by hand:
//!
//! ```text
//! cargo run -p girder-report --example render_plan -- plan.json [MAX_SIZE] [parts|truncate]
//! ```
//!
//! Parts are separated by `mr::PART_SEPARATOR` lines.

use girder_report::mr;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: render_plan PLAN.json [MAX_SIZE] [parts|truncate]");
        std::process::exit(1);
    };
    let max = args.next();
    let split = args.next();
    let opts = match mr::MarkdownOptions::from_flags(max.as_deref(), split.as_deref()) {
        Ok(o) => o,
        Err(d) => {
            eprintln!("{d}");
            std::process::exit(1);
        }
    };
    let src = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let plan: serde_json::Value = match serde_json::from_str(&src) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{path}: not JSON: {e}");
            std::process::exit(1);
        }
    };
    if let Err(d) = mr::check_plan(&plan) {
        eprintln!("{path}: {d}");
        std::process::exit(1);
    }
    println!("{}", mr::join_parts(&mr::render_markdown(&plan, &opts)));
}
