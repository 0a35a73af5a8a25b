//! `leadgen backup`: base backups with retention, and the restore drill that proves them.
//!
//! Point-in-time recovery needs two things: base backups (`leadgen backup base`, daily) and the
//! write-ahead log between them, which PostgreSQL itself archives (`archive_mode = on`, an
//! `archive_command` copying each segment into the WAL archive, `archive_timeout = 300` so no
//! more than five minutes of writes are ever only on the server). The drill restores the
//! newest base backup into a fresh private cluster, replays the archive to its end, and checks
//! the leads are there, timing the whole restore.

use crate::postgres::{PrivateCluster, chown_postgres, pg_bin, pg_command, running_as_root};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Base backups are directories named `base-YYYYMMDDTHHMMSSZ` under the backup directory.
const PREFIX: &str = "base-";
const STAMP: &str = "%Y%m%dT%H%M%SZ";

/// What `backup base` did.
#[derive(Debug, Clone)]
pub struct BaseReport {
    /// The new backup's directory.
    pub path: PathBuf,
    /// Its size on disk.
    pub bytes: u64,
    /// How long taking and verifying it took.
    pub elapsed: Duration,
    /// Older backups removed by the retention rule.
    pub pruned: Vec<PathBuf>,
}

/// Takes a compressed base backup of the cluster at `server` (a `postgres://` URL; its
/// database part is ignored) into `dir`, verifies it against its manifest, then removes base
/// backups older than `keep_days` (never the newest) and the archived WAL in `wal_archive`
/// that only they needed. A failed backup leaves no directory that looks like a backup.
pub fn base(
    server: &str,
    dir: &Path,
    keep_days: u32,
    wal_archive: Option<&Path>,
) -> anyhow::Result<BaseReport> {
    let started = Instant::now();
    let basebackup = pg_bin("pg_basebackup").context("pg_basebackup not found")?;
    let as_postgres = running_as_root();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = format!("{PREFIX}{}", chrono::Utc::now().format(STAMP));
    let partial = dir.join(format!(".{name}.partial"));
    let done = dir.join(&name);
    let _ = std::fs::remove_dir_all(&partial);
    if as_postgres {
        chown_postgres(dir)?;
    }
    let (conninfo, password) = libpq_conninfo(server);
    let mut cmd = pg_command(as_postgres, &basebackup);
    cmd.arg("-D")
        .arg(&partial)
        .args(["-F", "tar", "-z", "-X", "stream", "--checkpoint=fast", "-d"])
        .arg(conninfo);
    // In the environment, not on the command line where any user could read it.
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd.output()?;
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&partial);
        anyhow::bail!(
            "pg_basebackup failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    // Every archive must read back whole and the manifest must be there (pg_verifybackup
    // reads tar-format backups only from PostgreSQL 17 on).
    if let Err(e) = check_readable(&partial) {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e.context("the new base backup failed verification"));
    }
    std::fs::rename(&partial, &done)?;
    let bytes = dir_size(&done)?;
    let pruned = prune(dir, keep_days, wal_archive)?;
    Ok(BaseReport {
        path: done,
        bytes,
        elapsed: started.elapsed(),
        pruned,
    })
}

