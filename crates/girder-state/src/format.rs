//! Terraform's state file format version 4: reading, and writing byte-for-byte as Terraform
//! does (two-space indent, Terraform's key order, Go's HTML-safe string escaping, sorted
//! resources and instances, trailing newline).

use crate::error::{Result, StateError};
use crate::model::{InstanceState, ObjectStatus, OutputValue, RawJson, ResourceState, State};
use base64::Engine as _;
use girder_core::addr::{AbsResourceInstance, InstanceKey, ModuleInstance, ResourceMode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;

/// The state format version girder writes.
pub const FORMAT_VERSION: u64 = 4;

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct VersionProbe {
    version: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct StateIn {
    #[serde(default)]
    terraform_version: String,
    #[serde(default)]
    serial: u64,
    #[serde(default)]
    lineage: String,
    #[serde(default)]
    outputs: Option<BTreeMap<String, OutputIn>>,
    #[serde(default)]
    resources: Option<Vec<ResourceIn>>,
    #[serde(default, deserialize_with = "present")]
    check_results: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct OutputIn {
    #[serde(default)]
    value: serde_json::Value,
    #[serde(rename = "type", default)]
    ty: serde_json::Value,
    #[serde(default)]
    sensitive: bool,
}

#[derive(Deserialize)]
struct ResourceIn {
    #[serde(default)]
    module: String,
    mode: String,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    instances: Option<Vec<InstanceIn>>,
}

#[derive(Deserialize)]
struct InstanceIn {
    #[serde(default)]
    index_key: Option<serde_json::Value>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    deposed: Option<String>,
    #[serde(default)]
    schema_version: u64,
    #[serde(default)]
    attributes: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    attributes_flat: Option<BTreeMap<String, String>>,
    #[serde(default)]
    sensitive_attributes: Option<serde_json::Value>,
    #[serde(default)]
    private: Option<String>,
    #[serde(default)]
    dependencies: Option<Vec<String>>,
    #[serde(default)]
    create_before_destroy: bool,
}

/// Deserialises a field that is present (even as `null`) into `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

/// Checks that `bytes` is JSON with a supported `version`.
fn check_version(bytes: &[u8], location: &str) -> Result<()> {
    let corrupt = |detail: String| StateError::Corrupt {
        location: location.to_string(),
        detail,
    };
    let probe: VersionProbe = serde_json::from_slice(bytes)
        .map_err(|e| corrupt(format!("it is not valid JSON ({e})")))?;
    let version = match probe.version {
        None => {
            return Err(corrupt(
                "it has no \"version\" attribute, which identifies the format".into(),
            ))
        }
        Some(v) => v.as_u64().ok_or_else(|| {
            corrupt(format!(
                "its \"version\" attribute is {v}, not a non-negative integer"
            ))
        })?,
    };
    if version > FORMAT_VERSION {
        return Err(StateError::UnsupportedVersion {
            location: location.to_string(),
            version,
        });
    }
    if version < FORMAT_VERSION {
        return Err(StateError::OldVersion {
            location: location.to_string(),
            version,
        });
    }
    Ok(())
}

#[derive(Deserialize)]
struct HeadIn {
    #[serde(default)]
    serial: u64,
    #[serde(default)]
    lineage: String,
}

/// Reads only the lineage and serial of a state file (still checking the JSON and version),
/// without building the model: cheaper than [`parse`] for fencing checks.
pub fn probe(bytes: &[u8], location: &str) -> Result<(String, u64)> {
    check_version(bytes, location)?;
    let h: HeadIn = serde_json::from_slice(bytes).map_err(|e| StateError::Corrupt {
        location: location.to_string(),
        detail: format!("it does not have the structure of a state ({e})"),
    })?;
    Ok((h.lineage, h.serial))
}

/// Parses a state file. `location` names it in errors. Rejects corrupt JSON, unknown format
/// versions and invalid content with errors that say so; never panics.
pub fn parse(bytes: &[u8], location: &str) -> Result<State> {
    let corrupt = |detail: String| StateError::Corrupt {
        location: location.to_string(),
        detail,
    };
    check_version(bytes, location)?;
    let s: StateIn = serde_json::from_slice(bytes)
        .map_err(|e| corrupt(format!("it does not have the structure of a state ({e})")))?;
    let mut resources = Vec::new();
    for (ri, r) in s.resources.unwrap_or_default().into_iter().enumerate() {
        let mode = match r.mode.as_str() {
            "managed" => ResourceMode::Managed,
            "data" => ResourceMode::Data,
            other => {
                return Err(corrupt(format!(
                    "resource #{} ({}.{}) has mode {other:?}; expected \"managed\" or \"data\"",
                    ri + 1,
                    r.type_name,
                    r.name
                )))
            }
        };
        let module = parse_module(&r.module).map_err(|e| {
            corrupt(format!(
                "resource #{} ({}.{}) has an invalid module address {:?}: {e}",
                ri + 1,
                r.type_name,
                r.name,
                r.module
            ))
        })?;
        let what = |detail: String| -> StateError {
            corrupt(format!(
                "resource {}{}.{}: {detail}",
                if r.module.is_empty() {
                    String::new()
                } else {
                    format!("{}.", r.module)
                },
                r.type_name,
                r.name
            ))
        };
        let mut instances = Vec::new();
        for inst in r.instances.unwrap_or_default() {
            instances.push(convert_instance(inst).map_err(&what)?);
        }
        resources.push(ResourceState {
            module,
            mode,
            type_name: r.type_name,
            name: r.name,
            provider: r.provider,
            instances,
        });
    }
    let outputs = s
        .outputs
        .unwrap_or_default()
        .into_iter()
        .map(|(k, o)| (k, canonical_output(o)))
        .collect();
    Ok(State {
        terraform_version: s.terraform_version,
        serial: s.serial,
        lineage: s.lineage,
        outputs,
        resources,
        check_results: s.check_results,
    })
}

/// Converts one parsed instance object, checking its fields.
fn convert_instance(inst: InstanceIn) -> Result<InstanceState, String> {
    let index_key = match inst.index_key {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(InstanceKey::Str(s)),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => Some(InstanceKey::Int(i)),
            None => return Err(format!("index_key {n} is not an integer")),
        },
        Some(other) => {
            return Err(format!(
                "index_key {other} is neither a number nor a string"
            ))
        }
    };
    let status = match inst.status.as_deref() {
        None | Some("") => ObjectStatus::Ready,
        Some("tainted") => ObjectStatus::Tainted,
        Some(other) => {
            return Err(format!(
                "instance status {other:?} is unknown; expected \"tainted\" or none"
            ))
        }
    };
    if let Some(p) = &inst.private {
        if base64::engine::general_purpose::STANDARD.decode(p).is_err() {
            return Err("its \"private\" data is not valid base64".into());
        }
    }
    let attributes = match &inst.attributes {
        None => None,
        Some(raw) => {
            let text = raw.get().trim_start();
            if text.starts_with("null") {
                None
            } else if !text.starts_with('{') {
                return Err("its \"attributes\" is not a JSON object".into());
            } else {
                let mut compact = Vec::with_capacity(text.len());
                reformat(text.as_bytes(), &mut compact, false);
                Some(RawJson::new_unchecked(
                    String::from_utf8(compact).unwrap_or_default(),
                ))
            }
        }
    };
    Ok(InstanceState {
        index_key,
        status,
        deposed: inst.deposed.filter(|d| !d.is_empty()),
        schema_version: inst.schema_version,
        attributes,
        attributes_flat: inst.attributes_flat,
        sensitive_attributes: inst
            .sensitive_attributes
            .filter(|a| !a.is_null() && a.as_array().is_none_or(|l| !l.is_empty()))
            .map(Box::new),
        private: inst.private.filter(|p| !p.is_empty()),
        dependencies: inst.dependencies.unwrap_or_default(),
        create_before_destroy: inst.create_before_destroy,
    })
}

/// Parses one instance object in the state file's JSON form (used by the journal).
pub(crate) fn parse_instance_json(raw: &str) -> Result<InstanceState, String> {
    let inst: InstanceIn = serde_json::from_str(raw).map_err(|e| e.to_string())?;
    convert_instance(inst)
}

/// Terraform decodes outputs into typed values and encodes them again, which sorts object
/// keys and set elements and normalises numbers; girder does the same through its own
/// values. An output whose value does not fit its type is kept as it is.
fn canonical_output(o: OutputIn) -> OutputValue {
    let raw = |o: OutputIn| OutputValue {
        value: o.value,
        ty: o.ty,
        sensitive: o.sensitive,
    };
    let Ok(ty) = girder_core::Type::from_json(&o.ty) else {
        return raw(o);
    };
    match crate::canon::canonical(&o.value, &ty) {
        Some(value) => OutputValue {
            value,
            ty: ty.to_json(),
            sensitive: o.sensitive,
        },
        None => raw(o),
    }
}

/// Parses a module instance address as written in state (`module.a["x"].module.b`).
pub fn parse_module(s: &str) -> Result<ModuleInstance, String> {
    if s.is_empty() {
        return Ok(ModuleInstance::root());
    }
    if !s.starts_with("module.") {
        return Err("a module address starts with \"module.\"".into());
    }
    let parsed = AbsResourceInstance::parse(&format!("{s}.x.y"))?;
    if parsed.key.is_some() || parsed.resource.module.0.is_empty() {
        return Err("not a module address".into());
    }
    Ok(parsed.resource.module)
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/// Builds a compact JSON object field by field.
struct Obj<'a> {
    w: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn open(w: &'a mut Vec<u8>) -> Self {
        w.push(b'{');
        Obj { w, first: true }
    }
    fn key(&mut self, k: &str) {
        if !self.first {
            self.w.push(b',');
        }
        self.first = false;
        self.w.push(b'"');
        self.w.extend_from_slice(k.as_bytes());
        self.w.extend_from_slice(b"\":");
    }
    fn raw(&mut self, k: &str, raw: &[u8]) {
        self.key(k);
        self.w.extend_from_slice(raw);
    }
    fn json<T: Serialize + ?Sized>(&mut self, k: &str, v: &T) {
        self.key(k);
        // Writing plain data into a Vec cannot fail.
        let _ = write_go_compact(&mut *self.w, v);
    }
    fn close(self) {
        self.w.push(b'}');
    }
}

/// Appends one instance object in compact JSON (Terraform's key order).
pub(crate) fn write_instance_compact(w: &mut Vec<u8>, i: &InstanceState) {
    let mut o = Obj::open(w);
    if let Some(k) = &i.index_key {
        o.json("index_key", k);
    }
    if i.status == ObjectStatus::Tainted {
        o.raw("status", b"\"tainted\"");
    }
    if let Some(d) = &i.deposed {
        o.json("deposed", d);
    }
    o.json("schema_version", &i.schema_version);
    if let Some(a) = &i.attributes {
        o.raw("attributes", a.as_str().as_bytes());
    }
    if let Some(a) = &i.attributes_flat {
        o.json("attributes_flat", a);
    }
    match &i.sensitive_attributes {
        Some(v) => o.json("sensitive_attributes", v),
        None => o.raw("sensitive_attributes", b"[]"),
    }
    if let Some(p) = &i.private {
        o.json("private", p);
    }
    if !i.dependencies.is_empty() {
        o.json("dependencies", &i.dependencies);
    }
    if i.create_before_destroy {
        o.raw("create_before_destroy", b"true");
    }
    o.close();
}

/// Serialises a state compactly (one line, no trailing newline), sorted as Terraform sorts.
pub fn to_compact_bytes(state: &State) -> Vec<u8> {
    to_compact_bytes_with_serial(state, state.serial)
}

/// Like [`to_compact_bytes`] but writing `serial` instead of `state.serial`.
pub fn to_compact_bytes_with_serial(state: &State, serial: u64) -> Vec<u8> {
    let mut keyed: Vec<(String, &ResourceState)> = state
        .resources
        .iter()
        .map(|r| (r.module.to_string(), r))
        .collect();
    keyed.sort_by(|(ma, a), (mb, b)| {
        ma.cmp(mb)
            .then_with(|| mode_str(a.mode).cmp(mode_str(b.mode)))
            .then_with(|| a.type_name.cmp(&b.type_name))
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut w = Vec::with_capacity(4096);
    let mut doc = Obj::open(&mut w);
    doc.json("version", &FORMAT_VERSION);
    doc.json("terraform_version", &state.terraform_version);
    doc.json("serial", &serial);
    doc.json("lineage", &state.lineage);
    doc.key("outputs");
    {
        let mut outs = Obj::open(doc.w);
        for (name, o) in &state.outputs {
            outs.key_json(name);
            let mut ov = Obj::open(outs.w);
            ov.json("value", &o.value);
            ov.json("type", &o.ty);
            if o.sensitive {
                ov.raw("sensitive", b"true");
            }
            ov.close();
        }
        outs.close();
    }
    doc.key("resources");
    doc.w.push(b'[');
    for (ri, (module, r)) in keyed.into_iter().enumerate() {
        if ri > 0 {
            doc.w.push(b',');
        }
        let mut ro = Obj::open(doc.w);
        if !module.is_empty() {
            ro.json("module", &module);
        }
        ro.raw("mode", format!("\"{}\"", mode_str(r.mode)).as_bytes());
        ro.json("type", &r.type_name);
        ro.json("name", &r.name);
        ro.json("provider", &r.provider);
        ro.key("instances");
        let mut insts: Vec<&InstanceState> = r.instances.iter().collect();
        insts.sort_by(|a, b| {
            crate::model::instance_key_order(&a.index_key, &b.index_key)
                .then_with(|| a.deposed.cmp(&b.deposed))
        });
        ro.w.push(b'[');
        for (ii, inst) in insts.into_iter().enumerate() {
            if ii > 0 {
                ro.w.push(b',');
            }
            write_instance_compact(ro.w, inst);
        }
        ro.w.push(b']');
        ro.close();
    }
    doc.w.push(b']');
    if let Some(c) = &state.check_results {
        doc.json("check_results", c);
    }
    doc.close();
    w
}

impl Obj<'_> {
    /// A key that needs escaping (output names can be any string).
    fn key_json(&mut self, k: &str) {
        if !self.first {
            self.w.push(b',');
        }
        self.first = false;
        let _ = write_go_compact(&mut *self.w, k);
        self.w.push(b':');
    }
}

/// Serialises a state exactly as Terraform writes it (version 4): two-space indent,
/// Terraform's key order, sorted resources and instances, trailing newline. The state need
/// not be sorted in memory.
pub fn to_bytes(state: &State) -> Vec<u8> {
    to_bytes_with_serial(state, state.serial)
}

/// Like [`to_bytes`] but writing `serial` instead of `state.serial` (saves cloning a large
/// state to bump its serial).
pub fn to_bytes_with_serial(state: &State, serial: u64) -> Vec<u8> {
    let compact = to_compact_bytes_with_serial(state, serial);
    let mut out = Vec::with_capacity(compact.len() * 2);
    reformat(&compact, &mut out, true);
    out.push(b'\n');
    out
}

/// The mode as written in state.
pub fn mode_str(m: ResourceMode) -> &'static str {
    match m {
        ResourceMode::Managed => "managed",
        ResourceMode::Data => "data",
    }
}

/// Re-lays out valid JSON text as Go's `json.Indent(.., "", "  ")` (when `pretty`) or
/// `json.Compact`, escaping `<`, `>`, `&`, U+2028 and U+2029 inside strings as Go's
/// encoder does for raw messages. Existing escapes are copied verbatim. Iterative, so deep
/// nesting cannot overflow the stack.
pub fn reformat(input: &[u8], out: &mut Vec<u8>, pretty: bool) {
    let mut depth: usize = 0;
    let mut i = 0;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        if pretty {
            out.push(b'\n');
            for _ in 0..depth {
                out.extend_from_slice(b"  ");
            }
        }
    };
    while i < input.len() {
        let c = input[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'"' => {
                out.push(b'"');
                i += 1;
                while i < input.len() {
                    let b = input[i];
                    match b {
                        b'\\' => {
                            out.push(b);
                            if let Some(&n) = input.get(i + 1) {
                                out.push(n);
                            }
                            i += 2;
                        }
                        b'"' => {
                            out.push(b);
                            i += 1;
                            break;
                        }
                        b'<' => {
                            out.extend_from_slice(b"\\u003c");
                            i += 1;
                        }
                        b'>' => {
                            out.extend_from_slice(b"\\u003e");
                            i += 1;
                        }
                        b'&' => {
                            out.extend_from_slice(b"\\u0026");
                            i += 1;
                        }
                        0xE2 if input.get(i + 1) == Some(&0x80)
                            && matches!(input.get(i + 2), Some(0xA8) | Some(0xA9)) =>
                        {
                            if input.get(i + 2) == Some(&0xA8) {
                                out.extend_from_slice(b"\\u2028");
                            } else {
                                out.extend_from_slice(b"\\u2029");
                            }
                            i += 3;
                        }
                        _ => {
                            out.push(b);
                            i += 1;
                        }
                    }
                }
            }
            b'{' | b'[' => {
                out.push(c);
                i += 1;
                let mut j = i;
                while j < input.len() && matches!(input[j], b' ' | b'\t' | b'\n' | b'\r') {
                    j += 1;
                }
                let close = if c == b'{' { b'}' } else { b']' };
                if input.get(j) == Some(&close) {
                    out.push(close);
                    i = j + 1;
                } else {
                    depth += 1;
                    newline(out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(out, depth);
                out.push(c);
                i += 1;
            }
            b',' => {
                out.push(c);
                newline(out, depth);
                i += 1;
            }
            b':' => {
                out.push(c);
                if pretty {
                    out.push(b' ');
                }
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// Serialises `value` like Go's `json.Marshal(v)` (compact, Go's string escaping).
pub fn write_go_compact<W: io::Write, T: Serialize + ?Sized>(w: W, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, GoFormatter);
    value.serialize(&mut ser).map_err(io::Error::other)
}

/// A serde_json formatter that escapes strings as Go's encoding/json does: `<`, `>`, `&`,
/// U+2028 and U+2029 as `\u` escapes, and backspace / form feed as `\u0008` / `\u000c`.
struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let esc: Option<&[u8]> = match bytes[i] {
                b'<' => Some(b"\\u003c"),
                b'>' => Some(b"\\u003e"),
                b'&' => Some(b"\\u0026"),
                // U+2028 / U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
                0xE2 if bytes.get(i + 1) == Some(&0x80)
                    && matches!(bytes.get(i + 2), Some(0xA8) | Some(0xA9)) =>
                {
                    if bytes.get(i + 2) == Some(&0xA8) {
                        Some(b"\\u2028")
                    } else {
                        Some(b"\\u2029")
                    }
                }
                _ => None,
            };
            if let Some(esc) = esc {
                w.write_all(&bytes[start..i])?;
                w.write_all(esc)?;
                i += if bytes[i] == 0xE2 { 3 } else { 1 };
                start = i;
            } else {
                i += 1;
            }
        }
        w.write_all(&bytes[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        char_escape: serde_json::ser::CharEscape,
    ) -> io::Result<()> {
        use serde_json::ser::CharEscape;
        let s: &[u8] = match char_escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::Backspace => b"\\u0008",
            CharEscape::FormFeed => b"\\u000c",
            CharEscape::AsciiControl(c) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let buf = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(c >> 4) as usize],
                    HEX[(c & 0xF) as usize],
                ];
                return w.write_all(&buf);
            }
            // Go never escapes the solidus.
            CharEscape::Solidus => b"/",
        };
        w.write_all(s)
    }
}
