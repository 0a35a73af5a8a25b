//! Inbound leads end to end: the public form with a résumé (checked by content, size-capped
//! while streaming, scanned by a real clamd, sealed in storage), the confirmation and staff
//! emails through a real SMTP server, and staff working leads of every origin.

mod common;

use common::{Clamd, EICAR, STAFF_EMAIL, SmtpSink, Spawn, TestApp, bearer_client};
use serde_json::{Value, json};
use std::io::Write;
use std::time::Duration;

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Title ({text}) >> endobj\ntrailer << >>\n%%EOF\n").into_bytes()
}

fn docx(document: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("[Content_Types].xml", opts).unwrap();
    w.write_all(b"<Types/>").unwrap();
    w.start_file("word/document.xml", opts).unwrap();
    w.write_all(document).unwrap();
    w.finish().unwrap().into_inner()
}

fn person(
    first: &'static str,
    last: &'static str,
    email: &'static str,
) -> Vec<(&'static str, &'static str)> {
    vec![("first_name", first), ("last_name", last), ("email", email)]
}

/// Every file under `dir`, recursively.
fn stored_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(stored_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

async fn inbound_leads(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = app
        .get(&format!("/api/v1/leads?origin=inbound{query}"))
        .await;
    assert_eq!(status, 200, "{body}");
    body["leads"].as_array().unwrap().clone()
}

fn message_to(messages: &[Vec<u8>], to: &str) -> mail_parser::Message<'static> {
    let raw = messages
        .iter()
        .find(|m| {
            let parsed = mail_parser::MessageParser::default().parse(m).unwrap();
            parsed
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .is_some_and(|a| a.eq_ignore_ascii_case(to))
        })
        .unwrap_or_else(|| panic!("no email to {to}"))
        .clone();
    mail_parser::MessageParser::default()
        .parse(Box::leak(raw.into_boxed_slice()))
        .unwrap()
}

