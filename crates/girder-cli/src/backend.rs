//! Backend selection: the configuration's backend block merged with `-backend-config`, the
//! initialised backend recorded in `.terraform/terraform.tfstate` as Terraform records it
//! (type, config, hash), the selected workspace in `.terraform/environment`, and opening a
//! [`Backend`] for them.

use crate::backend_block::BackendBlock;
use crate::diag::Fail;
use girder_core::Diagnostic;
use girder_state::s3::{S3Backend, S3Config};
use girder_state::{Backend, Cipher, LocalBackend, StateError, DEFAULT_WORKSPACE};
use serde_json::{json, Map, Value as J};
use sha2::Digest;
use std::path::{Path, PathBuf};

/// The data directory.
pub const DATA_DIR: &str = ".terraform";
/// The backend record inside it.
pub const BACKEND_FILE: &str = "terraform.tfstate";
/// The selected workspace inside it.
pub const ENV_FILE: &str = "environment";

/// A backend's settings: type, effective config, and the hash of the configuration's block.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// `local` or `s3`.
    pub ty: String,
    /// The effective configuration (block merged with `-backend-config`).
    pub config: Map<String, J>,
    /// Hash of the backend block as written in the configuration (without overrides), so
    /// that later commands, which get no `-backend-config`, can tell whether it changed.
    pub hash: u64,
}

impl Settings {
    /// The implicit default: local state in the working directory.
    pub fn default_local() -> Settings {
        Settings {
            ty: "local".into(),
            config: Map::new(),
            hash: 0,
        }
    }

    /// Settings from a configuration block plus overrides.
    pub fn from_block(b: &BackendBlock, overrides: &[(String, J)]) -> Settings {
        let mut config = b.attrs.clone();
        for (k, v) in overrides {
            config.insert(k.clone(), v.clone());
        }
        Settings {
            ty: b.ty.clone(),
            config,
            hash: block_hash(b),
        }
    }
}

/// A stable hash of a backend block (type and attributes), as a 32-bit number like
/// Terraform's.
pub fn block_hash(b: &BackendBlock) -> u64 {
    let text = json!({"type": b.ty, "config": b.attrs}).to_string();
    let d = sha2::Sha256::digest(text.as_bytes());
    u64::from(u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
}

fn data_dir(dir: &Path) -> PathBuf {
    dir.join(DATA_DIR)
}

/// Reads `.terraform/terraform.tfstate`'s backend section, if any.
pub fn read_saved(dir: &Path) -> Result<Option<Settings>, Fail> {
    let path = data_dir(dir).join(BACKEND_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Fail::new(
                "Failed to read the backend record",
                format!("Cannot read {}: {e}.", path.display()),
            ))
        }
    };
    let corrupt = |why: String| {
        Fail::help(
            "Failed to read the backend record",
            format!("{} is not a valid backend record: {why}.", path.display()),
            "Remove the file and run girder init again.",
        )
    };
    let v: J = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let Some(b) = v.get("backend").filter(|b| !b.is_null()) else {
        return Ok(None);
    };
    let ty = b
        .get("type")
        .and_then(J::as_str)
        .ok_or_else(|| corrupt("backend.type is missing".into()))?
        .to_string();
    let config = b
        .get("config")
        .and_then(J::as_object)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .collect();
    let hash = b.get("hash").and_then(J::as_u64).unwrap_or(0);
    Ok(Some(Settings { ty, config, hash }))
}

