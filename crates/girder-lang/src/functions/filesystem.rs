//! Terraform's filesystem functions: `abspath`, `basename`, `dirname`, `file`, `filebase64`,
//! `fileexists`, `fileset`, `pathexpand`, `templatefile`.
//!
//! Paths are handled with Go's `path/filepath` rules (lexical `Clean`, `Join`, `Dir`, `Base`,
//! `Rel`), `~` with go-homedir's, and `fileset` globs with doublestar v1's semantics (as
//! Terraform 1.0.3 does: `**` crosses directories, `{a,b}` alternatives, `[^...]` negated
//! classes, `\` escapes; hidden files are not special). Relative paths are read from
//! [`CallContext::base_dir`]; messages show paths the way Terraform's console shows them
//! (as the user gave them, or cleaned where Terraform cleans them), never the base directory.

use super::{CallContext, FuncError, Function, Param};
use crate::fixed_return;
use girder_core::{Type, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) fn functions() -> Vec<Function> {
    let one = |name: &'static str, imp: super::ImplFn, ret: super::ReturnTypeFn| Function {
        name,
        params: vec![Param::new("path", Type::String)],
        variadic: None,
        return_type: ret,
        imp,
    };
    vec![
        one("abspath", abspath, fixed_return!(Type::String)),
        one("basename", basename, fixed_return!(Type::String)),
        one("dirname", dirname, fixed_return!(Type::String)),
        one("file", file, fixed_return!(Type::String)),
        one("filebase64", filebase64, fixed_return!(Type::String)),
        one("fileexists", fileexists, fixed_return!(Type::Bool)),
        one("pathexpand", pathexpand, fixed_return!(Type::String)),
        Function {
            name: "fileset",
            params: vec![
                Param::new("path", Type::String),
                Param::new("pattern", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::set(Type::String)),
            imp: fileset,
        },
        Function {
            name: "templatefile",
            params: vec![
                Param::new("path", Type::String),
                Param::new("vars", Type::Dynamic),
            ],
            variadic: None,
            return_type: fixed_return!(Type::Dynamic),
            imp: templatefile,
        },
    ]
}

fn str_arg(v: &Value) -> std::borrow::Cow<'_, str> {
    text(v)
}

/// A string argument in NFC. cty keeps every string in normal form C, so Terraform's functions
/// never see decomposed text (`md5("e\u0301")` hashes "é"); girder normalizes here.
pub(super) fn text(v: &Value) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization as _};
    let s = v.as_str().expect("converted to string");
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.nfc().collect())
    }
}

fn path_err(msg: impl std::fmt::Display) -> FuncError {
    FuncError::arg(0, format!("Invalid value for \"path\" parameter: {msg}."))
}

// ----- Go's path/filepath -----

