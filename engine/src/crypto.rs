//! Secrets at rest and in memory: the AEAD that seals tokens, random opaque tokens for
//! sessions and OAuth state, and a string type that never prints itself.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

/// A secret string: an access token, a refresh token, a PKCE verifier, a password.
/// `Debug` and `Display` print a placeholder so it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The only way to read the value: greppable, so every use can be reviewed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The key that seals tokens at rest. XChaCha20-Poly1305: random 192-bit nonces are safe.
#[derive(Clone)]
pub struct EncryptionKey {
    id: String,
    cipher: XChaCha20Poly1305,
    /// A subkey for signing values the browser keeps, so the sealing key has one use only.
    mac_key: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("must be {KEY_LEN} bytes encoded as standard base64 (44 characters)")]
    Malformed,
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("sealed under key {0}, which is not loaded")]
    UnknownKey(String),
    #[error("the sealed value is corrupt or was moved from another record")]
    Corrupt,
}

/// A value sealed at rest: which key, then nonce followed by ciphertext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub bytes: Vec<u8>,
}

impl EncryptionKey {
    pub fn parse(encoded: &str) -> Result<Self, KeyError> {
        let raw = STANDARD
            .decode(encoded.trim())
            .map_err(|_| KeyError::Malformed)?;
        if raw.len() != KEY_LEN {
            return Err(KeyError::Malformed);
        }
        Ok(Self::from_bytes(&raw))
    }

    fn from_bytes(raw: &[u8]) -> Self {
        // The id names the key without revealing it, so rows say which key sealed them
        // and a later key rotation can keep the old key for reading.
        let digest = Sha256::digest(raw);
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let mac_key = <Hmac<Sha256> as Mac>::new_from_slice(raw)
            .expect("HMAC takes keys of any length")
            .chain_update(b"tether/browser-value-signature")
            .finalize()
            .into_bytes()
            .into();
        Self {
            id,
            cipher: XChaCha20Poly1305::new_from_slice(raw).expect("key has the right length"),
            mac_key,
        }
    }

    /// A new key in the form [`EncryptionKey::parse`] reads, for writing a key file.
    pub fn generate_encoded() -> String {
        let mut raw = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        STANDARD.encode(raw)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `plaintext`, bound to `context` (for example the column and row it belongs to),
    /// so a sealed value copied into another row fails to open.
    pub fn seal(&self, plaintext: &Secret, context: &str) -> Sealed {
        // The thread's CSPRNG, seeded from the operating system: no system call per value.
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.expose().as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption does not fail for in-memory sizes");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&ciphertext);
        Sealed {
            key_id: self.id.clone(),
            bytes,
        }
    }

    pub fn open(&self, sealed: &Sealed, context: &str) -> Result<Secret, SealError> {
        if sealed.key_id != self.id {
            return Err(SealError::UnknownKey(sealed.key_id.clone()));
        }
        if sealed.bytes.len() < NONCE_LEN {
            return Err(SealError::Corrupt);
        }
        let (nonce, ciphertext) = sealed.bytes.split_at(NONCE_LEN);
        let plaintext = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SealError::Corrupt)?;
        String::from_utf8(plaintext)
            .map(Secret)
            .map_err(|_| SealError::Corrupt)
    }
}

impl EncryptionKey {
    fn mac(&self, message: &[u8]) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key)
            .expect("HMAC takes keys of any length")
            .chain_update(message)
    }

    /// An HMAC-SHA256 tag over `message`, URL-safe, for a value the browser keeps.
    pub fn sign(&self, message: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(message).finalize().into_bytes())
    }

    /// True when `tag` is this key's tag over `message`; compared in constant time.
    pub fn verify(&self, message: &[u8], tag: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(tag)
            .is_ok_and(|tag| self.mac(message).verify_slice(&tag).is_ok())
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey({})", self.id)
    }
}

/// The keys secrets are sealed with, newest first: the newest seals and signs, any of them
/// opens what it sealed. Older keys stay loaded while `tether rekey` moves what they
/// sealed to the newest.
#[derive(Clone, Debug)]
pub struct Keyring {
    newest: EncryptionKey,
    older: Vec<EncryptionKey>,
}

impl Keyring {
    pub fn new(newest: EncryptionKey, older: Vec<EncryptionKey>) -> Self {
        Self { newest, older }
    }

    pub fn newest(&self) -> &EncryptionKey {
        &self.newest
    }

    pub fn newest_id(&self) -> &str {
        self.newest.id()
    }

    pub fn seal(&self, plaintext: &Secret, context: &str) -> Sealed {
        self.newest.seal(plaintext, context)
    }