/// Writes (or, with `None`, clears) the backend record, keeping its lineage.
pub fn write_saved(dir: &Path, s: Option<&Settings>) -> Result<(), Fail> {
    let dd = data_dir(dir);
    let path = dd.join(BACKEND_FILE);
    let io = |e: std::io::Error| {
        Fail::new(
            "Failed to write the backend record",
            format!("Cannot write {}: {e}.", path.display()),
        )
    };
    let prev: Option<J> = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let lineage = prev
        .as_ref()
        .and_then(|p| p.get("lineage"))
        .and_then(J::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let serial = prev
        .as_ref()
        .and_then(|p| p.get("serial"))
        .and_then(J::as_u64)
        .unwrap_or(0)
        + 1;
    let backend = match s {
        Some(s) => json!({"type": s.ty, "config": s.config, "hash": s.hash}),
        None => J::Null,
    };
    let doc = json!({
        "version": 3,
        "serial": serial,
        "lineage": lineage,
        "backend": backend,
        "modules": [{"path": ["root"], "outputs": {}, "resources": {}, "depends_on": []}],
    });
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(&doc, &mut ser).map_err(|e| io(std::io::Error::other(e)))?;
    out.push(b'\n');
    std::fs::create_dir_all(&dd).map_err(io)?;
    girder_state::local::atomic_replace(&path, &out, None)
        .map_err(|e| Fail::new("Failed to write the backend record", e.to_string()))
}

/// The selected workspace: `TF_WORKSPACE`, else `.terraform/environment`, else `default`.
pub fn current_workspace(dir: &Path) -> String {
    if let Ok(w) = std::env::var("TF_WORKSPACE") {
        if !w.is_empty() {
            return w;
        }
    }
    std::fs::read_to_string(data_dir(dir).join(ENV_FILE))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_WORKSPACE.to_string())
}

/// Records the selected workspace.
pub fn set_workspace(dir: &Path, name: &str) -> Result<(), Fail> {
    let dd = data_dir(dir);
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&dd)?;
        if name == DEFAULT_WORKSPACE {
            match std::fs::remove_file(dd.join(ENV_FILE)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            Ok(())
        } else {
            std::fs::write(dd.join(ENV_FILE), name)
        }
    };
    write().map_err(|e| {
        Fail::new(
            "Failed to select workspace",
            format!("Cannot write {}: {e}.", dd.join(ENV_FILE).display()),
        )
    })
}

fn reinit(reason: String) -> Fail {
    Fail(vec![Diagnostic::error(
        "Backend initialization required, please run \"girder init\"",
        format!(
            "Reason: {reason}\n\nThe \"backend\" is the interface that girder uses to store state. \
             Changes to backend configurations require reinitialization. This allows girder to set \
             up the new configuration, copy existing state, etc. Please run \"girder init\" with \
             either the \"-reconfigure\" or \"-migrate-state\" flags to use the current \
             configuration.\n\nIf the change reason above is incorrect, please verify your \
             configuration hasn't changed and try again. At this point, no changes to your \
             existing configuration or state have been made."
        ),
    )
    .with_help("Run girder init -reconfigure (keep the state where it is) or girder init -migrate-state (copy it).")])
}

/// The root module of `dir`, loaded by girder-lang (all its errors at once).
pub fn load_root(dir: &Path) -> Result<girder_lang::config::Module, Fail> {
    let (module, diags) = girder_lang::config::load_module_dir(dir);
    if diags.has_errors() {
        return Err(Fail(
            diags.0.into_iter().filter(Diagnostic::is_error).collect(),
        ));
    }
    Ok(module)
}

/// The configuration's backend block (if any), from the root module of `dir`.
pub fn config_block(dir: &Path) -> Result<Option<BackendBlock>, Fail> {
    let module = load_root(dir)?;
    let Some(b) = module.terraform.backend else {
        return Ok(None);
    };
    let mut attrs = Map::new();
    for (k, v) in &b.config {
        let j = v.to_json().map_err(|e| {
            Fail(vec![Diagnostic::error(
                "Invalid backend configuration",
                format!("The value of {k:?} cannot be used: {e}."),
            )
            .with_span(b.span.clone())])
        })?;
        attrs.insert(k.clone(), j);
    }
    Ok(Some(BackendBlock {
        ty: b.type_name,
        attrs,
    }))
}

