//! Loading and validating never panics, whatever the files hold; every diagnostic has a help
//! line and (for file contents) a span inside the file.

use girder_lang::config::{self, ModuleSource};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "girder-config-robust-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check(dir: &Path) {
    let (cfg, mut d) = config::load_config(dir);
    d.extend(config::validate(&cfg));
    for x in d.iter() {
        assert!(x.help.is_some(), "no help: {x}");
        if let Some(s) = &x.span {
            assert!(s.start <= s.end, "bad span {s:?}");
        }
    }
}

const TOKENS: &[&str] = &[
    "resource",
    "data",
    "variable",
    "locals",
    "output",
    "module",
    "provider",
    "terraform",
    "lifecycle",
    "dynamic",
    "content",
    "\"a\"",
    "\"b\"",
    "{",
    "}",
    "{\n",
    "}\n",
    "\n",
    "=",
    " = ",
    "var.a",
    "local.b",
    "count.index",
    "each.key",
    "self.id",
    "module.m.x",
    "data.t.n.id",
    "aws_vpc.main.id",
    "[",
    "]",
    ",",
    "(",
    ")",
    "1",
    "\"${var.a}\"",
    "for_each",
    "count",
    "type",
    "default",
    "string",
    "list(string)",
    "upper",
    "length",
    "+",
    "\"x\" + 1",
    "!",
    "?",
    ":",
    "for x in [1] : x",
    "depends_on",
    "source",
    "\"./m\"",
    "validation",
    "condition",
    "error_message",
    "#",
    "//",
    "/*",
    "*/",
    "<<EOT\nx\nEOT\n",
    "é",
    "\t",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]
    #[test]
    fn random_token_soup_never_panics(tokens in prop::collection::vec(0..TOKENS.len(), 0..60), json in any::<bool>()) {
        let dir = scratch("soup");
        let text: String = tokens.iter().map(|&i| format!("{} ", TOKENS[i])).collect();
        std::fs::write(dir.join("main.tf"), &text).unwrap();
        if json {
            std::fs::write(dir.join("x.tf.json"), format!("{{\"locals\": {{\"a\": {:?}}}}}", text)).unwrap();
        }
        check(&dir);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn structured_configurations_from_token_soup() {
    // every block type with every kind of broken body
    let bodies = [
        "",
        "x = ",
        "x = 1\nx = 2",
        "dynamic {}",
        "lifecycle { ignore_changes = [] }",
        "a b c",
    ];
    let heads = [
        "resource \"t\" \"n\"",
        "data \"t\" \"n\"",
        "variable \"v\"",
        "output \"o\"",
        "module \"m\"",
        "provider \"p\"",
        "terraform",
        "locals",
        "moved",
        "import",
        "removed",
        "check \"c\"",
    ];
    let dir = scratch("structured");
    for h in heads {
        for b in bodies {
            std::fs::write(dir.join("main.tf"), format!("{h} {{\n{b}\n}}\n")).unwrap();
            check(&dir);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn module_sources_are_classified() {
    assert_eq!(
        ModuleSource::parse("./x"),
        ModuleSource::Local("./x".into())
    );
    assert_eq!(
        ModuleSource::parse("../x/y"),
        ModuleSource::Local("../x/y".into())
    );
    assert!(matches!(
        ModuleSource::parse("hashicorp/consul/aws"),
        ModuleSource::Registry(_)
    ));
    assert!(matches!(
        ModuleSource::parse("app.terraform.io/acme/vpc/aws"),
        ModuleSource::Registry(_)
    ));
    assert!(matches!(
        ModuleSource::parse("hashicorp/consul/aws//modules/x"),
        ModuleSource::Registry(_)
    ));
    assert!(matches!(
        ModuleSource::parse("git::https://x/y.git"),
        ModuleSource::Remote(_)
    ));
    assert!(matches!(
        ModuleSource::parse("github.com/hashicorp/example"),
        ModuleSource::Remote(_)
    ));
    assert!(matches!(
        ModuleSource::parse("s3::https://s3.amazonaws.com/b/k.zip"),
        ModuleSource::Remote(_)
    ));
}

#[test]
fn module_that_calls_itself_stops() {
    let dir = scratch("selfcall");
    std::fs::write(
        dir.join("main.tf"),
        "module \"me\" {\n  source = \"./\"\n}\n",
    )
    .unwrap();
    let (_, d) = config::load_config(&dir);
    assert!(
        d.iter().any(|x| x.summary == "Module recursion too deep"),
        "{d:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
