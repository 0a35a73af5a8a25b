//! `leadgen user create`: staff accounts from the command line, for the first admin and for
//! scripts; the demo's admin comes from here too.

use anyhow::Context;
use leadgen_core::access::{Role, password};
use leadgen_core::repo::users::{self, UserChange, UserRow};
use std::io::{BufRead, IsTerminal};

/// `leadgen user …`.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a staff account. The password is read from standard input when it is piped in;
    /// otherwise a strong one is generated and printed once.
    Create {
        /// Email, the sign-in name.
        #[arg(long)]
        email: String,
        /// admin, manager, agent or viewer.
        #[arg(long)]
        role: String,
        /// Name shown in the dashboard.
        #[arg(long, default_value = "")]
        name: String,
    },
}

/// Runs a `leadgen user` command.
pub async fn run(pool: &sqlx::PgPool, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create { email, role, name } => {
            let stdin = std::io::stdin();
            let given = if stdin.is_terminal() {
                None
            } else {
                let mut line = String::new();
                stdin
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password from standard input")?;
                let line = line.trim_end_matches(['\r', '\n']).to_string();
                (!line.is_empty()).then_some(line)
            };
            let (user, generated) = create(pool, &email, &role, &name, given).await?;
            println!("created {} ({}) id {}", user.email, user.role, user.id);
            if let Some(p) = generated {
                println!("password (shown once): {p}");
            }
            Ok(())
        }
    }
}

/// Creates an account after checking every input; returns it and the generated password when
/// none was given.
pub async fn create(
    pool: &sqlx::PgPool,
    email: &str,
    role: &str,
    name: &str,
    password: Option<String>,
) -> anyhow::Result<(UserRow, Option<String>)> {
    let email = leadgen_core::validate::email_address("--email", email)
        .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
    let role = Role::parse(role)
        .with_context(|| format!("--role: `{role}` is not one of admin, manager, agent, viewer"))?;
    let (password, generated) = match password {
        Some(p) => (p, None),
        None => {
            let p = password::generate()?;
            (p.clone(), Some(p))
        }
    };
    let hash = hash_checked(&password, &[&email, name])?;
    let user = users::insert(
        pool,
        &users::NewUser {
            email: &email,
            display_name: name.trim(),
            role: role.as_str(),
            password_hash: &hash,
        },
    )
    .await?
    .with_context(|| format!("--email: an account with email {email} exists"))?;
    Ok((user, generated))
}

/// The demo's admin: created, or given a new generated password when it exists already.
pub async fn demo_admin(pool: &sqlx::PgPool, email: &str) -> anyhow::Result<String> {
    let password = password::generate()?;
    match users::by_email(pool, email).await? {
        None => {
            create(pool, email, "admin", "Demo Admin", Some(password.clone())).await?;
        }
        Some(u) => {
            let hash = hash_checked(&password, &[email])?;
            let change = UserChange {
                role: Some("admin"),
                disabled: Some(false),
                password_hash: Some(&hash),
                ..Default::default()
            };
            users::update(pool, u.id, &change, chrono::Utc::now()).await?;
        }
    }
    Ok(password)
}

fn hash_checked(password: &str, context: &[&str]) -> anyhow::Result<String> {
    let ctx: Vec<&str> = context.iter().copied().chain(["leadgen"]).collect();
    password::check(password, &ctx).map_err(|e| anyhow::anyhow!("password {e}"))?;
    Ok(password::hash(password)?)
}