/// The backend settings every command but `init` uses: the initialised backend, checked
/// against the configuration.
pub fn resolve(dir: &Path) -> Result<Settings, Fail> {
    let block = config_block(dir)?;
    let saved = read_saved(dir)?;
    match (block, saved) {
        (None, None) => Ok(Settings::default_local()),
        (Some(b), None) => Err(reinit(format!(
            "Initial configuration of the requested backend {:?}",
            b.ty
        ))),
        (None, Some(s)) => Err(reinit(format!(
            "Unsetting the previously set backend {:?}",
            s.ty
        ))),
        (Some(b), Some(s)) => {
            if b.ty != s.ty || block_hash(&b) != s.hash {
                Err(reinit(format!(
                    "Backend configuration changed for {:?}",
                    b.ty
                )))
            } else {
                Ok(s)
            }
        }
    }
}

/// Opens the backend for `workspace`.
pub fn open(dir: &Path, s: &Settings, workspace: &str) -> Result<Box<dyn Backend>, Fail> {
    let cipher = Cipher::from_env()
        .map_err(|e| Fail::new("Invalid state encryption settings", e.to_string()))?;
    let root: Box<dyn Backend> = match s.ty.as_str() {
        "local" => {
            let mut b = LocalBackend::new(dir);
            for (k, v) in &s.config {
                match (k.as_str(), v) {
                    ("path", J::String(p)) => b = b.with_path(p),
                    ("path", _) => {
                        return Err(Fail::new(
                            "Invalid backend configuration",
                            "The local backend's \"path\" must be a string.",
                        ))
                    }
                    (other, _) => {
                        return Err(Fail::help(
                            "Invalid backend configuration",
                            format!("The local backend does not support the argument {other:?}."),
                            "The local backend accepts \"path\".",
                        ))
                    }
                }
            }
            Box::new(b.with_cipher(cipher))
        }
        "s3" => {
            let c = S3Config::from_attrs(s.config.iter().map(|(k, v)| (k.clone(), v.clone())))
                .map_err(|e| {
                    Fail::help(
                        "Invalid backend configuration",
                        e.to_string(),
                        "Fix the backend block or the -backend-config arguments, then run girder init.",
                    )
                })?;
            let b = S3Backend::new(c)
                .map_err(|e| Fail::new("Failed to configure the s3 backend", e.to_string()))?;
            Box::new(b.with_cipher(cipher))
        }
        other => {
            return Err(Fail::help(
                "Unsupported backend type",
                format!("There is no backend type named {other:?}."),
                "girder supports the \"local\" and \"s3\" backends.",
            ))
        }
    };
    if workspace == DEFAULT_WORKSPACE {
        Ok(root)
    } else {
        root.select_workspace(workspace)
            .map_err(|e| state_fail("Failed to select workspace", e))
    }
}

/// A state error as a diagnostic with a summary for its context.
pub fn state_fail(summary: &str, e: StateError) -> Fail {
    Fail::new(summary, tidy(&e.to_string()))
}

/// Drops the AWS SDK's debug dump of an error (` (ServiceError(ServiceError { ... }))`) from
/// a message; the readable part before it already says what failed.
fn tidy(msg: &str) -> String {
    let mut out = msg.to_string();
    for marker in [
        " (ServiceError(",
        " (DispatchFailure(",
        " (TimeoutError(",
        " (ResponseError(",
        " (ConstructionFailure(",
    ] {
        let Some(start) = out.find(marker) else {
            continue;
        };
        let mut depth = 0usize;
        let mut end = None;
        let mut in_str = false;
        let mut escaped = false;
        for (i, c) in out[start + 1..].char_indices() {
            if in_str {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => in_str = false,
                    _ => escaped = false,
                }
                continue;
            }
            match c {
                '"' => in_str = true,
                '(' | '{' | '[' => depth += 1,
                ')' | '}' | ']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = Some(start + 1 + i + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        if let Some(end) = end {
            out.replace_range(start..end, "");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn tidy_drops_sdk_debug_dumps() {
        let m = "S3 ListObjectsV2 failed: NoSuchBucket: gone (ServiceError(ServiceError { body: \"a ) b\", x: Some((1)) })); check the bucket";
        assert_eq!(
            super::tidy(m),
            "S3 ListObjectsV2 failed: NoSuchBucket: gone; check the bucket"
        );
        assert_eq!(super::tidy("plain"), "plain");
    }
}
