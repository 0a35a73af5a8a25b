//! Backups: on a private cluster archiving its WAL, `leadgen backup base` takes a base backup
//! and drops one older than the retention; leads written after it exist only in the WAL
//! archive; the restore drill brings back every one of them into a fresh cluster, and fails
//! clearly when the restored data falls short.

mod common;

use common::{Spawn, TestApp};
use leadgen_core::sample_web::seed::SeedOptions;
use std::time::{Duration, Instant};

fn options(leads: usize, seed: u64) -> SeedOptions {
    SeedOptions {
        leads,
        seed,
        now: chrono::Utc::now(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_backup_and_the_wal_archive_restore_every_lead() {
    let dir = std::env::temp_dir().join(format!("leadgen-backup-{}", uuid::Uuid::new_v4()));
    let primary = leadgen::postgres::PrivateCluster::start_in(&dir.join("primary"))
        .expect("a private PostgreSQL cluster from the machine's binaries");
    let wal = dir.join("wal");
    std::fs::create_dir_all(&wal).unwrap();
    if primary.as_postgres() {
        let chown = std::process::Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&wal)
            .status()
            .unwrap();
        assert!(chown.success());
    }
    let archive_command = format!("test ! -f {0}/%f && cp %p {0}/%f", wal.display());
    primary
        .configure(&[
            ("archive_mode", "on"),
            ("archive_command", &archive_command),
            ("archive_timeout", "300"),
        ])
        .unwrap();
    primary.stop().unwrap();
    primary.start().unwrap();
    let app = TestApp::spawn_with(Spawn {
        server: Some(primary.url()),
        workers: false,
        ..Spawn::default()
    })
    .await;
    let database = app.db_url.rsplit('/').next().unwrap().to_string();
    leadgen::seed::run(&app.pool, options(3_000, 11))
        .await
        .unwrap();

    // A backup from before the retention window is dropped when the new one is in.
    let backups = dir.join("base");
    let stale = backups.join("base-20200101T000000Z");
    std::fs::create_dir_all(&stale).unwrap();
    let (url, into, archive) = (primary.url(), backups.clone(), wal.clone());
    let report =
        tokio::task::spawn_blocking(move || leadgen::backup::base(&url, &into, 7, Some(&archive)))
            .await
            .unwrap()
            .expect("base backup");
    assert!(report.bytes > 100_000, "{report:?}");
    assert_eq!(report.pruned, vec![stale.clone()]);
    assert!(!stale.exists());
    assert_eq!(leadgen::backup::list(&backups).unwrap().len(), 1);

    // Written after the backup: only the WAL archive has these.
    leadgen::seed::run(&app.pool, options(1_000, 12))
        .await
        .unwrap();
    let segment: String = sqlx::query_scalar("SELECT pg_walfile_name(pg_current_wal_lsn())")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query("SELECT pg_switch_wal()")
        .execute(&app.pool)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !wal.join(&segment).exists() {
        assert!(
            Instant::now() < deadline,
            "segment {segment} never archived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let drill = leadgen::backup::restore_drill(&backups, &wal, &dir, &database, 4_000)
        .await
        .expect("restore drill");
    assert_eq!(drill.leads, 4_000, "{drill:?}");
    assert!(drill.restored_to.is_some(), "{drill:?}");
    let short = leadgen::backup::restore_drill(&backups, &wal, &dir, &database, 4_001)
        .await
        .unwrap_err();
    assert!(
        short
            .to_string()
            .contains("4000 leads, fewer than the 4001 expected"),
        "{short:#}"
    );
    // The drill's scratch clusters are gone.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("restore-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    app.cleanup().await;
    drop(primary);
    let _ = std::fs::remove_dir_all(&dir);
}
