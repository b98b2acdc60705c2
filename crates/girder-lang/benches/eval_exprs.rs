//! Benchmarks of the expression evaluator.
//!
//! * `locals_10k`: a configuration of 10,000 `locals` blocks, each a chain of string templates
//!   over the previous block's locals and a `for` expression, parsed with hcl-edit, lowered and
//!   evaluated in order (the shape of the config helper's 10,000-block benchmark).
//! * `eval_only_10k`: the evaluation part alone (expressions already lowered).
//! * `for_expr_1k`: one `for` expression over 1,000 objects with a condition and a template.
//!
//! Run with `cargo bench -p girder-lang --bench eval_exprs`.

use criterion::{criterion_group, criterion_main, Criterion};
use girder_core::Value;
use girder_lang::eval::{eval, EvalContext};
use girder_lang::source::{Expr, SourceFile};
use std::collections::BTreeMap;
use std::fmt::Write;

fn config(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let p = i.saturating_sub(1);
        let _ = write!(
            s,
            r#"locals {{
  name_{i}   = "app-${{var.env}}-{i}"
  prefix_{i} = "${{local.name_{p}}}/${{var.region}}-${{max({i}, 3)}}"
  full_{i}   = "${{local.prefix_{p}}}-%{{ if var.enabled }}on%{{ else }}off%{{ endif }}"
  tags_{i}   = {{ for k, v in var.tags : k => "${{v}}-{i}" if k != "skip" }}
}}
"#
        );
    }
    s
}

fn base_ctx() -> EvalContext {
    let mut ctx = EvalContext::new(".");
    ctx.set(
        "var",
        Value::object_from([
            ("env", Value::string("prod")),
            ("region", Value::string("eu-west-1")),
            ("enabled", Value::bool(true)),
            (
                "tags",
                Value::object_from([
                    ("team", Value::string("core")),
                    ("cost", Value::string("42")),
                    ("skip", Value::string("x")),
                ]),
            ),
        ]),
    );
    let mut seed = BTreeMap::new();
    for k in ["name_0", "prefix_0"] {
        seed.insert(k.to_string(), Value::string("seed"));
    }
    ctx.set("local", Value::object(seed.into()));
    ctx
}

/// Parses and lowers every attribute of every `locals` block.
fn lower_all(src: &str) -> Vec<(String, Expr)> {
    let body: hcl_edit::structure::Body = src.parse().expect("valid");
    let file = SourceFile::new("bench.tf", src);
    let mut out = Vec::new();
    for st in body {
        if let hcl_edit::structure::Structure::Block(block) = st {
            for st in block.body {
                if let hcl_edit::structure::Structure::Attribute(attr) = st {
                    let name = attr.key.as_str().to_string();
                    out.push((name, Expr::new(attr.value, file.clone())));
                }
            }
        }
    }
    out
}

fn eval_all(exprs: &[(String, Expr)], ctx: &mut EvalContext) -> usize {
    let mut n = 0;
    for (name, e) in exprs {
        let v = eval(e, ctx).expect("evaluates");
        let local = ctx.variables.remove("local").expect("local");
        let girder_core::value::Kind::Object(mut m) = local.into_kind() else {
            unreachable!()
        };
        m.insert(name.clone(), v);
        ctx.variables.insert("local".into(), Value::object(m));
        n += 1;
    }
    n
}

fn bench(c: &mut Criterion) {
    let src = config(10_000);
    let mut g = c.benchmark_group("eval");
    g.sample_size(10);
    g.bench_function("locals_10k", |b| {
        b.iter(|| {
            let exprs = lower_all(&src);
            let mut ctx = base_ctx();
            eval_all(&exprs, &mut ctx)
        })
    });
    let exprs = lower_all(&src);
    g.bench_function("eval_only_10k", |b| {
        b.iter(|| {
            let mut ctx = base_ctx();
            eval_all(&exprs, &mut ctx)
        })
    });
    let items: Vec<Value> = (0..1000)
        .map(|i| {
            Value::object_from([
                ("name", Value::string(format!("n{i}"))),
                ("size", Value::int(i)),
            ])
        })
        .collect();
    let mut ctx = base_ctx();
    ctx.set("items", Value::tuple(items));
    let e = Expr::parse(
        "{for it in items : it.name => \"${it.name}-${it.size * 2}\" if it.size % 3 != 0}",
        "b.tf",
    )
    .unwrap();
    g.bench_function("for_expr_1k", |b| b.iter(|| eval(&e, &ctx).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
