//! Configuration benchmark: N `locals` blocks, each a chain of string templates ending in a
//! `for` expression, plus N/10 outputs; times load, validate and `evaluate_root` for
//! N = 1,000, 10,000 and 100,000 and reports peak RSS (VmHWM).
//!
//! Each N runs in a child process of its own so that its peak RSS is its own.
//! `cargo bench -p girder-lang --bench config_eval` (set `CONFIG_BENCH_SIZES=1000,10000` to
//! choose sizes).

use girder_lang::config;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn generate(dir: &Path, n: usize) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("variables.tf"),
        "variable \"prefix\" {\n  type    = string\n  default = \"app\"\n}\n",
    )
    .unwrap();
    let per_file = 1000;
    let mut i = 0;
    let mut f = 0;
    while i < n {
        let mut s = String::with_capacity(per_file * 220);
        for k in i..(i + per_file).min(n) {
            s.push_str(&format!(
                "locals {{\n  l{k}_a = \"item-${{var.prefix}}-{k}\"\n  l{k}_b = \"${{local.l{k}_a}}-x-${{local.l{k}_a}}\"\n  l{k}_c = [for s in [\"a\", \"b\", \"c\"] : \"${{local.l{k}_b}}-${{s}}\"]\n}}\n\n"
            ));
            if k % 10 == 0 {
                s.push_str(&format!(
                    "output \"o{k}\" {{\n  value = local.l{k}_c\n}}\n\n"
                ));
            }
        }
        std::fs::write(dir.join(format!("locals_{f:04}.tf")), s).unwrap();
        i += per_file;
        f += 1;
    }
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|x| x.parse().ok()))
        })
        .unwrap_or(0)
}

fn vm_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|x| x.parse().ok()))
        })
        .unwrap_or(0)
}

fn run_one(n: usize) {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("girder-config-bench-{n}-{}", std::process::id()));
    generate(&dir, n);
    let base_rss = vm_hwm_kb();

    let t = Instant::now();
    let (cfg, diags) = config::load_config(&dir);
    let load = t.elapsed();
    let rss_loaded = vm_rss_kb();
    let hwm_loaded = vm_hwm_kb();
    assert!(
        !diags.has_errors(),
        "load errors: {:?}",
        diags.iter().take(3).collect::<Vec<_>>()
    );

    let t = Instant::now();
    let vd = config::validate(&cfg);
    let validate = t.elapsed();
    let hwm_validated = vm_hwm_kb();
    assert!(
        !vd.has_errors(),
        "validate errors: {:?}",
        vd.iter().take(3).collect::<Vec<_>>()
    );

    let t = Instant::now();
    let (values, ed) = config::evaluate::evaluate_root(&cfg, &BTreeMap::new(), "default", &dir);
    let evaluate = t.elapsed();
    let eval_errors = ed.iter().filter(|d| d.is_error()).count();

    let hwm = vm_hwm_kb();
    println!(
        "N={n:>6} locals={:>6} outputs={:>5}  load {:>8.1} ms  validate {:>8.1} ms  evaluate_root {:>8.1} ms  load+validate {:>8.1} ms  load+evaluate {:>8.1} ms  peak RSS {:>6.1} MB (start {:.1} MB, after load {:.1} MB, peak by load {:.1} MB, by validate {:.1} MB)  eval errors {}",
        cfg.module.locals.len(),
        values.outputs.len(),
        load.as_secs_f64() * 1e3,
        validate.as_secs_f64() * 1e3,
        evaluate.as_secs_f64() * 1e3,
        (load + validate).as_secs_f64() * 1e3,
        (load + evaluate).as_secs_f64() * 1e3,
        hwm as f64 / 1024.0,
        base_rss as f64 / 1024.0,
        rss_loaded as f64 / 1024.0,
        hwm_loaded as f64 / 1024.0,
        hwm_validated as f64 / 1024.0,
        eval_errors,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    if let Ok(n) = std::env::var("CONFIG_BENCH_ONE") {
        run_one(n.parse().unwrap());
        return;
    }
    // `cargo test --benches` runs bench binaries with `--bench` absent: keep that quick.
    let benching = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = match std::env::var("CONFIG_BENCH_SIZES") {
        Ok(s) => s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Err(_) if benching => vec![1_000, 10_000, 100_000],
        Err(_) => vec![100],
    };
    let exe = std::env::current_exe().unwrap();
    for n in sizes {
        let status = std::process::Command::new(&exe)
            .env("CONFIG_BENCH_ONE", n.to_string())
            .status()
            .unwrap();
        assert!(status.success(), "bench for N={n} failed");
    }
}
