//! The filesystem-reading functions (`file`, `filebase64`, `fileexists`, `fileset`, the file
//! hash functions, `templatefile`) against a fixture tree, with the results and messages that
//! Terraform 1.0.3's `terraform console` gave for the same tree (run in the directory holding
//! `t/`; recorded by hand from the real binary). The console differential harness runs its
//! expressions in an empty directory, so these cases live here and call the functions
//! directly; error expectations are the diagnostic detail Terraform prints.

use girder_core::{Type, Value};
use girder_lang::functions::{CallContext, FunctionTable};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Builds the fixture tree under a fresh temporary directory: `t/` with files, a hidden
/// directory, nested directories, templates and a non-UTF-8 file.
fn tree() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let root = std::env::temp_dir().join(format!(
        "girder-funcs-b-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&root);
    let t = root.join("t");
    for d in ["", "sub", "sub/deep", ".hid"] {
        let p = t.join(d);
        std::fs::create_dir_all(&p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let files: [(&str, &[u8]); 10] = [
        ("a.txt", b"hello\n"),
        ("b.md", b"b"),
        ("bin.dat", b"\xff\xfe"),
        ("sub/c.txt", b"x\n"),
        ("sub/deep/d.txt", b"y\n"),
        (".hid/e.txt", b"z\n"),
        ("t.tpl", b"Hi ${name}!\n"),
        ("m.tpl", b"${missing} and ${name}"),
        ("bad.tpl", b"${"),
        ("br[x].txt", b"[x]"),
    ];
    for (name, body) in files {
        std::fs::write(t.join(name), body).unwrap();
    }
    // Symlinks: to a directory, to a file, dangling; and a cycle.
    let l = root.join("l");
    std::fs::create_dir_all(l.join("sub")).unwrap();
    std::fs::write(l.join("a.txt"), "a\n").unwrap();
    std::fs::write(l.join("sub/c.txt"), "c\n").unwrap();
    std::os::unix::fs::symlink("sub", l.join("lnk")).unwrap();
    std::os::unix::fs::symlink("a.txt", l.join("alink")).unwrap();
    std::os::unix::fs::symlink("nowhere", l.join("dangling")).unwrap();
    let cyc = root.join("cyc");
    std::fs::create_dir_all(&cyc).unwrap();
    std::fs::write(cyc.join("x.txt"), "x\n").unwrap();
    std::os::unix::fs::symlink(".", cyc.join("loop")).unwrap();
    std::fs::write(root.join("two.tpl"), "${two_errors}").unwrap();
    std::fs::write(root.join("cond.tpl"), "%{ if false }${missing}%{ endif }ok").unwrap();
    std::fs::write(root.join("attr.tpl"), "x\n  ${a.b}").unwrap();
    std::fs::write(root.join("for.tpl"), "%{ for x in xs }${x}%{ endfor }${y}").unwrap();
    // "é" decomposed: `file` returns it in NFC (as cty does), the hash functions hash bytes.
    std::fs::write(root.join("nfd.txt"), "e\u{301}").unwrap();
    root
}

/// A stand-in for the evaluator's template renderer: `${name}` substitution, with the
/// evaluator's wording for an unset variable and for a syntax error.
fn render(text: &str, file: &str, vars: &BTreeMap<String, Value>) -> Result<Value, String> {
    let mut out = String::new();
    let mut rest = text;
    let mut col = 1;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        col += i;
        let Some(j) = rest[i..].find('}') else {
            return Err(format!(
                "{file}:2,1-1: Invalid expression; Expected the start of an expression, but found an invalid expression token."
            ));
        };
        let name = &rest[i + 2..i + j];
        if name == "two_errors" {
            return Err(format!("{file}:1,4-6: Unsupported attribute; This object does not have an attribute named \"b\".\n{file}:1,11-16: Invalid index; The given key does not identify an element in this collection value."));
        }
        match vars.get(name).and_then(|v| v.as_str().map(str::to_string)) {
            Some(s) => out.push_str(&s),
            None if vars.contains_key(name) => out.push('?'),
            None => {
                return Err(format!(
                    "{file}:1,{}-{}: Unknown variable; There is no variable named \"{name}\".",
                    col + 2,
                    col + 2 + name.len()
                ))
            }
        }
        col += j + 1;
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    Ok(Value::string(out))
}

enum Want {
    Str(&'static str),
    Bool(bool),
    Set(&'static [&'static str]),
    /// The diagnostic detail Terraform prints.
    Err(&'static str),
}

fn s(v: &str) -> Value {
    Value::string(v)
}

/// What the evaluator prints for a call's result (its rules: argument errors as they are,
/// others as "Call to function ... failed: ...").
fn outcome(
    funcs: &FunctionTable,
    base: &Path,
    name: &str,
    args: &[Value],
) -> Result<Value, String> {
    let f = funcs
        .get(name)
        .unwrap_or_else(|| panic!("no function {name}"));
    let ctx = CallContext {
        base_dir: base,
        render_template: &render,
    };
    f.call(args, &ctx).map_err(|e| match e.arg {
        Some(_) => e.message,
        None => format!(
            "Call to function \"{name}\" failed: {}.",
            e.message.strip_suffix('.').unwrap_or(&e.message)
        ),
    })
}

fn check(cases: Vec<(&str, Vec<Value>, Want)>) {
    let base = tree();
    let funcs = FunctionTable::builtin();
    let mut failures = Vec::new();
    for (name, args, want) in cases {
        let got = outcome(&funcs, &base, name, &args);
        let ok = match (&want, &got) {
            (Want::Str(w), Ok(v)) => v.as_str() == Some(*w),
            (Want::Bool(w), Ok(v)) => v.as_bool() == Some(*w),
            (Want::Set(w), Ok(v)) => {
                let mut items: Vec<&str> = v
                    .as_seq()
                    .map(|s| s.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                items.sort_unstable();
                v.ty() == Type::set(Type::String) && items == *w
            }
            (Want::Err(w), Err(e)) => e == w,
            _ => false,
        };
        if !ok {
            let shown = match want {
                Want::Str(w) => format!("{w:?}"),
                Want::Bool(b) => b.to_string(),
                Want::Set(s) => format!("{s:?}"),
                Want::Err(e) => format!("error {e:?}"),
            };
            failures.push(format!("{name}({args:?})\n  want {shown}\n  got  {got:?}"));
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const NO_FILE: &str = "; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource.";

#[test]
fn file_and_filebase64() {
    use Want::*;
    let no_file = |p: &str| -> &'static str {
        Box::leak(
            format!("Invalid value for \"path\" parameter: no file exists at {p}{NO_FILE}")
                .into_boxed_str(),
        )
    };
    check(vec![
        ("file", vec![s("t/a.txt")], Str("hello\n")),
        ("file", vec![s("./t/sub/../a.txt")], Str("hello\n")),
        ("file", vec![s("t/bin.dat")], Err("Call to function \"file\" failed: contents of t/bin.dat are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead.")),
        ("file", vec![s("t/sub")], Err("Invalid value for \"path\" parameter: failed to read t/sub.")),
        ("file", vec![s("t/a.txt/x")], Err("Invalid value for \"path\" parameter: open t/a.txt/x: not a directory.")),
        ("file", vec![s("t/nope.txt")], Err(no_file("t/nope.txt"))),
        ("file", vec![s("./t/x/../nope")], Err(no_file("./t/x/../nope"))),
        ("file", vec![s("~x/a")], Err("Invalid value for \"path\" parameter: failed to expand ~: cannot expand user-specific home dir.")),
        ("file", vec![s("nfd.txt")], Str("\u{e9}")),
        ("filebase64", vec![s("nfd.txt")], Str("ZcyB")),
        ("filebase64", vec![s("t/bin.dat")], Str("//4=")),
        ("filebase64", vec![s("t/a.txt")], Str("aGVsbG8K")),
        ("filebase64", vec![s("./t/sub/")], Err("Invalid value for \"path\" parameter: failed to read ./t/sub/.")),
        ("filebase64", vec![s("nope.bin")], Err(no_file("nope.bin"))),
    ]);
}

#[test]
fn fileexists() {
    use Want::*;
    check(vec![
        ("fileexists", vec![s("t/a.txt")], Bool(true)),
        ("fileexists", vec![s("t/a.txt/")], Bool(true)),
        ("fileexists", vec![s("t/nope")], Bool(false)),
        ("fileexists", vec![s("./t/nope/")], Bool(false)),
        ("fileexists", vec![s("t/sub")], Err("Call to function \"fileexists\" failed: t/sub is not a regular file, but \"drwxr-xr-x\".")),
        ("fileexists", vec![s("./t/sub/")], Err("Call to function \"fileexists\" failed: t/sub is not a regular file, but \"drwxr-xr-x\".")),
        ("fileexists", vec![s("t/a.txt/x")], Err("Call to function \"fileexists\" failed: failed to stat t/a.txt/x.")),
        ("fileexists", vec![s("~x")], Err("Call to function \"fileexists\" failed: failed to expand ~: cannot expand user-specific home dir.")),
    ]);
}

#[test]
fn file_hashes() {
    use Want::*;
    check(vec![
        ("filemd5", vec![s("t/a.txt")], Str("b1946ac92492d2347c6235b4d2611184")),
        ("filesha1", vec![s("t/bin.dat")], Str("d62636d8caec13f04e28442a0a6fa1afeb024bbb")),
        ("filesha256", vec![s("t/bin.dat")], Str("b3d510ef04275ca8e698e5b3cbb0ece3949ef9252f0cdc839e9ee347409a2209")),
        ("filesha256", vec![s("t/a.txt")], Str("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")),
        ("filesha512", vec![s("t/b.md")], Str("5267768822ee624d48fce15ec5ca79cbd602cb7f4c2157a516556991f22ef8c7b5ef7b18d1ff41c59370efb0858651d44a936c11b7b144c48fe04df3c6a3e8da")),
        ("filebase64sha256", vec![s("t/b.md")], Str("PiPoFgA5WUoziU9lZOGxNIu9egCI1CxKy3PurtWcAJ0=")),
        ("filebase64sha256", vec![s("t/a.txt")], Str("WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=")),
        ("filebase64sha512", vec![s("t/b.md")], Str("Umd2iCLuYk1I/OFexcp5y9YCy39MIVelFlVpkfIu+Me173sY0f9BxZNw77CFhlHUSpNsEbexRMSP4E3zxqPo2g==")),
        ("filemd5", vec![s("nfd.txt")], Str("5526861fbb1e71a1bda6ac364310a807")),
        ("filemd5", vec![s("t/sub")], Err("Call to function \"filemd5\" failed: read t/sub: is a directory.")),
        ("filemd5", vec![s("./t/sub/../nope")], Err("Call to function \"filemd5\" failed: open t/nope: no such file or directory.")),
        ("filesha1", vec![s("~x")], Err("Call to function \"filesha1\" failed: failed to expand ~: cannot expand user-specific home dir.")),
    ]);
}

#[test]
fn fileset() {
    use Want::*;
    let glob_err = |p: &str| -> &'static str {
        Box::leak(
            format!("Call to function \"fileset\" failed: failed to glob pattern ({p}): syntax error in pattern.")
                .into_boxed_str(),
        )
    };
    let all: &[&str] = &[
        "a.txt",
        "b.md",
        "bad.tpl",
        "bin.dat",
        "br[x].txt",
        "m.tpl",
        "t.tpl",
    ];
    check(vec![
        ("fileset", vec![s("t"), s("*")], Set(all)),
        ("fileset", vec![s("t"), s("*/")], Set(all)),
        (
            "fileset",
            vec![s("t"), s("**")],
            Set(&[
                ".hid/e.txt",
                "a.txt",
                "b.md",
                "bad.tpl",
                "bin.dat",
                "br[x].txt",
                "m.tpl",
                "sub/c.txt",
                "sub/deep/d.txt",
                "t.tpl",
            ]),
        ),
        (
            "fileset",
            vec![s("t"), s("**/*.txt")],
            Set(&[
                ".hid/e.txt",
                "a.txt",
                "br[x].txt",
                "sub/c.txt",
                "sub/deep/d.txt",
            ]),
        ),
        ("fileset", vec![s("t/sub"), s("*")], Set(&["c.txt"])),
        (
            "fileset",
            vec![s("./t/sub/"), s("**")],
            Set(&["c.txt", "deep/d.txt"]),
        ),
        (
            "fileset",
            vec![s("t"), s("{a,b}.*")],
            Set(&["a.txt", "b.md"]),
        ),
        ("fileset", vec![s("t"), s("?.txt")], Set(&["a.txt"])),
        ("fileset", vec![s("t"), s("[!a].*")], Set(&["a.txt"])),
        (
            "fileset",
            vec![s("t"), s("[^a].*")],
            Set(&["b.md", "m.tpl", "t.tpl"]),
        ),
        ("fileset", vec![s("t"), s("sub/*")], Set(&["sub/c.txt"])),
        ("fileset", vec![s("t/sub"), s("../*.md")], Set(&["../b.md"])),
        (
            "fileset",
            vec![s("t"), s("sub/**/*.txt")],
            Set(&["sub/c.txt", "sub/deep/d.txt"]),
        ),
        ("fileset", vec![s("t"), s("\\a.txt")], Set(&["a.txt"])),
        (
            "fileset",
            vec![s("t"), s("br\\[x].txt")],
            Set(&["br[x].txt"]),
        ),
        (
            "fileset",
            vec![s("t"), s("*/*")],
            Set(&[".hid/e.txt", "sub/c.txt"]),
        ),
        (
            "fileset",
            vec![s("t"), s("**/d.txt")],
            Set(&["sub/deep/d.txt"]),
        ),
        ("fileset", vec![s("t"), s("sub")], Set(&[])),
        ("fileset", vec![s("t"), s("z[")], Set(&[])),
        (
            "fileset",
            vec![s("."), s("t/sub/deep/*")],
            Set(&["t/sub/deep/d.txt"]),
        ),
        ("fileset", vec![s("nope"), s("*")], Set(&[])),
        // Symlinks are followed; a dangling one that matches is an error.
        ("fileset", vec![s("l"), s("a*")], Set(&["a.txt", "alink"])),
        ("fileset", vec![s("l"), s("l*/*")], Set(&["lnk/c.txt"])),
        ("fileset", vec![s("l"), s("sub/**")], Set(&["sub/c.txt"])),
        ("fileset", vec![s("l"), s("*")], Err("Call to function \"fileset\" failed: failed to stat (l/dangling): stat l/dangling: no such file or directory.")),
        ("fileset", vec![s("l"), s("d*")], Err("Call to function \"fileset\" failed: failed to stat (l/dangling): stat l/dangling: no such file or directory.")),
        // Terraform recurses through a symlink cycle without end; we stop at a directory
        // that is already being walked.
        ("fileset", vec![s("cyc"), s("**")], Set(&["loop/x.txt", "x.txt"])),
        ("fileset", vec![s("t"), s("[")], Err(glob_err("t/["))),
        (
            "fileset",
            vec![s("t"), s("[a-]*")],
            Err(glob_err("t/[a-]*")),
        ),
        ("fileset", vec![s("t"), s("{a,b")], Err(glob_err("t/{a,b"))),
        (
            "fileset",
            vec![s("t"), s("[]a]*")],
            Err(glob_err("t/[]a]*")),
        ),
    ]);
}

#[test]
fn templatefile() {
    use Want::*;
    let vars = |pairs: &[(&str, &str)]| {
        Value::object_from(pairs.iter().map(|(k, v)| (k.to_string(), s(v))))
    };
    check(vec![
        ("templatefile", vec![s("t/t.tpl"), vars(&[("name", "bob")])], Str("Hi bob!\n")),
        ("templatefile", vec![s("t/t.tpl"), vars(&[("_a", "1"), ("name", "2")])], Str("Hi 2!\n")),
        ("templatefile", vec![s("t/t.tpl"), vars(&[("a-b", "1"), ("name", "2")])], Str("Hi 2!\n")),
        (
            "templatefile",
            vec![s("t/t.tpl"), Value::map(Type::String, [("name".to_string(), s("m"))].into())],
            Str("Hi m!\n"),
        ),
        ("templatefile", vec![s("t/m.tpl"), vars(&[("name", "bob")])], Err("Invalid value for \"vars\" parameter: vars map does not contain key \"missing\", referenced at t/m.tpl:1,3-10.")),
        ("templatefile", vec![s("t/t.tpl"), s("x")], Err("Invalid value for \"vars\" parameter: invalid vars value: must be a map.")),
        ("templatefile", vec![s("t/t.tpl"), vars(&[("1a", "1"), ("name", "2")])], Err("Invalid value for \"vars\" parameter: invalid template variable name \"1a\": must start with a letter, followed by zero or more letters, digits, and underscores.")),
        ("templatefile", vec![s("t/bin.dat"), vars(&[])], Err("Call to function \"templatefile\" failed: contents of t/bin.dat are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead.")),
        ("templatefile", vec![s("t/bad.tpl"), vars(&[])], Err("Call to function \"templatefile\" failed: t/bad.tpl:2,1-1: Invalid expression; Expected the start of an expression, but found an invalid expression token..")),
        ("templatefile", vec![s("two.tpl"), vars(&[("two_errors", "")])], Err("Call to function \"templatefile\" failed: two.tpl:1,4-6: Unsupported attribute; This object does not have an attribute named \"b\"., and 1 other diagnostic(s).")),
        // Every reference is checked before rendering, in branches not taken too.
        ("templatefile", vec![s("cond.tpl"), vars(&[])], Err("Invalid value for \"vars\" parameter: vars map does not contain key \"missing\", referenced at cond.tpl:1,16-23.")),
        ("templatefile", vec![s("attr.tpl"), vars(&[])], Err("Invalid value for \"vars\" parameter: vars map does not contain key \"a\", referenced at attr.tpl:2,5-6.")),
        ("templatefile", vec![s("for.tpl"), vars(&[])], Err("Invalid value for \"vars\" parameter: vars map does not contain key \"xs\", referenced at for.tpl:1,13-15.")),
        ("templatefile", vec![s("for.tpl"), vars(&[("xs", "")])], Err("Invalid value for \"vars\" parameter: vars map does not contain key \"y\", referenced at for.tpl:1,34-35.")),
        ("templatefile", vec![s("nope.tpl"), s("x")], Err("Invalid value for \"path\" parameter: no file exists at nope.tpl; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource.")),
    ]);
}
