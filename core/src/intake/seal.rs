//! Files are encrypted by the application before they reach storage: AES-256-GCM with a random
//! 96-bit nonce per file and the storage key as associated data, so a stored object cannot be
//! swapped for another without failing to open. Layout: `LGF1`, nonce, ciphertext and tag.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};

const MAGIC: &[u8; 4] = b"LGF1";

/// Why a sealed file could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Not something this module sealed.
    #[error("not a sealed file")]
    Format,
    /// Wrong key, wrong storage key, or tampered with.
    #[error("the file does not open with this key (wrong key, moved, or altered)")]
    Open,
    /// No randomness.
    #[error("the system random source failed")]
    Random,
}

/// Encrypts `plain` to be stored under `storage_key`.
pub fn seal(key: &[u8; 32], storage_key: &str, plain: &[u8]) -> Result<Vec<u8>, SealError> {
    let nonce = crate::access::secret::random_bytes::<12>().map_err(|_| SealError::Random)?;
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plain,
                aad: storage_key.as_bytes(),
            },
        )
        .map_err(|_| SealError::Open)?;
    let mut out = Vec::with_capacity(4 + 12 + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts what [`seal`] made for `storage_key`.
pub fn open(key: &[u8; 32], storage_key: &str, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    if sealed.len() < 4 + 12 + 16 || &sealed[..4] != MAGIC {
        return Err(SealError::Format);
    }
    let nonce: [u8; 12] = sealed[4..16].try_into().map_err(|_| SealError::Format)?;
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
    cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &sealed[16..],
                aad: storage_key.as_bytes(),
            },
        )
        .map_err(|_| SealError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_files_open_only_with_their_key_and_place() {
        let key = [9u8; 32];
        let plain = b"%PDF-1.4 Jane Doe";
        let sealed = seal(&key, "resumes/a", plain).unwrap();
        assert!(!sealed.windows(4).any(|w| w == b"Jane"));
        assert_eq!(open(&key, "resumes/a", &sealed).unwrap(), plain);
        assert_eq!(open(&[8u8; 32], "resumes/a", &sealed), Err(SealError::Open));
        assert_eq!(open(&key, "resumes/b", &sealed), Err(SealError::Open));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(open(&key, "resumes/a", &tampered), Err(SealError::Open));
        assert_ne!(
            seal(&key, "resumes/a", plain).unwrap(),
            sealed,
            "fresh nonce each time"
        );
        assert_eq!(open(&key, "x", b"junk"), Err(SealError::Format));
    }
}