#[tokio::test]
async fn a_submitted_form_becomes_a_pending_lead_with_its_resume_and_both_emails() {
    let sink = SmtpSink::start(SmtpSink::free_port()).await;
    let app = TestApp::spawn_with(Spawn {
        smtp_url: Some(sink.url()),
        configure: Some(|cfg| cfg.public_url = Some("https://leads.example.com".into())),
        ..Default::default()
    })
    .await;
    let resume = pdf("Jane Doe, platform engineer");
    let (status, body) = app
        .submit_form(
            &person("Jane", "Doe", "Jane.Doe@Example.com"),
            Some(("../../My CV*.pdf", resume.clone())),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "received");

    let leads = inbound_leads(&app, "&q=jane").await;
    assert_eq!(leads.len(), 1);
    let lead = &leads[0];
    assert_eq!(lead["status"], "PENDING");
    assert_eq!(lead["origin"], "inbound");
    assert_eq!(lead["inbound"]["email"], "jane.doe@example.com");
    let id = lead["lead_id"].as_str().unwrap();
    let (_, detail) = app.get(&format!("/api/v1/leads/{id}")).await;
    let file = &detail["files"][0];
    assert_eq!(file["kind"], "pdf");
    assert_eq!(file["filename"], "My CV.pdf");
    assert_eq!(file["scan_result"], "not_scanned");
    assert_eq!(file["size_bytes"], resume.len());

    // Stored sealed: nothing of the file is readable on disk.
    let on_disk = stored_files(&app.files_dir);
    assert_eq!(on_disk.len(), 1);
    let sealed = std::fs::read(&on_disk[0]).unwrap();
    assert!(!sealed.windows(8).any(|w| w == b"Jane Doe"));
    assert!(!sealed.starts_with(b"%PDF"));

    // Staff download it as an attachment, exactly as sent; anonymous callers cannot.
    let url = app.url(file["download_url"].as_str().unwrap());
    let r = app.http.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"My CV.pdf\""
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), resume.as_slice());
    assert_eq!(
        app.anon.get(&url).send().await.unwrap().status().as_u16(),
        401
    );

    // The person is thanked; staff are told, with a link to the lead.
    let messages = sink.wait_for(2, Duration::from_secs(30)).await;
    let thanks = message_to(&messages, "jane.doe@example.com");
    assert_eq!(thanks.subject(), Some("We received your application, Jane"));
    assert!(thanks.body_text(0).unwrap().contains("My CV.pdf"));
    assert!(thanks.body_html(0).is_some());
    let staff = message_to(&messages, STAFF_EMAIL);
    assert_eq!(staff.subject(), Some("New lead: Jane Doe"));
    let text = staff.body_text(0).unwrap();
    // The link opens the lead in the dashboard.
    assert!(
        text.contains(&format!("https://leads.example.com/leads/{id}")),
        "{text}"
    );
    assert!(text.contains("jane.doe@example.com"));

    // The same person again (another case, a DOCX): the same lead, a second résumé, staff told.
    let (status, _) = app
        .submit_form(
            &person("Jane", "Doe", "JANE.DOE@example.com"),
            Some(("cv.docx", docx(b"<w:document>Jane Doe</w:document>"))),
        )
        .await;
    assert_eq!(status, 201);
    let leads = inbound_leads(&app, "").await;
    assert_eq!(leads.len(), 1);
    let (_, detail) = app.get(&format!("/api/v1/leads/{id}")).await;
    assert_eq!(detail["files"].as_array().unwrap().len(), 2);
    assert_eq!(detail["files"][1]["kind"], "docx");
    let messages = sink.wait_for(4, Duration::from_secs(30)).await;
    let subjects: Vec<String> = messages
        .iter()
        .map(|m| {
            mail_parser::MessageParser::default()
                .parse(m)
                .unwrap()
                .subject()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(
        subjects
            .iter()
            .any(|s| s == "Lead resubmitted: Jane Doe sent a new résumé"),
        "{subjects:?}"
    );

    // Submissions and downloads are audited.
    let (_, audit) = app.get("/api/v1/audit?action=lead.inbound").await;
    assert_eq!(audit["entries"].as_array().unwrap().len(), 2);
    assert_eq!(audit["entries"][0]["detail"]["resubmission"], true);
    let (_, audit) = app.get("/api/v1/audit?action=lead.file_download").await;
    assert_eq!(audit["entries"][0]["actor_label"], common::ADMIN_EMAIL);
    app.cleanup().await;
}

#[tokio::test]
async fn bad_submissions_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    let fields = |body: &Value| -> Vec<String> {
        body["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap().to_string())
            .collect()
    };
    // A form sent with every field blank.
    let (status, body) = app
        .submit_form(
            &[("first_name", " "), ("last_name", ""), ("email", "")],
            None,
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        fields(&body),
        ["first_name", "last_name", "email", "resume"]
    );

    let (status, body) = app
        .submit_form(
            &person("Jane", "Doe", "not-an-email"),
            Some(("cv.pdf", pdf("x"))),
        )
        .await;
    assert_eq!(
        (status, fields(&body)),
        (422, vec!["email".to_string()]),
        "{body}"
    );

    // Judged by content: a text file named .pdf, a zip that is not Word, a zip bomb.
    for (name, bytes, reason) in [
        (
            "cv.pdf",
            b"Jane Doe\nEngineer\n".to_vec(),
            "not a PDF, DOC or DOCX",
        ),
        (
            "cv.exe",
            vec![0x4d, 0x5a, 0x90, 0x00, 0x03],
            "not a PDF, DOC or DOCX",
        ),
        ("cv.docx", docx(&vec![b' '; 80 * 1024 * 1024]), "zip bomb"),
    ] {
        let (status, body) = app
            .submit_form(
                &person("Jane", "Doe", "jane@example.com"),
                Some((name, bytes)),
            )
            .await;
        assert_eq!(status, 422, "{name}: {body}");
        assert_eq!(body["error"]["details"][0]["field"], "resume");
        assert!(
            body["error"]["details"][0]["message"]
                .as_str()
                .unwrap()
                .contains(reason),
            "{body}"
        );
    }

    // Over 5 MB: 413 naming the résumé.
    let mut big = pdf("big");
    big.splice(10..10, vec![b' '; 5 * 1024 * 1024]);
    let (status, body) = app
        .submit_form(
            &person("Jane", "Doe", "jane@example.com"),
            Some(("cv.pdf", big)),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "resume");

    // A huge streamed upload is cut off without being read to the end.
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = sent.clone();
    let chunks = futures::stream::iter(0..800).map(move |i| {
        let chunk = if i == 0 {
            b"--XyZ\r\nContent-Disposition: form-data; name=\"resume\"; filename=\"cv.pdf\"\r\n\r\n%PDF-1.4\n"
                .to_vec()
        } else {
            vec![b' '; 64 * 1024]
        };
        counter.fetch_add(chunk.len(), std::sync::atomic::Ordering::Relaxed);
        Ok::<_, std::io::Error>(chunk)
    });
    let r = app
        .anon
        .post(app.url("/api/v1/leads"))
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status().as_u16(), 413);
    }
    let total = 800 * 64 * 1024;
    assert!(
        sent.load(std::sync::atomic::Ordering::Relaxed) < total / 2,
        "the server read {} of {total} bytes",
        sent.load(std::sync::atomic::Ordering::Relaxed)
    );

    let leads: i64 = sqlx::query_scalar("SELECT count(*) FROM leads")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let emails: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!((leads, emails), (0, 0));
    assert!(stored_files(&app.files_dir).is_empty());
    app.cleanup().await;
}

