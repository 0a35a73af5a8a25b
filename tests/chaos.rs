//! The chaos run at small scale: a search over every site of a 100-company sample web, worked by
//! two `leadgen worker` processes while one of them is SIGKILLed and replaced every 4 s, with a
//! rolling restart (each worker replaced, then stopped with SIGTERM) 10 s in. Every
//! search completes, no queue task is lost, every failure carries its reason, nothing is stored
//! twice, and each kill's tasks are handed back and finished by the others.
//! (`cargo bench --bench chaos` is the same run at full scale, with a database restart.)

use leadgen::chaos::{self, ChaosDatabase, ChaosPlan};
use std::path::Path;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_killed_every_few_seconds_lose_no_task_and_store_nothing_twice() {
    let plan = ChaosPlan {
        companies: 100,
        seed: 11,
        workers: 2,
        kill_every: Duration::from_secs(4),
        host_delay: Duration::from_millis(100),
        restart: None,
        rolling_restart_at: Some(Duration::from_secs(10)),
        deadline: Duration::from_secs(300),
    };
    let server = std::env::var("LEADGEN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let report = chaos::run(
        &plan,
        Path::new(env!("CARGO_BIN_EXE_leadgen")),
        ChaosDatabase::Server(server),
    )
    .await
    .expect("the chaos run");
    eprintln!("{}", report.render());
    assert!(report.violations.is_empty(), "{}", report.render());
    assert!(report.kills.len() >= 2, "{}", report.render());
    // Finished tasks logged lines, each naming its task and its search or company (checked
    // line by line by the run).
    assert!(
        report.task_log_lines as i64 >= 4 * report.companies,
        "{}",
        report.render()
    );
    // The rolling restart stopped both workers with SIGTERM, each cleanly (nothing left held).
    assert_eq!(report.rolling.len(), 2, "{}", report.render());
    assert!(
        report.kills.iter().any(|k| k.running > 0),
        "no kill caught a worker in the middle of a task: {}",
        report.render()
    );
    for k in &report.kills {
        // Three missed 5 s heartbeats, then the next sweep.
        let released = k
            .released_after
            .expect("every killed worker's tasks handed back");
        assert!(released < Duration::from_secs(40), "{}", report.render());
        assert!(k.finished_after.is_some(), "{}", report.render());
    }
    // Every site's company went through fetch, extract, enrich, score and merge.
    assert!(report.companies >= 80, "{}", report.render());
    assert!(
        report.tasks() >= 5 * report.companies,
        "{}",
        report.render()
    );
    assert_eq!(
        report.leads + report.companies_failed,
        report.companies,
        "{}",
        report.render()
    );
}
