//! Finding a database for `leadgen demo` without asking the user to set one up: `DATABASE_URL`
//! when set, else the local server on 127.0.0.1:5432, else a private throwaway cluster started
//! from the machine's PostgreSQL binaries under `.leadgen/pgdata`.

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A private cluster this process started; stopped when dropped.
pub struct PrivateCluster {
    data: PathBuf,
    as_postgres: bool,
    port: u16,
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

impl PrivateCluster {
    /// Initialises a cluster in `data` (unless one is there) and starts it on a free loopback
    /// port, with trust authentication for `postgres`.
    pub fn start_in(data: &Path) -> anyhow::Result<PrivateCluster> {
        let initdb = pg_bin("initdb")
            .context("PostgreSQL binaries (initdb) not found under /usr/lib/postgresql")?;
        // PostgreSQL refuses to run as root; run it as the postgres user then.
        let as_postgres = running_as_root();
        std::fs::create_dir_all(data.parent().unwrap_or(Path::new(".")))?;
        if !data.join("PG_VERSION").exists() {
            std::fs::create_dir_all(data)?;
            if as_postgres {
                chown_postgres(data.parent().unwrap_or(data))?;
            }
            let out = pg_command(as_postgres, &initdb)
                .args([
                    "-D",
                    &data.to_string_lossy(),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ])
                .output()?;
            anyhow::ensure!(
                out.status.success(),
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let cluster = PrivateCluster {
            data: data.to_path_buf(),
            as_postgres,
            port,
        };
        cluster.start()?;
        Ok(cluster)
    }

    /// Adds settings to the cluster's `postgresql.auto.conf`; they apply from its next start.
    pub fn configure(&self, settings: &[(&str, &str)]) -> anyhow::Result<()> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.data.join("postgresql.auto.conf"))?;
        for (k, v) in settings {
            writeln!(f, "{k} = '{}'", v.replace('\'', "''"))?;
        }
        Ok(())
    }

    /// Whether its processes run as the `postgres` user (this process being root).
    pub fn as_postgres(&self) -> bool {
        self.as_postgres
    }

    /// Makes a streaming replica of `primary` in `data` (a base backup over the replication
    /// protocol, configured to follow the primary) and starts it on a free loopback port.
    pub fn standby_of(primary: &PrivateCluster, data: &Path) -> anyhow::Result<PrivateCluster> {
        let basebackup = pg_bin("pg_basebackup").context("pg_basebackup not found")?;
        let parent = data.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        if primary.as_postgres {
            chown_postgres(parent)?;
        }
        let source = format!("host=127.0.0.1 port={} user=postgres", primary.port);
        let out = pg_command(primary.as_postgres, &basebackup)
            .args([
                "-D",
                &data.to_string_lossy(),
                "-R",
                "-X",
                "stream",
                "-d",
                &source,
            ])
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "pg_basebackup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let standby = PrivateCluster {
            data: data.to_path_buf(),
            as_postgres: primary.as_postgres,
            port,
        };
        standby.start()?;
        Ok(standby)
    }

    /// `postgres://postgres@127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    /// Starts the cluster (again) on its port and waits until it accepts connections.
    pub fn start(&self) -> anyhow::Result<()> {
        let pg_ctl = pg_bin("pg_ctl").context("pg_ctl not found")?;
        // TCP on loopback only: a Unix socket under a deep data directory can pass the 107-byte
        // limit on socket paths.
        let opts = format!("-p {} -k '' -c listen_addresses=127.0.0.1", self.port);
        let out = pg_command(self.as_postgres, &pg_ctl)
            .args(["-D", &self.data.to_string_lossy(), "-o", &opts, "-l"])
            .arg(self.data.join("server.log"))
            .args(["-w", "start"])
            .output()?;
        if !out.status.success() {
            // The server's own words say why; pg_ctl only says it did not start.
            let log = std::fs::read_to_string(self.data.join("server.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(8).collect();
            anyhow::bail!(
                "pg_ctl start failed: {}; server log: {}",
                String::from_utf8_lossy(&out.stderr).trim(),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            );
        }
        Ok(())
    }

    /// Stops the cluster at once, cutting every connection (a crash or restart as clients see
    /// it).
    pub fn stop(&self) -> anyhow::Result<()> {
        let pg_ctl = pg_bin("pg_ctl").context("pg_ctl not found")?;
        let out = pg_command(self.as_postgres, &pg_ctl)
            .args([
                "-D",
                &self.data.to_string_lossy(),
                "-m",
                "fast",
                "-w",
                "stop",
            ])
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }
}

/// A database URL for the demo, and the cluster to keep alive while it is used.
pub async fn demo_database(name: &str) -> anyhow::Result<(String, Option<PrivateCluster>)> {
    if let Ok(url) = std::env::var("DATABASE_URL")
        && !url.trim().is_empty()
    {
        return Ok((url, None));
    }
    let local = "postgres://postgres@127.0.0.1:5432";
    if let Ok(url) = ensure_database(local, name).await {
        return Ok((url, None));
    }
    let (base, cluster) = start_private_cluster().context(
        "no local PostgreSQL answered on 127.0.0.1:5432 and a private one could not be started",
    )?;
    let url = ensure_database(&base, name).await?;
    Ok((url, Some(cluster)))
}

/// Creates database `name` on the server at `base` if missing; returns its URL.
pub async fn ensure_database(base: &str, name: &str) -> anyhow::Result<String> {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    let opts = sqlx::postgres::PgConnectOptions::from_str(&format!("{base}/postgres"))?;
    let mut conn = tokio::time::timeout(Duration::from_secs(3), opts.connect())
        .await
        .context("timed out connecting")??;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        anyhow::ensure!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad database name"
        );
        let sql = format!("CREATE DATABASE {name}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await?;
    }
    Ok(format!("{base}/{name}"))
}

/// Whether this process runs as root (PostgreSQL's tools then run as `postgres`).
pub(crate) fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

/// Hands `path` and everything under it to the `postgres` user.
pub(crate) fn chown_postgres(path: &Path) -> anyhow::Result<()> {
    let ok = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(path)
        .status()?
        .success();
    anyhow::ensure!(ok, "chown postgres {} failed", path.display());
    Ok(())
}

pub(crate) fn pg_bin(tool: &str) -> Option<String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .collect();
    dirs.sort();
    dirs.into_iter()
        .rev()
        .map(|d| d.join(tool))
        .find(|p| p.exists())
        .map(|p| p.to_string_lossy().into_owned())
}

pub(crate) fn pg_command(as_postgres: bool, program: &str) -> Command {
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", program]);
        c
    } else {
        Command::new(program)
    }
}

fn start_private_cluster() -> anyhow::Result<(String, PrivateCluster)> {
    let data = std::env::current_dir()?.join(".leadgen").join("pgdata");
    let cluster = PrivateCluster::start_in(&data)?;
    Ok((cluster.url(), cluster))
}