use futures::StreamExt;

#[tokio::test]
async fn malware_is_refused_and_an_unreachable_scanner_accepts_nothing() {
    let mut clamd = Clamd::start().await;
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        clamav: Some(clamd.url.clone()),
        ..Default::default()
    })
    .await;
    let mut infected = pdf("x");
    infected.splice(20..20, EICAR.iter().copied());
    let (status, body) = app
        .submit_form(
            &person("Eve", "Mallory", "eve@example.com"),
            Some(("cv.pdf", infected)),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "resume");
    assert!(
        body["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Eicar-Test-Signature"),
        "{body}"
    );
    let (status, _) = app
        .submit_form(
            &person("Ann", "Lee", "ann@example.com"),
            Some(("cv.pdf", pdf("Ann Lee"))),
        )
        .await;
    assert_eq!(status, 201);
    let leads = inbound_leads(&app, "").await;
    assert_eq!(leads.len(), 1, "only the clean one");
    let (_, detail) = app
        .get(&format!(
            "/api/v1/leads/{}",
            leads[0]["lead_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(detail["files"][0]["scan_result"], "clean");

    // Scanner configured but down: refused with 503, never stored unscanned.
    clamd.stop();
    let (status, body) = app
        .submit_form(
            &person("Bob", "Stone", "bob@example.com"),
            Some(("cv.pdf", pdf("Bob"))),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "service_unavailable");
    assert_eq!(inbound_leads(&app, "").await.len(), 1);
    assert_eq!(stored_files(&app.files_dir).len(), 1);
    app.cleanup().await;
}

#[tokio::test]
async fn staff_filter_search_sort_and_work_leads_without_losing_changes() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    for (first, last, email) in [
        ("Ann", "Lee", "ann@example.com"),
        ("Bob", "Stone", "bob@example.com"),
        ("Cara", "Diaz", "cara@example.org"),
    ] {
        let (status, _) = app
            .submit_form(&person(first, last, email), Some(("cv.pdf", pdf(first))))
            .await;
        assert_eq!(status, 201);
    }
    let names = |leads: &[Value]| -> Vec<String> {
        leads
            .iter()
            .map(|l| l["inbound"]["last_name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(inbound_leads(&app, "&q=STONE").await.len(), 1);
    assert_eq!(
        names(&inbound_leads(&app, "&q=example.org").await),
        ["Diaz"]
    );
    assert_eq!(
        names(&inbound_leads(&app, "&sort=name&order=asc").await),
        ["Diaz", "Lee", "Stone"]
    );
    assert_eq!(
        names(&inbound_leads(&app, "&sort=created&order=desc").await),
        ["Diaz", "Stone", "Lee"]
    );
    assert!(
        inbound_leads(&app, "&q=%25").await.is_empty(),
        "LIKE wildcards are literal"
    );
    let (status, body) = app.get("/api/v1/leads?origin=discovered").await;
    assert_eq!((status, body["leads"].as_array().unwrap().len()), (200, 0));

    // An agent reaches out to Bob and takes the lead.
    let agent_email = {
        let (email, password) = app.create_user("agent").await;
        let token = app.sign_in(&email, &password).await;
        (email, token)
    };
    let agent = bearer_client(agent_email.1["access_token"].as_str().unwrap());
    let agent_id = agent_email.1["user"]["id"].as_str().unwrap().to_string();
    let bob = inbound_leads(&app, "&q=stone").await[0].clone();
    let id = bob["lead_id"].as_str().unwrap();
    assert_eq!(bob["version"], 1);
    let patch = |client: &reqwest::Client, body: Value| {
        client
            .patch(app.url(&format!("/api/v1/leads/{id}")))
            .json(&body)
            .send()
    };
    let r = patch(
        &agent,
        json!({ "version": 1, "status": "REACHED_OUT", "assignee_id": agent_id, "notes": "Called, left a message" }),
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["status"], "REACHED_OUT");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["assignee"]["email"], agent_email.0.as_str());

    // A second change based on the old version is refused, and nothing of it applies.
    let r = patch(&app.http, json!({ "version": 1, "status": "DISQUALIFIED" }))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    let (_, detail) = app.get(&format!("/api/v1/leads/{id}")).await;
    assert_eq!(detail["status"], "REACHED_OUT");
    assert_eq!(detail["notes"], "Called, left a message");

    // Viewers cannot work leads; leads cannot go to someone who cannot work them.
    let viewer = app.client_as("viewer").await;
    let r = patch(&viewer, json!({ "version": 2, "status": "QUALIFIED" }))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let (viewer_email, _) = app.create_user("viewer").await;
    let (_, users) = app.get("/api/v1/users").await;
    let viewer_id = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == viewer_email.as_str())
        .unwrap()["id"]
        .clone();
    let r = patch(&app.http, json!({ "version": 2, "assignee_id": viewer_id }))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let r = patch(&app.http, json!({ "version": 2, "status": "WON" }))
        .await
        .unwrap();
    assert!([400, 422].contains(&r.status().as_u16()));

    // Filters by status and assignee, and the status is searchable.
    assert_eq!(
        names(&inbound_leads(&app, "&status=REACHED_OUT").await),
        ["Stone"]
    );
    assert_eq!(
        names(&inbound_leads(&app, &format!("&assignee_id={agent_id}")).await),
        ["Stone"]
    );
    assert_eq!(names(&inbound_leads(&app, "&q=reached").await), ["Stone"]);
    assert_eq!(inbound_leads(&app, "&status=PENDING").await.len(), 2);

    // Unassigning with null.
    let r = patch(&app.http, json!({ "version": 2, "assignee_id": null }))
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert!(body["assignee"].is_null(), "{body}");

    // The CSV export takes the same filters: the list staff look at is the list they export.
    let csv = app.get_text("/api/v1/export/csv?origin=inbound&status=PENDING&sort=name&order=asc&fields=company_name,contact_email,status").await;
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "company_name,contact_email,status",
            "Cara Diaz,cara@example.org,PENDING",
            "Ann Lee,ann@example.com,PENDING"
        ],
        "{csv}"
    );

    let (_, audit) = app.get("/api/v1/audit?action=lead.update").await;
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["detail"]["status"]["from"], "PENDING");
    assert_eq!(entries[1]["detail"]["status"]["to"], "REACHED_OUT");
    assert_eq!(entries[1]["actor_label"], agent_email.0.as_str());
    app.cleanup().await;
}

#[tokio::test]
async fn without_an_smtp_server_the_emails_are_written_to_the_mail_folder() {
    let app = TestApp::spawn_with(Spawn {
        configure: Some(|cfg| cfg.mail.notify_to = vec![STAFF_EMAIL.into()]),
        ..Default::default()
    })
    .await;
    let (status, _) = app
        .submit_form(
            &person("Ann", "Lee", "ann@example.com"),
            Some(("cv.pdf", pdf("Ann"))),
        )
        .await;
    assert_eq!(status, 201);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let files = loop {
        let files = stored_files(&app.mail_dir);
        if files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "eml"))
            .count()
            >= 2
        {
            break files;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "emails not written: {files:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let all: String = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "eml"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(all.contains("To: ann@example.com"), "{all}");
    assert!(all.contains(&format!("To: {STAFF_EMAIL}")));
    // Each is marked sent right after it is written.
    loop {
        let sent: i64 =
            sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE status = 'sent'")
                .fetch_one(&app.pool)
                .await
                .unwrap();
        if sent == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{sent} of 2 marked sent"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.cleanup().await;
}