/// Go's `filepath.Clean` (Unix).
pub(super) fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let p = path.as_bytes();
    let rooted = p[0] == b'/';
    let n = p.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        if p[r] == b'/' || (p[r] == b'.' && (r + 1 == n || p[r + 1] == b'/')) {
            // Empty element or ".".
            r += 1;
        } else if p[r] == b'.' && p[r + 1] == b'.' && (r + 2 == n || p[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                out.pop();
                while out.len() > dotdot && out[out.len() - 1] != b'/' {
                    out.pop();
                }
                // Drop the separator before the removed element too.
                if out.len() > dotdot && out[out.len() - 1] == b'/' {
                    out.pop();
                }
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && p[r] != b'/' {
                out.push(p[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        out.push(b'.');
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Go's `filepath.Join`.
pub(super) fn go_join(elems: &[&str]) -> String {
    let parts: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if parts.is_empty() {
        return String::new();
    }
    go_clean(&parts.join("/"))
}

/// Go's `filepath.Dir`.
fn go_dir(path: &str) -> String {
    let i = path.rfind('/').map(|i| i + 1).unwrap_or(0);
    go_clean(&path[..i])
}

/// Go's `filepath.Base`.
fn go_base(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let path = path.trim_end_matches('/');
    let path = match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    };
    if path.is_empty() {
        "/".into()
    } else {
        path.into()
    }
}

/// Go's `filepath.Rel`.
fn go_rel(basepath: &str, targpath: &str) -> Result<String, String> {
    let base = go_clean(basepath);
    let targ = go_clean(targpath);
    if targ == base {
        return Ok(".".into());
    }
    let base = if base == "." { String::new() } else { base };
    let (b, t) = (base.as_bytes(), targ.as_bytes());
    let err = || format!("Rel: can't make {targpath} relative to {basepath}");
    if (b.first() == Some(&b'/')) != (t.first() == Some(&b'/')) {
        return Err(err());
    }
    let (bl, tl) = (b.len(), t.len());
    let (mut b0, mut bi, mut t0, mut ti) = (0, 0, 0, 0);
    loop {
        while bi < bl && b[bi] != b'/' {
            bi += 1;
        }
        while ti < tl && t[ti] != b'/' {
            ti += 1;
        }
        if t[t0..ti] != b[b0..bi] {
            break;
        }
        if bi < bl {
            bi += 1;
        }
        if ti < tl {
            ti += 1;
        }
        b0 = bi;
        t0 = ti;
        if b0 >= bl && t0 >= tl {
            break;
        }
    }
    if &b[b0..bi] == b".." {
        return Err(err());
    }
    if b0 != bl {
        let seps = b[b0..bl].iter().filter(|c| **c == b'/').count();
        let mut out = String::from("..");
        for _ in 0..seps {
            out.push_str("/..");
        }
        if t0 != tl {
            out.push('/');
            out.push_str(&targ[t0..]);
        }
        return Ok(out);
    }
    Ok(targ[t0..].to_string())
}

/// go-homedir's `Expand`.
pub(super) fn home_expand(path: &str) -> Result<String, String> {
    if !path.starts_with('~') {
        return Ok(path.to_string());
    }
    if path.len() > 1 && !path[1..].starts_with('/') && !path[1..].starts_with('\\') {
        return Err("cannot expand user-specific home dir".into());
    }
    let home = std::env::var("HOME").unwrap_or_default();
    if home.is_empty() {
        return Err("blank output when reading home directory".into());
    }
    Ok(go_join(&[&home, &path[1..]]))
}

/// Where a (home-expanded) path is on disk: relative paths are under `base`, after Go's
/// lexical cleaning (so `a/../b` never needs `a` to exist).
pub(super) fn on_disk(base: &Path, expanded: &str) -> PathBuf {
    let cleaned = go_clean(expanded);
    if cleaned.starts_with('/') {
        PathBuf::from(cleaned)
    } else {
        base.join(cleaned)
    }
}

/// Go's error text for an OS error (`syscall.Errno.Error()`).
pub(super) fn errno_text(e: &std::io::Error) -> String {
    let known = match e.raw_os_error() {
        Some(1) => Some("operation not permitted"),
        Some(2) => Some("no such file or directory"),
        Some(5) => Some("input/output error"),
        Some(13) => Some("permission denied"),
        Some(20) => Some("not a directory"),
        Some(21) => Some("is a directory"),
        Some(36) => Some("file name too long"),
        Some(40) => Some("too many levels of symbolic links"),
        _ => None,
    };
    match known {
        Some(k) => k.to_string(),
        None => {
            let s = e.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    }
}

/// Terraform's `readFileBytes`: the bytes of a file, with its messages (all argument errors):
/// a missing file is named as the user gave it, other failures to open it carry Go's `open`
/// error (with the cleaned path), and failures to read it name it as given.
pub(super) fn read_file_bytes(ctx: &CallContext<'_>, path: &str) -> Result<Vec<u8>, FuncError> {
    use std::io::Read as _;
    let expanded = home_expand(path).map_err(|e| path_err(format!("failed to expand ~: {e}")))?;
    let mut f = std::fs::File::open(on_disk(ctx.base_dir, &expanded)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            path_err(format!(
                "no file exists at {path}; this function works only with files that are \
                 distributed as part of the configuration source code, so if this file will be \
                 created by a resource in this configuration you must instead obtain this \
                 result from an attribute of that resource"
            ))
        } else {
            path_err(format!("open {}: {}", go_clean(&expanded), errno_text(&e)))
        }
    })?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)
        .map_err(|_| path_err(format!("failed to read {path}")))?;
    Ok(buf)
}

/// A string in Unicode normal form C, as cty keeps all strings.
pub(super) fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    s.nfc().collect()
}

/// Terraform's message for a file that `file` / `templatefile` cannot take as text.
fn not_utf8(path: &str) -> FuncError {
    FuncError::new(format!(
        "contents of {path} are not valid UTF-8; use the filebase64 function to obtain the \
         Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to \
         obtain file hashing results instead"
    ))
}

// ----- the functions -----

fn abspath(args: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    let p = &str_arg(&args[0]);
    if p.starts_with('/') {
        return Ok(Value::string(go_clean(p)));
    }
    let cwd = go_getwd().map_err(|e| FuncError::new(errno_text(&e)))?;
    Ok(Value::string(go_join(&[&cwd, p])))
}

/// Go's `os.Getwd`: `$PWD` when it is absolute and names the working directory (so a path
/// through a symlink is kept), else the kernel's answer.
fn go_getwd() -> std::io::Result<String> {
    use std::os::unix::fs::MetadataExt;
    let dot = std::fs::metadata(".")?;
    if let Ok(pwd) = std::env::var("PWD") {
        if pwd.starts_with('/') {
            if let Ok(md) = std::fs::metadata(&pwd) {
                if md.dev() == dot.dev() && md.ino() == dot.ino() {
                    return Ok(pwd);
                }
            }
        }
    }
    Ok(std::env::current_dir()?.to_string_lossy().into_owned())
}

fn basename(args: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    Ok(Value::string(go_base(&str_arg(&args[0]))))
}

fn dirname(args: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    Ok(Value::string(go_dir(&str_arg(&args[0]))))
}

fn pathexpand(args: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    home_expand(&str_arg(&args[0]))
        .map(Value::string)
        .map_err(FuncError::new)
}

fn file(args: &[Value], ctx: &CallContext<'_>) -> Result<Value, FuncError> {
    let path = &str_arg(&args[0]);
    let bytes = read_file_bytes(ctx, path)?;
    // cty normalizes every string to NFC.
    String::from_utf8(bytes)
        .map(|t| Value::string(nfc(&t)))
        .map_err(|_| not_utf8(path))
}

fn filebase64(args: &[Value], ctx: &CallContext<'_>) -> Result<Value, FuncError> {
    use base64::Engine as _;
    let bytes = read_file_bytes(ctx, &str_arg(&args[0]))?;
    Ok(Value::string(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

/// Go's `FileMode.String()` for a stat result.
fn go_mode_string(md: &std::fs::Metadata) -> String {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let ft = md.file_type();
    let mode = md.permissions().mode();
    let mut s = String::new();
    let flags = [
        ('d', ft.is_dir()),
        ('L', ft.is_symlink()),
        ('D', ft.is_block_device() || ft.is_char_device()),
        ('p', ft.is_fifo()),
        ('S', ft.is_socket()),
        ('u', mode & 0o4000 != 0),
        ('g', mode & 0o2000 != 0),
        ('c', ft.is_char_device()),
        ('t', mode & 0o1000 != 0),
    ];
    for (c, on) in flags {
        if on {
            s.push(c);
        }
    }
    if s.is_empty() {
        s.push('-');
    }
    let rwx = b"rwxrwxrwx";
    for (i, c) in rwx.iter().enumerate() {
        if mode & (1 << (8 - i)) != 0 {
            s.push(*c as char);
        } else {
            s.push('-');
        }
    }
    s
}

fn fileexists(args: &[Value], ctx: &CallContext<'_>) -> Result<Value, FuncError> {
    let path = &str_arg(&args[0]);
    let expanded =
        home_expand(path).map_err(|e| FuncError::new(format!("failed to expand ~: {e}")))?;
    let shown = go_clean(&expanded);
    match std::fs::metadata(on_disk(ctx.base_dir, &expanded)) {
        Ok(md) if md.is_file() => Ok(Value::bool(true)),
        Ok(md) => Err(FuncError::new(format!(
            "{shown} is not a regular file, but {}",
            super::datetime::go_quote(&go_mode_string(&md))
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::bool(false)),
        Err(_) => Err(FuncError::new(format!("failed to stat {shown}"))),
    }
}

// ----- doublestar v1 -----

/// A glob over "virtual" paths (as Go sees them, relative to the console's "."), with disk
/// access under the base directory.
struct Globber<'a> {
    base: &'a Path,
    /// Canonical paths of the directories a `**` is descending through (a symlink cycle
    /// would make doublestar recurse without end; we stop at a directory already on the way).
    active: std::cell::RefCell<Vec<PathBuf>>,
}

const BAD_PATTERN: &str = "syntax error in pattern";

impl Globber<'_> {
    fn disk(&self, virt: &str) -> PathBuf {
        if virt.starts_with('/') {
            PathBuf::from(virt)
        } else {
            self.base.join(virt)
        }
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, &'static str> {
        let comps = split_on_separator(pattern, '/');
        let mut m = Vec::new();
        if comps.is_empty() {
            return Ok(m);
        }
        let base = if comps[0].is_empty() { "/" } else { "." };
        match self.do_glob(base, &comps, &mut m) {
            Some(e) => Err(e),
            None => Ok(m),
        }
    }

    /// doublestar's `doGlob`; returns the error it would (errors from recursion are kept
    /// only where Go keeps them).
    fn do_glob(
        &self,
        basedir: &str,
        comps: &[String],
        m: &mut Vec<String>,
    ) -> Option<&'static str> {
        let pat_len = comps.len();
        let mut pat_idx = comps
            .iter()
            .position(|c| c.contains(['*', '?', '[', '{', '\\']))
            .unwrap_or(pat_len);
        let mut basedir = basedir.to_string();
        if pat_idx > 0 {
            let refs: Vec<&str> = comps[..pat_idx].iter().map(String::as_str).collect();
            let joined = go_join(&refs);
            basedir = go_join(&[&basedir, &joined]);
        }
        let disk = self.disk(&basedir);
        let Ok(mut md) = std::fs::symlink_metadata(&disk) else {
            return None;
        };
        if pat_idx >= pat_len {
            m.push(basedir);
            return None;
        }
        if md.file_type().is_symlink() {
            match std::fs::metadata(&disk) {
                Ok(x) => md = x,
                Err(_) => return None,
            }
        }
        if !md.is_dir() {
            return None;
        }
        let Ok(rd) = std::fs::read_dir(&disk) else {
            return None;
        };
        let files: Vec<(String, bool)> = rd
            .filter_map(Result::ok)
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let mut is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                if e.file_type().map(|t| t.is_symlink()).unwrap_or(false) {
                    is_dir = std::fs::metadata(e.path())
                        .map(|x| x.is_dir())
                        .unwrap_or(false);
                }
                (name, is_dir)
            })
            .collect();
        let mut last = pat_idx + 1 >= pat_len;
        let mut e: Option<&'static str> = None;
        if comps[pat_idx] == "**" {
            for (name, is_dir) in &files {
                let child = go_join(&[&basedir, name]);
                if *is_dir {
                    if last {
                        m.push(child.clone());
                    }
                    let canon = std::fs::canonicalize(self.disk(&child)).ok();
                    if canon
                        .as_ref()
                        .is_some_and(|c| self.active.borrow().contains(c))
                    {
                        continue;
                    }
                    if let Some(c) = &canon {
                        self.active.borrow_mut().push(c.clone());
                    }
                    e = self.do_glob(&child, &comps[pat_idx..], m);
                    if canon.is_some() {
                        self.active.borrow_mut().pop();
                    }
                } else if last {
                    m.push(child);
                }
            }
            if last {
                return e;
            }
            pat_idx += 1;
            last = pat_idx + 1 >= pat_len;
        }
        for (name, _) in &files {
            match match_component(&comps[pat_idx], name) {
                Err(err) => return Some(err),
                Ok(true) => {
                    let child = go_join(&[&basedir, name]);
                    if last {
                        m.push(child);
                        e = None;
                    } else {
                        e = self.do_glob(&child, &comps[pat_idx + 1..], m);
                    }
                }
                Ok(false) => e = None,
            }
        }
        e
    }
}

/// doublestar's `indexRuneWithEscaping` (byte index).
fn index_with_escaping(s: &str, r: char) -> Option<usize> {
    let end = s.find(r)?;
    if end > 0 && s.as_bytes()[end - 1] == b'\\' {
        let start = end + r.len_utf8();
        return index_with_escaping(&s[start..], r).map(|e| e + start);
    }
    Some(end)
}

/// doublestar's `splitPathOnSeparator` (separators escaped with `\` do not split).
fn split_on_separator(path: &str, sep: char) -> Vec<String> {
    if !path.contains(sep) {
        return vec![path.to_string()];
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut empty_end = false;
    while start < path.len() {
        match index_with_escaping(&path[start..], sep) {
            Some(e) => {
                out.push(path[start..start + e].to_string());
                start = start + e + sep.len_utf8();
                empty_end = true;
            }
            None => {
                out.push(path[start..].to_string());
                start = path.len();
                empty_end = false;
            }
        }
    }
    if empty_end {
        out.push(String::new());
    }
    out
}

/// doublestar's `matchComponent`.
fn match_component(pattern: &str, name: &str) -> Result<bool, &'static str> {
    let (pl, nl) = (pattern.len(), name.len());
    let (mut pi, mut ni) = (0usize, 0usize);
    while pi < pl && ni < nl {
        let pr = pattern[pi..].chars().next().unwrap_or('\u{fffd}');
        let nr = name[ni..].chars().next().unwrap_or('\u{fffd}');
        let (pa, na) = (pr.len_utf8(), nr.len_utf8());
        if pr == '\\' {
            pi += pa;
            let Some(er) = pattern[pi..].chars().next() else {
                return Err(BAD_PATTERN);
            };
            if er == nr {
                pi += er.len_utf8();
                ni += na;
            } else {
                return Ok(false);
            }
        } else if pr == '*' {
            pi += pa;
            if pi >= pl {
                return Ok(true);
            }
            let mut k = ni;
            while k < nl {
                if match_component(&pattern[pi..], &name[k..]) == Ok(true) {
                    return Ok(true);
                }
                k += name[k..].chars().next().map_or(1, char::len_utf8);
            }
            return Ok(false);
        } else if pr == '[' {
            pi += pa;
            let Some(end) = index_with_escaping(&pattern[pi..], ']') else {
                return Err(BAD_PATTERN);
            };
            let end = end + pi;
            let class: Vec<char> = pattern[pi..end].chars().collect();
            if class.is_empty() {
                return Err(BAD_PATTERN);
            }
            let mut ci = 0;
            let mut matched = false;
            if class[0] == '^' {
                ci += 1;
            }
            while ci < class.len() {
                let mut low = class[ci];
                if low == '-' {
                    return Err(BAD_PATTERN);
                }
                ci += 1;
                if low == '\\' {
                    if ci < class.len() {
                        low = class[ci];
                        ci += 1;
                    } else {
                        return Err(BAD_PATTERN);
                    }
                }
                let mut high = low;
                if ci < class.len() && class[ci] == '-' {
                    ci += 1;
                    if ci >= class.len() {
                        return Err(BAD_PATTERN);
                    }
                    high = class[ci];
                    if high == '-' {
                        return Err(BAD_PATTERN);
                    }
                    ci += 1;
                    if high == '\\' {
                        if ci < class.len() {
                            high = class[ci];
                            ci += 1;
                        } else {
                            return Err(BAD_PATTERN);
                        }
                    }
                }
                if low <= nr && nr <= high {
                    matched = true;
                }
            }
            if matched == (class[0] == '^') {
                return Ok(false);
            }
            pi = end + 1;
            ni += na;
        } else if pr == '{' {
            pi += pa;
            let Some(end) = index_with_escaping(&pattern[pi..], '}') else {
                return Err(BAD_PATTERN);
            };
            let end = end + pi;
            let options = split_on_separator(&pattern[pi..end], ',');
            let rest = &pattern[end + 1..];
            for o in options {
                if match_component(&format!("{o}{rest}"), &name[ni..])? {
                    return Ok(true);
                }
            }
            return Ok(false);
        } else if pr == '?' || pr == nr {
            pi += pa;
            ni += na;
        } else {
            return Ok(false);
        }
    }
    if pi >= pl && ni >= nl {
        return Ok(true);
    }
    let rest = &pattern[pi.min(pl)..];
    if (ni >= nl && rest == "*") || rest == "**" {
        return Ok(true);
    }
    Ok(false)
}

fn fileset(args: &[Value], ctx: &CallContext<'_>) -> Result<Value, FuncError> {
    let path = &str_arg(&args[0]);
    let pattern = &str_arg(&args[1]);
    // Terraform joins the base directory (the console's ".") and the pattern; we glob the
    // same relative pattern with disk access under our base directory.
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        go_join(&[".", path])
    };
    let full = go_join(&[&path, pattern]);
    let globber = Globber {
        base: ctx.base_dir,
        active: std::cell::RefCell::new(Vec::new()),
    };
    let matches = globber
        .glob(&full)
        .map_err(|e| FuncError::new(format!("failed to glob pattern ({full}): {e}")))?;
    let mut out = Vec::new();
    for m in matches {
        let md = std::fs::metadata(globber.disk(&m)).map_err(|e| {
            FuncError::new(format!(
                "failed to stat ({m}): stat {m}: {}",
                errno_text(&e)
            ))
        })?;
        if !md.is_file() {
            continue;
        }
        let rel = go_rel(&path, &m)
            .map_err(|e| FuncError::new(format!("failed to trim path of match (): {e}")))?;
        out.push(Value::string(rel));
    }
    Ok(Value::set(Type::String, out))
}

