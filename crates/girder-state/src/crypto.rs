//! Optional client-side encryption of state files and journals (AES-256-GCM), off by
//! default.
//!
//! An encrypted state file is a JSON envelope:
//! `{"girder_encrypted":1,"algorithm":"AES-256-GCM","kdf":{...},"nonce":"<b64>","ciphertext":"<b64>"}`
//! where `kdf` is `{"name":"none"}` for a raw key (`GIRDER_STATE_ENCRYPTION_KEY`, base64 of
//! 32 bytes) or `{"name":"pbkdf2-sha256","iterations":N,"salt":"<b64>"}` for a passphrase
//! (`GIRDER_STATE_ENCRYPTION_PASSPHRASE`). An encrypted journal holds one such envelope per
//! line. The GCM tag authenticates the content: a wrong key is detected, never a garbled state.

use crate::error::{Result, StateError};
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Environment variable with a raw key: base64 of 32 bytes.
pub const KEY_ENV: &str = "GIRDER_STATE_ENCRYPTION_KEY";
/// Environment variable with a passphrase (used when no raw key is set).
pub const PASSPHRASE_ENV: &str = "GIRDER_STATE_ENCRYPTION_PASSPHRASE";
/// PBKDF2-HMAC-SHA256 iterations for new envelopes (OWASP 2023 recommendation).
pub const PBKDF2_ITERATIONS: u32 = 600_000;

const MAGIC: &[u8] = b"{\"girder_encrypted\"";

/// Key material: a raw key or a passphrase (with derived keys cached per salt).
pub struct Cipher {
    source: Source,
    /// For passphrases: the salt used for new envelopes and its derived key.
    seal_salt: Vec<u8>,
    iterations: u32,
    derived: Mutex<HashMap<(Vec<u8>, u32), [u8; 32]>>,
}

enum Source {
    Raw([u8; 32]),
    Passphrase(String),
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    girder_encrypted: u32,
    algorithm: String,
    kdf: Kdf,
    nonce: String,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iterations: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    salt: Option<String>,
}

impl Cipher {
    /// A cipher with a raw 32-byte key.
    pub fn from_key(key: [u8; 32]) -> Cipher {
        Cipher {
            source: Source::Raw(key),
            seal_salt: Vec::new(),
            iterations: 0,
            derived: Mutex::new(HashMap::new()),
        }
    }