    /// Opens a value sealed under any loaded key.
    pub fn open(&self, sealed: &Sealed, context: &str) -> Result<Secret, SealError> {
        std::iter::once(&self.newest)
            .chain(&self.older)
            .find(|key| key.id() == sealed.key_id)
            .ok_or_else(|| SealError::UnknownKey(sealed.key_id.clone()))?
            .open(sealed, context)
    }

    pub fn sign(&self, message: &[u8]) -> String {
        self.newest.sign(message)
    }

    /// A value the browser keeps was signed by the newest key, or by an older one before
    /// the rotation.
    pub fn verify(&self, message: &[u8], tag: &str) -> bool {
        std::iter::once(&self.newest)
            .chain(&self.older)
            .any(|key| key.verify(message, tag))
    }
}

/// A 256-bit random token, URL-safe: session cookies, OAuth state, authorization codes.
pub fn random_token() -> Secret {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    Secret(URL_SAFE_NO_PAD.encode(raw))
}

/// What the database keeps of a bearer token (session, state): a leaked table is not a key.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_open_only_in_their_own_context() {
        let key = EncryptionKey::parse(&EncryptionKey::generate_encoded()).unwrap();
        let token = Secret::new("EAAB-very-secret");
        let sealed = key.seal(&token, "credential:7:access");
        assert!(!String::from_utf8_lossy(&sealed.bytes).contains("very-secret"));
        assert_eq!(key.open(&sealed, "credential:7:access").unwrap(), token);
        assert!(matches!(
            key.open(&sealed, "credential:8:access"),
            Err(SealError::Corrupt)
        ));
    }

    #[test]
    fn a_tampered_or_foreign_seal_is_refused() {
        let key = EncryptionKey::parse(&EncryptionKey::generate_encoded()).unwrap();
        let mut sealed = key.seal(&Secret::new("abc"), "ctx");
        let last = sealed.bytes.len() - 1;
        sealed.bytes[last] ^= 1;
        assert!(matches!(key.open(&sealed, "ctx"), Err(SealError::Corrupt)));

        let other = EncryptionKey::parse(&EncryptionKey::generate_encoded()).unwrap();
        let sealed = other.seal(&Secret::new("abc"), "ctx");
        assert!(matches!(
            key.open(&sealed, "ctx"),
            Err(SealError::UnknownKey(_))
        ));
    }

    #[test]
    fn a_keyring_seals_with_the_newest_and_opens_with_any() {
        let old = EncryptionKey::parse(&EncryptionKey::generate_encoded()).unwrap();
        let new = EncryptionKey::parse(&EncryptionKey::generate_encoded()).unwrap();
        let sealed_before = old.seal(&Secret::new("abc"), "ctx");
        let ring = Keyring::new(new.clone(), vec![old]);
        assert_eq!(ring.open(&sealed_before, "ctx").unwrap().expose(), "abc");
        let sealed_now = ring.seal(&Secret::new("def"), "ctx");
        assert_eq!(sealed_now.key_id, new.id());
        let without_old = Keyring::new(new, Vec::new());
        assert!(matches!(
            without_old.open(&sealed_before, "ctx"),
            Err(SealError::UnknownKey(_))
        ));
    }

    #[test]
    fn keys_parse_from_base64_of_exactly_32_bytes() {
        let encoded = EncryptionKey::generate_encoded();
        let key = EncryptionKey::parse(&encoded).unwrap();
        assert_eq!(key.id().len(), 8);
        assert_eq!(EncryptionKey::parse(&encoded).unwrap().id(), key.id());
        assert!(EncryptionKey::parse("c2hvcnQ=").is_err());
        assert!(EncryptionKey::parse("not base64 at all!").is_err());
    }

    #[test]
    fn signatures_verify_only_for_the_same_message_and_key() {
        let key = EncryptionKey::parse(&EncryptionKey::generate_encoded()).unwrap();
        let tag = key.sign(b"flash");
        assert!(key.verify(b"flash", &tag));
        assert!(!key.verify(b"flask", &tag));
        assert!(!key.verify(b"flash", "not-a-tag"));
        let other = EncryptionKey::parse(&EncryptionKey::generate_encoded()).unwrap();
        assert!(!other.verify(b"flash", &tag));
    }

    #[test]
    fn secrets_do_not_print() {
        let secret = Secret::new("hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn random_tokens_are_distinct_and_hash_stably() {
        let a = random_token();
        let b = random_token();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        assert_eq!(token_hash(a.expose()), token_hash(a.expose()));
        assert_ne!(token_hash(a.expose()), token_hash(b.expose()));
    }
}
