//! Bulk loading of generated leads (`leadgen seed`): each table's rows arrive as CSV and go in
//! with COPY, inside the caller's transaction so a failed run leaves nothing behind.

use sqlx::PgConnection;

/// A table the seeding command fills, with the columns its CSV rows give, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedTable {
    /// Completed searches.
    SearchJobs,
    /// Companies.
    Companies,
    /// Leads, discovered and inbound.
    Leads,
    /// Contacts of companies.
    Contacts,
    /// Which search found which lead.
    JobResults,
}

impl SeedTable {
    /// The order tables load in: referenced rows first.
    pub const ORDER: [SeedTable; 5] = [
        SeedTable::SearchJobs,
        SeedTable::Companies,
        SeedTable::Leads,
        SeedTable::Contacts,
        SeedTable::JobResults,
    ];

    /// The table's name.
    pub fn name(self) -> &'static str {
        match self {
            SeedTable::SearchJobs => "search_jobs",
            SeedTable::Companies => "companies",
            SeedTable::Leads => "leads",
            SeedTable::Contacts => "contacts",
            SeedTable::JobResults => "job_results",
        }
    }

    /// The columns each CSV row gives, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            SeedTable::SearchJobs => &[
                "id",
                "status",
                "criteria",
                "current_step",
                "max_results",
                "discovered_count",
                "processed_count",
                "results_count",
                "discovery_done",
                "estimated_completion",
                "started_at",
                "completed_at",
                "created_at",
                "updated_at",
            ],
            SeedTable::Companies => &[
                "id",
                "name",
                "dedup_key",
                "domain",
                "website",
                "industry",
                "size_category",
                "description",
                "address",
                "city",
                "region",
                "postal_code",
                "country",
                "latitude",
                "longitude",
                "founded_year",
                "employee_count",
                "phones",
                "emails",
                "socials",
                "technologies",
                "business_info",
                "created_at",
                "updated_at",
            ],
            SeedTable::Leads => &[
                "id",
                "origin",
                "status",
                "company_id",
                "first_name",
                "last_name",
                "email",
                "lead_score",
                "score_breakdown",
                "business_intelligence",
                "engagement_opportunities",
                "data_sources",
                "created_at",
                "updated_at",
            ],
            SeedTable::Contacts => &[
                "id",
                "company_id",
                "name",
                "title",
                "email",
                "phone",
                "linkedin_url",
                "is_decision_maker",
                "confidence",
                "source",
                "verification_status",
                "dedup_key",
                "email_kind",
                "verification_reason",
                "created_at",
                "updated_at",
            ],
            SeedTable::JobResults => &["job_id", "lead_id", "lead_score", "created_at"],
        }
    }
}

/// Loads CSV rows (no header; an empty unquoted field is NULL) into a table; returns the rows
/// loaded.
pub async fn copy_csv(conn: &mut PgConnection, table: SeedTable, csv: &[u8]) -> sqlx::Result<u64> {
    if csv.is_empty() {
        return Ok(0);
    }
    let statement = format!(
        "COPY {} ({}) FROM STDIN (FORMAT csv)",
        table.name(),
        table.columns().join(", ")
    );
    let mut copy = conn.copy_in_raw(&statement).await?;
    if let Err(e) = copy.send(csv).await {
        // Ending the COPY lets the connection go back to the pool in a usable state.
        let _ = copy.abort(e.to_string()).await;
        return Err(e);
    }
    copy.finish().await
}

/// Vacuums the seeded tables and refreshes their statistics, so plans fit the new row counts
/// from the first query on and counts can read the indexes alone, as autovacuum would leave
/// tables that had been in use for a while.
pub async fn analyze(conn: &mut PgConnection) -> sqlx::Result<()> {
    let tables: Vec<&str> = SeedTable::ORDER.iter().map(|t| t.name()).collect();
    // The names are this module's constants, not input.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "VACUUM (ANALYZE) {}",
        tables.join(", ")
    )))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