    /// A cipher with a raw key given as base64 (of exactly 32 bytes).
    pub fn from_base64_key(b64: &str) -> Result<Cipher> {
        let bytes = B64.decode(b64.trim()).map_err(|e| {
            StateError::Config(format!(
                "{KEY_ENV} is not valid base64 ({e}); generate a key with `openssl rand -base64 32`"
            ))
        })?;
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            StateError::Config(format!(
                "{KEY_ENV} must be 32 bytes (base64 of 32 random bytes), but it is {} bytes; \
                 generate one with `openssl rand -base64 32`",
                bytes.len()
            ))
        })?;
        Ok(Cipher::from_key(key))
    }

    /// A cipher deriving keys from a passphrase with PBKDF2-HMAC-SHA256.
    pub fn from_passphrase(passphrase: &str) -> Result<Cipher> {
        Cipher::from_passphrase_with_iterations(passphrase, PBKDF2_ITERATIONS)
    }

    /// Like [`Cipher::from_passphrase`] with a chosen iteration count (at least 1,000;
    /// low counts are for tests).
    pub fn from_passphrase_with_iterations(passphrase: &str, iterations: u32) -> Result<Cipher> {
        if passphrase.len() < 8 {
            return Err(StateError::Config(format!(
                "{PASSPHRASE_ENV} is too short; use at least 8 characters (better: a raw key \
                 in {KEY_ENV})"
            )));
        }
        let mut salt = vec![0u8; 16];
        aes_gcm::aead::rand_core::RngCore::fill_bytes(&mut OsRng, &mut salt);
        Ok(Cipher {
            source: Source::Passphrase(passphrase.to_string()),
            seal_salt: salt,
            iterations: iterations.max(1_000),
            derived: Mutex::new(HashMap::new()),
        })
    }

    /// The cipher configured in the environment (`GIRDER_STATE_ENCRYPTION_KEY`, else
    /// `GIRDER_STATE_ENCRYPTION_PASSPHRASE`), or `None` when neither is set.
    pub fn from_env() -> Result<Option<Arc<Cipher>>> {
        if let Ok(k) = std::env::var(KEY_ENV) {
            if !k.trim().is_empty() {
                return Ok(Some(Arc::new(Cipher::from_base64_key(&k)?)));
            }
        }
        if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
            if !p.is_empty() {
                return Ok(Some(Arc::new(Cipher::from_passphrase(&p)?)));
            }
        }
        Ok(None)
    }

    fn key_for(&self, salt: &[u8], iterations: u32) -> [u8; 32] {
        match &self.source {
            Source::Raw(k) => *k,
            Source::Passphrase(p) => {
                let mut cache = self.derived.lock().unwrap_or_else(|e| e.into_inner());
                *cache.entry((salt.to_vec(), iterations)).or_insert_with(|| {
                    let mut out = [0u8; 32];
                    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(p.as_bytes(), salt, iterations, &mut out);
                    out
                })
            }
        }
    }

    /// Encrypts `plain` into a JSON envelope (compact, no newline).
    pub fn seal(&self, plain: &[u8]) -> Result<Vec<u8>> {
        let (kdf, key) = match &self.source {
            Source::Raw(k) => (
                Kdf {
                    name: "none".into(),
                    iterations: None,
                    salt: None,
                },
                *k,
            ),
            Source::Passphrase(_) => (
                Kdf {
                    name: "pbkdf2-sha256".into(),
                    iterations: Some(self.iterations),
                    salt: Some(B64.encode(&self.seal_salt)),
                },
                self.key_for(&self.seal_salt, self.iterations),
            ),
        };
        let aead = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ct = aead
            .encrypt(&nonce, plain)
            .map_err(|_| StateError::Config("encryption failed".into()))?;
        let env = Envelope {
            girder_encrypted: 1,
            algorithm: "AES-256-GCM".into(),
            kdf,
            nonce: B64.encode(nonce),
            ciphertext: B64.encode(ct),
        };
        serde_json::to_vec(&env).map_err(|e| StateError::Config(e.to_string()))
    }

    /// Decrypts an envelope. A wrong key gives a clear [`StateError::Decrypt`].
    pub fn open(&self, bytes: &[u8], location: &str) -> Result<Vec<u8>> {
        let bad = |detail: String| StateError::Decrypt {
            location: location.to_string(),
            detail,
        };
        let env: Envelope = serde_json::from_slice(bytes)
            .map_err(|e| bad(format!("the encryption envelope is damaged ({e})")))?;
        if env.girder_encrypted != 1 || env.algorithm != "AES-256-GCM" {
            return Err(bad(format!(
                "envelope version {} with algorithm {:?} is not supported by this girder",
                env.girder_encrypted, env.algorithm
            )));
        }
        let key = match (env.kdf.name.as_str(), &self.source) {
            ("none", Source::Raw(k)) => *k,
            ("pbkdf2-sha256", Source::Passphrase(_)) => {
                let salt = B64
                    .decode(env.kdf.salt.as_deref().unwrap_or(""))
                    .map_err(|_| bad("the envelope's salt is not valid base64".into()))?;
                let iterations = env.kdf.iterations.unwrap_or(PBKDF2_ITERATIONS);
                if !(1_000..=10_000_000).contains(&iterations) {
                    return Err(bad(format!(
                        "the envelope asks for {iterations} PBKDF2 iterations, outside the \
                         accepted range"
                    )));
                }
                self.key_for(&salt, iterations)
            }
            ("none", Source::Passphrase(_)) => {
                return Err(bad(format!(
                    "it was encrypted with a raw key; set {KEY_ENV} instead of a passphrase"
                )))
            }
            ("pbkdf2-sha256", Source::Raw(_)) => {
                return Err(bad(format!(
                    "it was encrypted with a passphrase; set {PASSPHRASE_ENV} instead of a raw \
                     key"
                )))
            }
            (other, _) => return Err(bad(format!("unknown key derivation {other:?}"))),
        };
        let nonce = B64
            .decode(&env.nonce)
            .ok()
            .filter(|n| n.len() == 12)
            .ok_or_else(|| bad("the envelope's nonce is invalid".into()))?;
        let ct = B64
            .decode(&env.ciphertext)
            .map_err(|_| bad("the envelope's ciphertext is not valid base64".into()))?;
        let aead = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
        aead.decrypt(Nonce::from_slice(&nonce), ct.as_slice())
            .map_err(|_| {
                bad(
                    "the key is wrong (or the file was altered): authentication failed. Use \
                     the key the state was written with"
                        .into(),
                )
            })
    }

    /// Encrypts one journal line (`line` ends in a newline) into one envelope line.
    pub fn seal_line(&self, line: &[u8]) -> Result<Vec<u8>> {
        let mut v = self.seal(line)?;
        v.push(b'\n');
        Ok(v)
    }

    /// Decrypts an encrypted journal into its plain lines. A torn last line is dropped.
    pub fn open_lines(&self, bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(bytes.len());
        let complete = match bytes.iter().rposition(|&b| b == b'\n') {
            Some(i) => &bytes[..=i],
            None => return Ok(out),
        };
        for (i, line) in complete.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if !is_envelope(line) {
                return Err(StateError::Journal {
                    path: path.to_path_buf(),
                    line: i + 1,
                    detail: "a plain line in an encrypted journal".into(),
                });
            }
            out.extend(self.open(line, &path.display().to_string())?);
        }
        Ok(out)
    }
}

