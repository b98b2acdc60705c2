//! Benchmark of `girder fmt` on a generated ~5.6 MB configuration (Terraform 1.0.3 takes
//! about 9.8 s on such a file; the target is under 0.5 s).
//!
//! Run with `cargo bench -p girder-lang --bench fmt`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use girder_lang::fmt::format_source;
use std::fmt::Write;

/// A large, badly formatted configuration: resource blocks with attributes, nested blocks,
/// lists, objects, heredocs, interpolations and comments of all three styles.
fn big_config(target_bytes: usize) -> String {
    let mut s = String::with_capacity(target_bytes + 4096);
    let mut i = 0usize;
    while s.len() < target_bytes {
        let _ = write!(
            s,
            r#"# resource number {i}
resource "aws_instance" "web_{i}" {{
ami="ami-{i:08x}"
  instance_type   =    "t3.micro" // size
count = var.enabled ? 1 : 0
subnet_id="${{aws_subnet.main[{m}].id}}"
vpc_security_group_ids = [aws_security_group.a.id,aws_security_group.b.id,
    aws_security_group.c.id]
tags = {{
Name = "web-${{var.env}}-{i}"
    Environment=var.env
  Owner   = "team-{m}"  # owner
}}
    /* block comment */
root_block_device {{
volume_size = {vs}
  volume_type="gp3"
encrypted = true
}}
user_data = <<-EOT
    #!/bin/bash
    echo "hello ${{var.name}}" > /tmp/{i}
  EOT
lifecycle {{ ignore_changes = [tags,user_data] }}
dynamic "ebs_block_device" {{
for_each = {{for k,v in var.disks: k=>v if v.size>0}}
content {{
device_name = ebs_block_device.key
volume_size=ebs_block_device.value.size*2-1
}}
}}
}}

"#,
            m = i % 7,
            vs = 8 + i % 100,
        );
        i += 1;
    }
    s
}

fn bench_fmt(c: &mut Criterion) {
    let src = big_config(5_600_000);
    // sanity: it is valid and formatting is idempotent
    let once = format_source(&src, "big.tf").expect("generated config is valid");
    assert_eq!(
        format_source(&once, "big.tf").expect("formatted output is valid"),
        once
    );
    // The machine running this may be shared: report the CPU time of one run as well as
    // criterion's wall-clock figures.
    if let Some(c0) = cpu_seconds() {
        let t0 = std::time::Instant::now();
        let runs = 5;
        for _ in 0..runs {
            let _ = std::hint::black_box(format_source(&src, "big.tf"));
        }
        if let Some(c1) = cpu_seconds() {
            println!(
                "fmt of {:.1} MB: {:.3} s CPU per run, {:.3} s wall per run (mean of {runs})",
                src.len() as f64 / 1e6,
                (c1 - c0) / runs as f64,
                t0.elapsed().as_secs_f64() / runs as f64
            );
        }
    }
    let mut g = c.benchmark_group("fmt");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(src.len() as u64));
    g.bench_function("format_source 5.6MB", |b| {
        b.iter(|| format_source(std::hint::black_box(&src), "big.tf").map(|s| s.len()))
    });
    g.bench_function("format_source 5.6MB already formatted", |b| {
        b.iter(|| format_source(std::hint::black_box(&once), "big.tf").map(|s| s.len()))
    });
    g.finish();
}

criterion_group!(benches, bench_fmt);
criterion_main!(benches);

/// User + system CPU time of this process (Linux `/proc/self/stat`), if available.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = s.rsplit(')').next()?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