/// HCL's `ValidIdentifier`.
fn valid_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    match cs.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    cs.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn templatefile(args: &[Value], ctx: &CallContext<'_>) -> Result<Value, FuncError> {
    let path = &str_arg(&args[0]);
    let src = String::from_utf8(read_file_bytes(ctx, path)?).map_err(|_| not_utf8(path))?;
    let vars_err =
        |m: String| FuncError::arg(1, format!("Invalid value for \"vars\" parameter: {m}."));
    let vars: BTreeMap<String, Value> = match args[1].ty() {
        Type::Map(_) | Type::Object(_) => args[1]
            .as_map()
            .map(girder_core::ValueMap::to_btree)
            .unwrap_or_default(),
        _ => return Err(vars_err("invalid vars value: must be a map".into())),
    };
    for k in vars.keys() {
        if !valid_identifier(k) {
            return Err(vars_err(format!(
                "invalid template variable name {}: must start with a letter, followed by zero \
                 or more letters, digits, and underscores",
                super::datetime::go_quote(k)
            )));
        }
    }
    let src = nfc(&src);
    if let Some(missing) = first_missing_variable(&src, path, &vars) {
        return Err(vars_err(missing));
    }
    (ctx.render_template)(&src, path, &vars).map_err(|m| {
        let first = m.lines().next().unwrap_or_default();
        if let Some(key) = missing_key(first) {
            return vars_err(key);
        }
        if m.starts_with("vars map does not contain key") {
            return vars_err(m);
        }
        // HCL's Diagnostics.Error(): the first diagnostic, and a count of the others (the
        // renderer gives one per line).
        let count = m.lines().count();
        let m = if count > 1 {
            format!("{first}, and {} other diagnostic(s)", count - 1)
        } else {
            m
        };
        // Terraform appends "." to HCL's diagnostic text, which ends with one already; the
        // evaluator strips one final "." before appending its own.
        if m.ends_with('.') {
            FuncError::new(format!("{m}."))
        } else {
            FuncError::new(m)
        }
    })
}