/// Whether `bytes` is an encryption envelope.
pub fn is_envelope(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes[start..].starts_with(MAGIC)
}

/// Whether a journal's first line is an encryption envelope.
pub fn is_envelope_lines(bytes: &[u8]) -> bool {
    is_envelope(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_key_round_trip_and_wrong_key() {
        let c = Cipher::from_key([7; 32]);
        let sealed = c.seal(b"secret state").unwrap();
        assert!(is_envelope(&sealed));
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(c.open(&sealed, "x").unwrap(), b"secret state");
        let wrong = Cipher::from_key([8; 32]);
        let e = wrong.open(&sealed, "x").unwrap_err().to_string();
        assert!(e.contains("the key is wrong"), "{e}");
    }

    #[test]
    fn passphrase_round_trip() {
        let c = Cipher::from_passphrase_with_iterations("correct horse", 1_000).unwrap();
        let sealed = c.seal(b"{}").unwrap();
        let c2 = Cipher::from_passphrase_with_iterations("correct horse", 1_000).unwrap();
        assert_eq!(c2.open(&sealed, "x").unwrap(), b"{}");
        let bad = Cipher::from_passphrase_with_iterations("wrong horse!", 1_000).unwrap();
        assert!(bad.open(&sealed, "x").is_err());
        let raw = Cipher::from_key([1; 32]);
        let e = raw.open(&sealed, "x").unwrap_err().to_string();
        assert!(e.contains(PASSPHRASE_ENV), "{e}");
    }

    #[test]
    fn bad_keys_are_config_errors() {
        assert!(Cipher::from_base64_key("not base64!").is_err());
        let e = Cipher::from_base64_key(&B64.encode([1u8; 16]))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("must be 32 bytes"), "{e}");
        assert!(Cipher::from_passphrase("short").is_err());
    }
}
