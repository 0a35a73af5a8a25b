//! Where uploaded files live: any `object_store` backend (a local directory by default, S3 or
//! Azure Blob by URL), always sealed with AES-256-GCM by [`leadgen_core::intake::seal`] before
//! they leave the process. Object names are generated, never taken from clients. The API
//! stores and serves files; workers delete them when leads are erased or expire.

use crate::config::IntakeConfig;
use crate::intake::seal;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::sync::Arc;

/// The file store of an API process.
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    key: Option<[u8; 32]>,
    /// Where it points, for messages (without credentials).
    pub location: String,
}

/// Why the store could not be set up or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Bad configuration.
    #[error("{0}")]
    Config(String),
    /// The backend failed.
    #[error("file storage: {0}")]
    Backend(#[from] object_store::Error),
    /// Sealing or opening failed.
    #[error("file storage: {0}")]
    Seal(#[from] seal::SealError),
    /// Opened for deleting only.
    #[error("file storage: this process has no file key (LEADGEN_FILES_KEY)")]
    NoKey,
}

impl FileStore {
    /// Opens the configured store; without `LEADGEN_FILES_URL`, the local directory
    /// `.leadgen/files`. Without `LEADGEN_FILES_KEY` (allowed outside production) the key is kept
    /// in `.leadgen/files.key`, created on first use with owner-only permissions.
    pub fn open(cfg: &IntakeConfig) -> Result<Self, StoreError> {
        let mut store = Self::open_for_deleting(cfg)?;
        store.key = Some(match cfg.files_key {
            Some(k) => k,
            None => local_key()?,
        });
        Ok(store)
    }

    /// Opens the configured store to delete files only (workers expiring leads need no key).
    pub fn open_for_deleting(cfg: &IntakeConfig) -> Result<Self, StoreError> {
        let (store, prefix, location): (Arc<dyn ObjectStore>, ObjectPath, String) = match &cfg
            .files_url
        {
            None => {
                let dir = std::path::Path::new(".leadgen/files");
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Config(format!("creating {}: {e}", dir.display())))?;
                let local = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
                (
                    Arc::new(local),
                    ObjectPath::default(),
                    dir.display().to_string(),
                )
            }
            Some(raw) => {
                let url = url::Url::parse(raw).map_err(|e| {
                    StoreError::Config(format!("LEADGEN_FILES_URL is not a URL: {e}"))
                })?;
                if url.scheme() == "file" {
                    let dir = url.path().to_string();
                    std::fs::create_dir_all(&dir)
                        .map_err(|e| StoreError::Config(format!("creating {dir}: {e}")))?;
                }
                // Credentials and regions come from the usual AWS_* / AZURE_* variables.
                let options = std::env::vars().filter(|(k, _)| {
                    k.starts_with("AWS_")
                        || k.starts_with("AZURE_")
                        || k.starts_with("OBJECT_STORE_")
                });
                let (store, prefix) = object_store::parse_url_opts(&url, options)?;
                let mut shown = url.clone();
                let _ = shown.set_password(None);
                (Arc::from(store), prefix, shown.to_string())
            }
        };
        Ok(FileStore {
            store,
            prefix,
            key: None,
            location,
        })
    }

    fn path(&self, key: &str) -> ObjectPath {
        key.split('/')
            .fold(self.prefix.clone(), |p, part| p.clone().join(part))
    }

    /// Seals and stores `plain` under `key`.
    pub async fn put(&self, key: &str, plain: &[u8]) -> Result<(), StoreError> {
        let sealed = seal::seal(self.key.as_ref().ok_or(StoreError::NoKey)?, key, plain)?;
        self.store
            .put(&self.path(key), PutPayload::from(sealed))
            .await?;
        Ok(())
    }

    /// Reads and opens what is stored under `key`.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let sealed = self.store.get(&self.path(key)).await?.bytes().await?;
        Ok(seal::open(
            self.key.as_ref().ok_or(StoreError::NoKey)?,
            key,
            &sealed,
        )?)
    }

    /// Removes `key` (nothing happens when it is not there).
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The development key file, made on first use.
fn local_key() -> Result<[u8; 32], StoreError> {
    let path = std::path::Path::new(".leadgen/files.key");
    if let Ok(bytes) = std::fs::read(path) {
        return <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| StoreError::Config(format!("{} is not a 32-byte key", path.display())));
    }
    let key = crate::access::secret::random_bytes::<32>()
        .map_err(|e| StoreError::Config(e.to_string()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Config(format!("creating {}: {e}", dir.display())))?;
    }
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut f) => {
            f.write_all(&key)
                .map_err(|e| StoreError::Config(format!("writing {}: {e}", path.display())))?;
            tracing::warn!(
                path = %path.display(),
                "LEADGEN_FILES_KEY is not set: made a key file for sealing uploads; set \
                 LEADGEN_FILES_KEY in production"
            );
            Ok(key)
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => local_key(),
        Err(e) => Err(StoreError::Config(format!(
            "creating {}: {e}",
            path.display()
        ))),
    }
}