/// Terraform checks every variable the template references (in all branches) before
/// rendering it: the first root name that `vars` lacks, as Terraform words it. A template
/// that does not parse is left to the renderer to report.
fn first_missing_variable(src: &str, path: &str, vars: &BTreeMap<String, Value>) -> Option<String> {
    use crate::refs::Subject;
    let node = crate::eval::lower::lower_template_text(src).ok()?;
    let expr = crate::source::Expr::from_node(node, crate::source::SourceFile::new(path, src));
    for r in crate::refs::references(&expr) {
        let root = match &r.subject {
            Subject::Var(_) => "var".to_string(),
            Subject::Local(_) => "local".to_string(),
            Subject::Resource {
                mode, type_name, ..
            } => match mode {
                girder_core::addr::ResourceMode::Data => "data".to_string(),
                _ => type_name.clone(),
            },
            Subject::Module { .. } => "module".to_string(),
            Subject::Count(_) => "count".to_string(),
            Subject::Each(_) => "each".to_string(),
            Subject::Path(_) => "path".to_string(),
            Subject::Terraform(_) => "terraform".to_string(),
            Subject::SelfRef => "self".to_string(),
            Subject::Other(n) => n.clone(),
        };
        if vars.contains_key(&root) {
            continue;
        }
        // HCL reports the range of the root name only.
        let at = match &r.span {
            Some(sp) => format!(
                "{path}:{},{}-{}",
                sp.start.line,
                sp.start.column,
                sp.start.column + root.chars().count()
            ),
            None => path.to_string(),
        };
        return Some(format!(
            "vars map does not contain key {}, referenced at {at}",
            super::datetime::go_quote(&root)
        ));
    }
    None
}