/// The base backups in `dir`, oldest first, with when each was taken.
pub fn list(dir: &Path) -> anyhow::Result<Vec<(chrono::DateTime<chrono::Utc>, PathBuf)>> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stamp) = name.strip_prefix(PREFIX) else {
            continue;
        };
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(stamp, STAMP) {
            out.push((t.and_utc(), entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn prune(dir: &Path, keep_days: u32, wal_archive: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    let backups = list(dir)?;
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(keep_days));
    let mut pruned = vec![];
    let newest = backups.len().saturating_sub(1);
    for (i, (taken, path)) in backups.iter().enumerate() {
        if i < newest && *taken < cutoff {
            std::fs::remove_dir_all(path)?;
            pruned.push(path.clone());
        }
    }
    // WAL older than the oldest kept backup's start can no longer be replayed onto anything.
    if let (Some(archive), Some((_, oldest))) = (wal_archive, list(dir)?.first())
        && let Some(segment) = start_segment(oldest)?
    {
        let cleanup = pg_bin("pg_archivecleanup").context("pg_archivecleanup not found")?;
        let out = Command::new(cleanup).arg(archive).arg(&segment).output()?;
        anyhow::ensure!(
            out.status.success(),
            "pg_archivecleanup failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(pruned)
}

/// The WAL segment a base backup starts in, from its manifest.
fn start_segment(backup: &Path) -> anyhow::Result<Option<String>> {
    let manifest = backup.join("backup_manifest");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return Ok(None);
    };
    let v: serde_json::Value = serde_json::from_str(&text).context("reading backup_manifest")?;
    let Some(range) = v["WAL-Ranges"].as_array().and_then(|r| r.first()) else {
        return Ok(None);
    };
    let timeline = range["Timeline"].as_u64().unwrap_or(1);
    let lsn = range["Start-LSN"].as_str().unwrap_or("0/0");
    let (hi, lo) = lsn.split_once('/').unwrap_or(("0", "0"));
    let lsn = (u64::from_str_radix(hi, 16)? << 32) | u64::from_str_radix(lo, 16)?;
    // 16 MB segments, the default.
    let seg = lsn / (16 * 1024 * 1024);
    Ok(Some(format!(
        "{timeline:08X}{:08X}{:08X}",
        seg / 256,
        seg % 256
    )))
}

/// What a restore drill found.
#[derive(Debug, Clone)]
pub struct DrillReport {
    /// The base backup restored.
    pub backup: PathBuf,
    /// Leads in the restored database.
    pub leads: i64,
    /// The last transaction the restore replayed, if it replayed any.
    pub restored_to: Option<chrono::DateTime<chrono::Utc>>,
    /// From the start of the drill to the restored database answering.
    pub elapsed: Duration,
}

/// Restores the newest base backup in `dir` into a fresh private cluster under `scratch`,
/// replays the WAL archive to its end, counts the leads in `database` and checks there are at
/// least `expect_leads`; the cluster is removed afterwards either way.
pub async fn restore_drill(
    dir: &Path,
    wal_archive: &Path,
    scratch: &Path,
    database: &str,
    expect_leads: i64,
) -> anyhow::Result<DrillReport> {
    let started = Instant::now();
    let (_, backup) = list(dir)?
        .pop()
        .with_context(|| format!("no base backup in {}", dir.display()))?;
    let data = scratch.join(format!("restore-{}", uuid::Uuid::new_v4().simple()));
    let result = restore_into(&backup, wal_archive, &data, database, expect_leads, started).await;
    let _ = std::fs::remove_dir_all(&data);
    result.map(|(leads, restored_to)| DrillReport {
        backup,
        leads,
        restored_to,
        elapsed: started.elapsed(),
    })
}

async fn restore_into(
    backup: &Path,
    wal_archive: &Path,
    data: &Path,
    database: &str,
    expect_leads: i64,
    started: Instant,
) -> anyhow::Result<(i64, Option<chrono::DateTime<chrono::Utc>>)> {
    std::fs::create_dir_all(data.join("pg_wal"))?;
    for (tarball, into) in [
        ("base.tar.gz", data.to_path_buf()),
        ("pg_wal.tar.gz", data.join("pg_wal")),
    ] {
        let out = Command::new("tar")
            .arg("-xzf")
            .arg(backup.join(tarball))
            .arg("-C")
            .arg(&into)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "unpacking {tarball}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    std::fs::write(data.join("recovery.signal"), "")?;
    let archive = wal_archive
        .canonicalize()
        .with_context(|| format!("the WAL archive {}", wal_archive.display()))?;
    {
        use std::io::Write;
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.auto.conf"))?;
        writeln!(conf, "restore_command = 'cp {}/%f %p'", archive.display())?;
        writeln!(conf, "recovery_target_action = 'promote'")?;
        // A restored copy must not archive into the live archive.
        writeln!(conf, "archive_mode = 'off'")?;
    }
    let as_postgres = running_as_root();
    if as_postgres {
        chown_postgres(data)?;
    }
    set_private(data)?;
    let cluster = PrivateCluster::start_in(data)?;
    let url = format!("{}/{database}", cluster.url());
    // Recovery replays the archive before the cluster is promoted and writable.
    let pool = leadgen_core::db::connect(&url, 2)
        .await
        .context("connecting to the restored database")?;
    let deadline = Instant::now() + Duration::from_secs(3600);
    loop {
        let recovering: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
            .fetch_one(&pool)
            .await?;
        if !recovering {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "recovery did not finish within an hour"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let leads: i64 = sqlx::query_scalar("SELECT count(*) FROM leads")
        .fetch_one(&pool)
        .await
        .context("counting the restored leads")?;
    let restored_to: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT pg_last_xact_replay_timestamp()")
            .fetch_one(&pool)
            .await?;
    pool.close().await;
    drop(cluster);
    anyhow::ensure!(
        leads >= expect_leads,
        "the restored database has {leads} leads, fewer than the {expect_leads} expected"
    );
    tracing::info!(
        secs = started.elapsed().as_secs_f64(),
        "restore drill passed"
    );
    Ok((leads, restored_to))
}

fn check_readable(backup: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        backup.join("backup_manifest").exists(),
        "no backup_manifest"
    );
    for tarball in ["base.tar.gz", "pg_wal.tar.gz"] {
        let out = Command::new("tar")
            .arg("-tzf")
            .arg(backup.join(tarball))
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "{tarball} does not read back: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn set_private(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    Ok(())
}

fn dir_size(path: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(path)? {
        let m = entry?.metadata()?;
        total += if m.is_dir() { 0 } else { m.len() };
    }
    Ok(total)
}

/// `postgres://user:password@host:port/db?sslmode=…` as libpq connection parameters without
/// the database (the replication connection goes to the cluster), and the password apart.
fn libpq_conninfo(url: &str) -> (String, Option<String>) {
    let Ok(u) = url::Url::parse(url) else {
        return (url.to_string(), None);
    };
    let mut parts = vec![
        format!("host={}", u.host_str().unwrap_or("127.0.0.1")),
        format!("port={}", u.port().unwrap_or(5432)),
    ];
    if !u.username().is_empty() {
        parts.push(format!("user={}", u.username()));
    }
    for (k, v) in u.query_pairs() {
        if k == "sslmode" || k == "sslrootcert" {
            parts.push(format!("{k}={v}"));
        }
    }
    (parts.join(" "), u.password().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_segment_follows_the_manifest_lsn() {
        let dir = std::env::temp_dir().join(format!("leadgen-manifest-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("backup_manifest"),
            r#"{"WAL-Ranges": [{"Timeline": 1, "Start-LSN": "0/5000028", "End-LSN": "0/5000100"}]}"#,
        )
        .unwrap();
        assert_eq!(
            start_segment(&dir).unwrap().as_deref(),
            Some("000000010000000000000005")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn urls_become_cluster_connection_parameters() {
        assert_eq!(
            libpq_conninfo("postgres://backup:s3cret@db.internal:6432/leadgen?sslmode=require"),
            (
                "host=db.internal port=6432 user=backup sslmode=require".to_string(),
                Some("s3cret".to_string())
            )
        );
    }
}
