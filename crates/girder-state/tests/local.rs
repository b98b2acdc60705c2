//! The local backend: conformance suite plus local-only behaviour (second process, atomic
//! writes and backups, corrupt files never overwritten, journal edge cases, encryption).

use girder_state::conformance::{self, sample_state};
use girder_state::crypto::Cipher;
use girder_state::local::LocalBackend;
use girder_state::{Backend, LockInfo, StateError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "girder-state-{name}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn local_backend_conformance() {
    let base = tmpdir("conformance");
    conformance::run_all(&|case: &str| -> Box<dyn Backend> {
        Box::new(LocalBackend::new(base.join(case)))
    });
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn local_backend_conformance_encrypted() {
    let base = tmpdir("conformance-enc");
    let cipher = Arc::new(Cipher::from_key([42; 32]));
    conformance::run_all(&|case: &str| -> Box<dyn Backend> {
        Box::new(LocalBackend::new(base.join(case)).with_cipher(Some(cipher.clone())))
    });
    let _ = std::fs::remove_dir_all(&base);
}