/// Terraform checks every variable a template references before rendering it; the renderer
/// reports an unset one as `FILE:L,C-C: Unknown variable; There is no variable named "X".`,
/// which becomes Terraform's `vars map does not contain key "X", referenced at FILE:L,C-C`.
fn missing_key(line: &str) -> Option<String> {
    let (at, rest) = line.split_once(": Unknown variable; There is no variable named ")?;
    let name = rest.strip_suffix('.')?;
    Some(format!(
        "vars map does not contain key {name}, referenced at {at}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        let cases = [
            ("", "."),
            (".", "."),
            ("a/b/", "a/b"),
            ("a//b", "a/b"),
            ("./a", "a"),
            ("a/../b", "b"),
            ("a/../../b", "../b"),
            ("/../a", "/a"),
            ("/", "/"),
            ("//", "/"),
            ("../..", "../.."),
            ("a/b/c/../../d", "a/d"),
            ("abc/./../def", "def"),
            ("/abc/def/../../..", "/"),
        ];
        for (i, want) in cases {
            assert_eq!(go_clean(i), want, "{i:?}");
        }
    }

    #[test]
    fn dir_base_rel_like_go() {
        for (p, d, b) in [
            ("", ".", "."),
            ("/", "/", "/"),
            ("a/b/", "a/b", "b"),
            ("a//b", "a", "b"),
            ("/a", "/", "a"),
            ("a", ".", "a"),
            ("//", "/", "/"),
        ] {
            assert_eq!(go_dir(p), d, "dir {p:?}");
            assert_eq!(go_base(p), b, "base {p:?}");
        }
        assert_eq!(go_rel(".", "a.txt").unwrap(), "a.txt");
        assert_eq!(go_rel("sub", "sub/c.txt").unwrap(), "c.txt");
        assert_eq!(go_rel(".", "../wd/a.txt").unwrap(), "../wd/a.txt");
        assert_eq!(go_rel("a/b", "a/c/d").unwrap(), "../c/d");
        assert!(go_rel("/a", "b").is_err());
    }

    #[test]
    fn components_match_like_doublestar() {
        let cases = [
            ("*", "abc", Ok(true)),
            ("*.txt", "a.txt", Ok(true)),
            ("*.txt", "a.md", Ok(false)),
            ("?.txt", "ab.txt", Ok(false)),
            ("[!a].*", "a.txt", Ok(true)),
            ("[^a].*", "a.txt", Ok(false)),
            ("[^a].*", "b.md", Ok(true)),
            ("[a-c]*", "b", Ok(true)),
            ("{a,b}.*", "b.md", Ok(true)),
            ("\\a.txt", "a.txt", Ok(true)),
            ("[", "a", Err(BAD_PATTERN)),
            ("[a-]*", "a", Err(BAD_PATTERN)),
            ("[]a]*", "a", Err(BAD_PATTERN)),
            ("{a,b", "a", Err(BAD_PATTERN)),
            ("b[", "a", Ok(false)),
        ];
        for (p, n, want) in cases {
            assert_eq!(match_component(p, n), want, "{p} vs {n}");
        }
        assert_eq!(split_on_separator("a/b\\/c/", '/'), ["a", "b\\/c", ""]);
    }

    #[test]
    fn identifiers() {
        assert!(valid_identifier("name"));
        assert!(valid_identifier("a_b-c1"));
        assert!(!valid_identifier("1a"));
        assert!(!valid_identifier(""));
    }
}
