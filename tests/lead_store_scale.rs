//! The lead store at scale: `leadgen seed` fills a database with production-like leads the API
//! reads like any others, all or nothing; and every lead list query — each filter, search and
//! sort order — is answered from an index, not by reading the whole table; and a large store's
//! analytics summary is served from the last one computed while a newer one is made.

mod common;

use common::{Spawn, TestApp};
use leadgen::seed;
use leadgen_core::sample_web::seed::SeedOptions;
use serde_json::Value;

const LEADS: usize = 30_000;

fn options(leads: usize, seed: u64) -> SeedOptions {
    SeedOptions {
        leads,
        seed,
        now: chrono::Utc::now(),
    }
}

async fn qualified(app: &TestApp) -> i64 {
    let (st, page) = app.get("/api/v1/leads?status=QUALIFIED&limit=1").await;
    assert_eq!(st, 200, "{page}");
    page["pagination"]["total_count"].as_i64().unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_leads_read_like_any_others_and_a_failed_run_leaves_nothing() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Spawn::default()
    })
    .await;
    let report = seed::run(&app.pool, options(LEADS, 42)).await.unwrap();
    let c = report.counts;
    assert_eq!(c.leads, LEADS as u64);
    assert_eq!(count(&app, "leads").await, LEADS as i64);
    assert_eq!(count(&app, "companies").await, c.companies as i64);
    assert_eq!(count(&app, "contacts").await, c.contacts as i64);
    assert_eq!(count(&app, "job_results").await, c.job_results as i64);
    assert_eq!(c.inbound * 100 / c.leads, 15, "{c:?}");
    assert!(c.contacts > c.companies, "{c:?}");

    // The list pages through all of them, and the filters narrow them.
    let (st, page) = app.get("/api/v1/leads?limit=50").await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["pagination"]["total_count"], LEADS as i64);
    let scores: Vec<i64> = page["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["lead_score"].as_i64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let (st, inbound) = app.get("/api/v1/leads?origin=inbound&limit=1").await;
    assert_eq!(st, 200, "{inbound}");
    assert_eq!(
        inbound["pagination"]["total_count"].as_i64().unwrap() as u64,
        c.inbound
    );

    // A discovered lead's detail: company, contacts, breakdown and sources all readable.
    let discovered = page["leads"][0]["lead_id"].as_str().unwrap();
    let (st, detail) = app.get(&format!("/api/v1/leads/{discovered}")).await;
    assert_eq!(st, 200, "{detail}");
    assert!(
        detail["company"]["name"].as_str().unwrap().len() > 2,
        "{detail}"
    );
    assert!(detail["score_breakdown"]["contact_completeness"]["score"].is_u64());
    assert!(!detail["data_sources"].as_array().unwrap().is_empty());
    let inbound_id = inbound["leads"][0]["lead_id"].as_str().unwrap();
    let (st, person) = app.get(&format!("/api/v1/leads/{inbound_id}")).await;
    assert_eq!(st, 200, "{person}");
    assert!(
        person["inbound"]["email"]
            .as_str()
            .unwrap()
            .ends_with(".example")
    );

    // Analytics and the CSV export see every lead.
    let (st, summary) = app.get("/api/v1/analytics/summary").await;
    assert_eq!(st, 200, "{summary}");
    assert_eq!(summary["total_leads"], LEADS as i64);
    let csv = app
        .get_text("/api/v1/export/csv?fields=lead_id,company_name,lead_score")
        .await;
    assert_eq!(
        csv.lines().count(),
        LEADS + 1,
        "a header and one line per lead"
    );

    // Totals by origin and status are looked up, and stay exact through every kind of change.
    let before = qualified(&app).await;
    assert_eq!(
        before,
        count(&app, "leads WHERE status = 'QUALIFIED'").await
    );
    let (_, pending) = app.get("/api/v1/leads?status=PENDING&limit=2").await;
    for lead in pending["leads"].as_array().unwrap() {
        let id = lead["lead_id"].as_str().unwrap();
        let (_, detail) = app.get(&format!("/api/v1/leads/{id}")).await;
        let r = app
            .http
            .patch(app.url(&format!("/api/v1/leads/{id}")))
            .json(&serde_json::json!({"status": "QUALIFIED", "version": detail["version"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    sqlx::query(
        "DELETE FROM leads WHERE id = (SELECT id FROM leads WHERE status = 'QUALIFIED' LIMIT 1)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(qualified(&app).await, before + 1);
    assert_eq!(
        qualified(&app).await,
        count(&app, "leads WHERE status = 'QUALIFIED'").await
    );
    let (_, all) = app.get("/api/v1/leads?limit=1").await;
    assert_eq!(all["pagination"]["total_count"], LEADS as i64 - 1);

    // The same seed again collides with the rows already there: the run fails and adds nothing.
    let again = seed::run(&app.pool, options(1_000, 42)).await;
    assert!(again.is_err(), "a second run with the same seed must fail");
    assert_eq!(count(&app, "leads").await, LEADS as i64 - 1);
    let (_, all) = app.get("/api/v1/leads?limit=1").await;
    assert_eq!(all["pagination"]["total_count"], LEADS as i64 - 1);
    assert_eq!(count(&app, "search_jobs").await, c.searches as i64);
    // Out-of-range sizes are refused before anything is written.
    let err = seed::run(&app.pool, options(0, 1)).await.unwrap_err();
    assert!(err.to_string().contains("--leads"), "{err}");
    app.cleanup().await;
}

/// One way of asking for the lead list, as the list query's parameters.
struct Ask {
    what: &'static str,
    job: bool,
    score_min: Option<i32>,
    origin: Option<&'static str>,
    status: Option<&'static str>,
    industry: Option<&'static str>,
    recent: bool,
    pattern: Option<&'static str>,
    statuses: &'static [&'static str],
    sort: &'static str,
    ascending: bool,
}

impl Ask {
    fn filters(&self) -> bool {
        self.job
            || self.score_min.is_some()
            || self.origin.is_some()
            || self.status.is_some()
            || self.industry.is_some()
            || self.recent
            || self.pattern.is_some()
    }
}

const DEFAULT: Ask = Ask {
    what: "",
    job: false,
    score_min: None,
    origin: None,
    status: None,
    industry: None,
    recent: false,
    pattern: None,
    statuses: &[],
    sort: "score",
    ascending: false,
};

/// The plan Postgres makes for the lead list (`leads_list.sql`) or its count, with the values
/// bound, as the API runs them (a plan made for the actual values).
async fn plan(pool: &sqlx::PgPool, sql: &str, ask: &Ask, job: uuid::Uuid, list: bool) -> String {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
        .execute(&mut *tx)
        .await
        .unwrap();
    let explain = format!("EXPLAIN {sql}");
    let q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(explain))
        .bind(ask.job.then_some(job))
        .bind(ask.score_min);
    let q = if list {
        q.bind(Some(25i64)).bind(0i64)
    } else {
        q
    };
    let from = chrono::Utc::now() - chrono::Duration::days(7);
    let pattern = ask.pattern.map(|p| format!("%{p}%"));
    let statuses: Vec<String> = ask.statuses.iter().map(|s| s.to_string()).collect();
    let q = q
        .bind(ask.origin)
        .bind(ask.status)
        .bind(None::<uuid::Uuid>)
        .bind(ask.industry)
        .bind(ask.recent.then_some(from))
        .bind(None::<chrono::DateTime<chrono::Utc>>)
        .bind(pattern);
    let q = if list {
        q.bind(ask.sort)
            .bind(ask.ascending)
            .bind(statuses)
            .bind(None::<i32>)
            .bind(true)
    } else {
        q.bind(statuses).bind(None::<i32>)
    };
    let lines = q.fetch_all(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    lines.join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lead_list_query_is_answered_from_an_index() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Spawn::default()
    })
    .await;
    seed::run(&app.pool, options(LEADS, 7)).await.unwrap();
    let job: uuid::Uuid = sqlx::query_scalar("SELECT id FROM search_jobs LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let asks = [
        Ask {
            what: "best first (the default)",
            ..DEFAULT
        },
        Ask {
            what: "worst first",
            ascending: true,
            ..DEFAULT
        },
        Ask {
            what: "newest first",
            sort: "created",
            ..DEFAULT
        },
        Ask {
            what: "oldest first",
            sort: "created",
            ascending: true,
            ..DEFAULT
        },
        Ask {
            what: "recently updated first",
            sort: "updated",
            ..DEFAULT
        },
        Ask {
            what: "by name A–Z",
            sort: "name",
            ascending: true,
            ..DEFAULT
        },
        Ask {
            what: "by name Z–A",
            sort: "name",
            ..DEFAULT
        },
        Ask {
            what: "one status",
            status: Some("QUALIFIED"),
            ..DEFAULT
        },
        Ask {
            what: "inbound only",
            origin: Some("inbound"),
            ..DEFAULT
        },
        Ask {
            what: "hot leads",
            score_min: Some(80),
            ..DEFAULT
        },
        Ask {
            what: "one industry",
            industry: Some("dentist"),
            ..DEFAULT
        },
        Ask {
            what: "created this week",
            recent: true,
            ..DEFAULT
        },
        Ask {
            what: "a search's results",
            job: true,
            ..DEFAULT
        },
        Ask {
            what: "text search",
            pattern: Some("harper"),
            ..DEFAULT
        },
        Ask {
            what: "text search naming a status",
            pattern: Some("reached"),
            statuses: &["REACHED_OUT"],
            ..DEFAULT
        },
        Ask {
            what: "text search by name A–Z",
            pattern: Some("smile"),
            sort: "name",
            ascending: true,
            ..DEFAULT
        },
    ];
    let list_sql = include_str!("../core/src/repo/leads_list.sql");
    let count_sql = include_str!("../core/src/repo/leads_count.sql");
    let mut failures = vec![];
    for ask in &asks {
        for (sql, list) in [(list_sql, true), (count_sql, false)] {
            let p = plan(&app.pool, sql, ask, job, list).await;
            // A page walks an index in its order or fetches the filter's matches by index; a
            // count with a filter finds its matches through an index (joining them to the rest
            // may still read a table where most rows match). Counting every lead reads every lead.
            let bad = if list {
                ["Seq Scan on leads l ", "Seq Scan on companies c "]
                    .iter()
                    .any(|s| p.contains(s))
            } else {
                ask.filters() && !p.contains("Index")
            };
            if bad {
                let which = if list { "list" } else { "count" };
                failures.push(format!("{} ({which}):\n{p}", ask.what));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "read whole tables:\n\n{}",
        failures.join("\n\n")
    );
    let analyzed: Value = sqlx::query_scalar(
        "SELECT to_jsonb(count(*)) FROM pg_stats WHERE tablename = 'leads' AND attname = 'sort_name'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(analyzed, 1, "seeding leaves the planner statistics fresh");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_stores_summary_is_served_from_the_last_one_and_refreshed_behind() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        configure: Some(|c| c.analytics_max_age = std::time::Duration::from_secs(2)),
        ..Spawn::default()
    })
    .await;
    let leads = leadgen_api::analytics_cache::LIVE_LIMIT as usize + 1_000;
    seed::run(&app.pool, options(leads, 3)).await.unwrap();
    let total = |s: &Value| s["total_leads"].as_i64().unwrap();
    let (st, first) = app.get("/api/v1/analytics/summary").await;
    assert_eq!(st, 200, "{first}");
    assert_eq!(total(&first), leads as i64);

    // One lead fewer: the summary a moment later is still the one just computed...
    sqlx::query(
        "DELETE FROM leads WHERE id = (SELECT id FROM leads WHERE origin = 'inbound' LIMIT 1)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (_, cached) = app.get("/api/v1/analytics/summary").await;
    assert_eq!(total(&cached), leads as i64, "served from the last summary");
    // ...and once it is older than the maximum age, a refresh brings the change in.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (st, now) = app.get("/api/v1/analytics/summary").await;
        assert_eq!(st, 200, "{now}");
        if total(&now) == leads as i64 - 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "summary never refreshed: {now}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // One search's results are always summarised afresh.
    let job: uuid::Uuid = sqlx::query_scalar("SELECT id FROM search_jobs LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let found: i64 = sqlx::query_scalar("SELECT count(*) FROM job_results WHERE job_id = $1")
        .bind(job)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (st, one) = app
        .get(&format!("/api/v1/analytics/summary?job_id={job}"))
        .await;
    assert_eq!(st, 200, "{one}");
    assert_eq!(total(&one), found);
    app.cleanup().await;
}
