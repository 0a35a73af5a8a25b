//! The pages in real headless Chromium: a person applies through the public form with a
//! résumé; a staff member signs in, finds the lead, opens it, downloads nothing by accident,
//! and changes its status. axe-core checks every page (WCAG 2.1 A and AA) and each step keeps a
//! screenshot.

mod common;

use common::{Browser, Spawn, TestApp};
use fantoccini::Locator;
use serde_json::Value;

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Title ({text}) >> endobj\ntrailer << >>\n%%EOF\n").into_bytes()
}

async fn fill(b: &Browser, id: &str, value: &str) {
    let field = b.client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Waits until the element `css` shows `needle` (a click that navigates returns before the
/// next page is there), then returns its text.
async fn expect_text(b: &Browser, css: &str, needle: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let text = match b.client.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never showed {needle:?} (last: {text:?}) at {:?}",
            b.client.current_url().await.map(|u| u.to_string())
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits until the browser is on `path`.
async fn expect_path(b: &Browser, path: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = b.client.current_url().await.unwrap();
        if now.path() == path {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "stayed on {now}, not {path}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_person_applies_and_staff_work_the_lead_in_the_browser() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    let b = Browser::start("apply_and_work").await;

    // The public form, first sent empty: an error summary linked to each field.
    b.client.goto(&app.url("/apply")).await.unwrap();
    b.assert_accessible("/apply").await;
    b.screenshot("1-apply").await;
    b.client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = expect_text(&b, ".error-summary", "Résumé").await;
    for field in ["First name", "Last name", "Email", "Résumé"] {
        assert!(summary.contains(field), "{summary}");
    }
    let invalid = b
        .client
        .find(Locator::Css("#email[aria-invalid=true]"))
        .await;
    assert!(invalid.is_ok(), "the email field is marked invalid");
    b.assert_accessible("/apply with errors").await;
    b.screenshot("2-apply-errors").await;

    // Then properly, with a résumé from disk.
    let dir = std::env::temp_dir().join(format!("leadgen-upload-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let resume = dir.join("Jane Doe CV.pdf");
    std::fs::write(&resume, pdf("Jane Doe")).unwrap();
    fill(&b, "first_name", "Jane").await;
    fill(&b, "last_name", "Doe").await;
    fill(&b, "email", "jane.doe@example.com").await;
    b.client
        .find(Locator::Id("resume"))
        .await
        .unwrap()
        .send_keys(resume.to_str().unwrap())
        .await
        .unwrap();
    b.client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, "h1", "Thank you, Jane").await;
    b.assert_accessible("application received").await;
    b.screenshot("3-applied").await;

    // Staff: the dashboard asks to sign in first, then comes back.
    let (email, password) = app.create_user("agent").await;
    b.client.goto(&app.url("/")).await.unwrap();
    assert!(
        b.client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/login")
    );
    b.assert_accessible("/login").await;
    b.screenshot("4-sign-in").await;
    fill(&b, "email", &email).await;
    fill(&b, "password", "not the password").await;
    b.client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, ".error-summary", "not correct").await;
    fill(&b, "password", &password).await;
    b.client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_path(&b, "/leads").await;
    b.assert_accessible("/leads").await;
    b.screenshot("5-leads").await;

    // Search, open the lead, see the résumé, change the status.
    fill(&b, "q", "jane").await;
    b.client
        .find(Locator::Css("form.filters button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, "p[role=status]", "1 leads").await;
    b.client
        .find(Locator::LinkText("Jane Doe"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, "h1", "Jane Doe").await;
    expect_text(&b, "main", "Jane Doe CV.pdf").await;
    b.assert_accessible("/leads/{id}").await;
    b.screenshot("6-lead").await;
    b.client
        .find(Locator::Css("#status option[value=REACHED_OUT]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&b, "notes", "Called on Monday").await;
    b.client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, ".notice", "Saved").await;
    b.screenshot("7-saved").await;

    let (_, leads) = app.get("/api/v1/leads?origin=inbound").await;
    let lead: &Value = &leads["leads"][0];
    assert_eq!(lead["status"], "REACHED_OUT");
    assert_eq!(lead["version"], 2);
    // The change is in the lead's history on its page.
    expect_text(&b, "main", "status pending → reached out").await;
    b.assert_accessible("/leads/{id} after saving").await;

    // Bulk: select the lead in the list and qualify it.
    b.client
        .goto(&app.url("/leads?origin=inbound"))
        .await
        .unwrap();
    expect_text(&b, "p[role=status]", "1 leads").await;
    b.client
        .find(Locator::Css("input[name=lead]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .find(Locator::Css("#bulk-status option[value=QUALIFIED]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .find(Locator::XPath(
            "//button[normalize-space()='Change status']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, ".notice", "Status changed for 1 leads").await;
    b.screenshot("8-bulk").await;
    let (_, leads) = app.get("/api/v1/leads?origin=inbound").await;
    assert_eq!(leads["leads"][0]["status"], "QUALIFIED");
    let (_, audit) = app.get("/api/v1/audit?action=lead.update").await;
    assert_eq!(audit["entries"][0]["actor_label"], email.as_str());

    // Signing out ends the session: the dashboard asks to sign in again.
    b.client
        .find(Locator::Css("header form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client.goto(&app.url("/leads")).await.unwrap();
    assert!(
        b.client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/login")
    );
    b.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    app.cleanup().await;
}

#[tokio::test]
async fn the_public_form_carries_the_configured_branding() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        configure: Some(|cfg| {
            cfg.intake.form.brand = "Acme <Careers>".into();
            cfg.intake.form.title = "Join Acme".into();
            cfg.intake.form.intro = "We hire engineers & designers.".into();
        }),
        ..Default::default()
    })
    .await;
    let r = app.anon.get(app.url("/apply")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<title>Join Acme · Acme &lt;Careers&gt;</title>"),
        "{html}"
    );
    assert!(html.contains("<h1>Join Acme</h1>"));
    assert!(html.contains("We hire engineers &amp; designers."));
    assert!(html.len() < 200 * 1024);
    app.cleanup().await;
}

/// The text of the page's main content, or nothing while a page is loading.
async fn page_text(b: &Browser) -> String {
    match b.client.find(Locator::Css("main")).await {
        Ok(el) => el.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Signs in through the sign-in page.
async fn sign_in_page(b: &Browser, app: &TestApp, email: &str, password: &str) {
    b.client.goto(&app.url("/login")).await.unwrap();
    fill(b, "email", email).await;
    fill(b, "password", password).await;
    b.client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_path(b, "/leads").await;
}

#[tokio::test]
async fn a_manager_starts_a_search_and_watches_it_complete_live() {
    let app = TestApp::spawn_with(Spawn {
        companies: 60,
        ..Default::default()
    })
    .await;
    let (industry, city, _) = common::busiest_segment(&app);
    let (email, password) = app.create_user("manager").await;
    let b = Browser::start("search_live").await;
    sign_in_page(&b, &app, &email, &password).await;
    b.client
        .find(Locator::LinkText("New search"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, "h1", "New search").await;
    b.assert_accessible("/searches").await;

    // Missing criteria are named, next to their fields.
    b.client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = expect_text(&b, ".error-summary", "Industry").await;
    assert!(summary.contains("Location"), "{summary}");
    b.assert_accessible("/searches with errors").await;

    fill(&b, "industry", &industry).await;
    fill(&b, "location", &city).await;
    fill(&b, "max_results", "5").await;
    b.client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, "h1", "Search:").await;
    b.screenshot("1-started").await;
    // The script is connected to the live feed (or the search is already over).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let live = match b.client.find(Locator::Css("[data-job]")).await {
            Ok(el) => el.attr("data-live").await.unwrap_or(None),
            Err(_) => None,
        };
        let text = page_text(&b).await;
        if live.is_some() || text.contains("completed") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the live feed never connected"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // It completes by itself: the page reloads with the final state.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let text = page_text(&b).await;
        if text.contains("Status\ncompleted") || text.contains("Status completed") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the search did not complete: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let rows = b
        .client
        .find_all(Locator::Css("[data-field=leads] tr"))
        .await
        .unwrap();
    assert!(
        !rows.is_empty() && rows.len() <= 5,
        "{} leads: {}",
        rows.len(),
        page_text(&b).await
    );
    b.assert_accessible("/searches/{id}").await;
    b.screenshot("2-completed").await;

    // The CSV with the columns picked in the page's form (fetched with the page's session).
    let boxes = b
        .client
        .find_all(Locator::Css("input[name=field]"))
        .await
        .unwrap();
    assert!(boxes.len() >= 20, "{} column choices", boxes.len());
    let cookies = b.client.get_all_cookies().await.unwrap();
    let cookie_header = cookies
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let csv_url = format!(
        "{}/export.csv?field=company_name&field=lead_score",
        b.client.current_url().await.unwrap()
    );
    let csv = app
        .anon
        .get(&csv_url)
        .header("cookie", cookie_header)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "company_name,lead_score");
    assert_eq!(lines.len() - 1, rows.len(), "{text}");

    // A discovered lead's page: contacts, the score explained, intelligence, sources.
    let search_page = b.client.current_url().await.unwrap().to_string();
    b.client
        .find(Locator::Css("[data-field=leads] a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, "main", "Why this score").await;
    expect_text(&b, "main", "Where the data comes from").await;
    b.assert_accessible("a discovered lead").await;
    b.screenshot("3-discovered-lead").await;

    // On a 768 px tablet the list fits the screen without sideways scrolling.
    b.client.set_window_size(768, 1024).await.unwrap();
    b.client.goto(&app.url("/leads")).await.unwrap();
    expect_text(&b, "h1", "Leads").await;
    let overflow = b
        .client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "{overflow} px wider than the screen"
    );
    b.assert_accessible("/leads at 768 px").await;
    b.screenshot("4-tablet").await;
    b.client.set_window_size(1280, 900).await.unwrap();
    b.client.goto(&search_page).await.unwrap();

    // Its analytics, as charts with their numbers.
    let job = b
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    b.client
        .goto(&app.url(&format!("/analytics?job_id={job}")))
        .await
        .unwrap();
    expect_text(&b, "h1", "Analytics of one search").await;
    let charts = b
        .client
        .find_all(Locator::Css("figure.chart svg[role=img]"))
        .await
        .unwrap();
    assert!(charts.len() >= 4, "{} charts", charts.len());
    let label = charts[0]
        .attr("aria-label")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(label.starts_with("Lead quality: Hot:"), "{label}");
    b.assert_accessible("/analytics").await;
    b.screenshot("5-analytics").await;
    b.close().await;
    app.cleanup().await;
}

#[tokio::test]
async fn an_admin_manages_users_and_api_keys_in_the_browser() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    let b = Browser::start("admin").await;
    sign_in_page(&b, &app, common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    b.client
        .find(Locator::LinkText("Users"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, "h1", "Users").await;
    b.assert_accessible("/admin/users").await;

    // The warning before the idle timeout: due 25 of the 30 minutes in; brought forward here.
    let due = b
        .client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .attr("data-warn-in-ms")
        .await
        .unwrap();
    assert_eq!(due.as_deref(), Some("1500000"));
    b.client
        .execute(
            "document.body.dataset.warnInMs = '200'; \
             window.dispatchEvent(new Event('leadgen:reschedule')); return true;",
            vec![],
        )
        .await
        .unwrap();
    b.client
        .wait()
        .at_most(std::time::Duration::from_secs(5))
        .for_element(Locator::Css("dialog#idle-warning[open]"))
        .await
        .expect("the warning opens");
    let focused = b
        .client
        .execute("return document.activeElement.textContent;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, serde_json::json!("Stay signed in"));
    b.assert_accessible("idle warning").await;
    b.screenshot("0-idle-warning").await;
    b.client
        .execute(
            "document.body.dataset.warnInMs = '1500000'; return true;",
            vec![],
        )
        .await
        .unwrap();
    b.client
        .find(Locator::Css("dialog#idle-warning button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while b
        .client
        .find(Locator::Css("dialog#idle-warning[open]"))
        .await
        .is_ok()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the warning stays open"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    fill(&b, "email", "new.agent@leadgen.test").await;
    fill(&b, "display_name", "New Agent").await;
    b.client
        .find(Locator::XPath("//button[normalize-space()='Add user']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let notice = expect_text(&b, ".notice", "shown this once").await;
    let password = notice.rsplit(": ").next().unwrap().trim().to_string();
    app.sign_in("new.agent@leadgen.test", &password).await;
    b.screenshot("1-user-added").await;

    // Demote the new user to viewer from their row.
    let (_, users) = app.get("/api/v1/users").await;
    let id = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "new.agent@leadgen.test")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    b.client
        .find(Locator::Css(&format!("#role-{id} option[value=viewer]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .find(Locator::Css(&format!(
            "form[action='/admin/users/{id}'] button"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, "h1", "Users").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, user) = app.get(&format!("/api/v1/users/{id}")).await;
        if user["role"] == "viewer" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{user}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // A key, shown once, then revoked.
    b.client
        .find(Locator::LinkText("API keys"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, "h1", "API keys").await;
    b.assert_accessible("/admin/api-keys").await;
    fill(&b, "name", "CRM sync").await;
    b.client
        .find(Locator::XPath("//button[normalize-space()='Create key']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let notice = expect_text(&b, ".notice", "lgk_").await;
    let key = notice.rsplit(": ").next().unwrap().trim().to_string();
    let me = common::bearer_client(&key)
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    b.screenshot("2-key-created").await;
    b.client
        .find(Locator::XPath(
            "//button[starts-with(normalize-space(), 'Revoke')]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&b, "main", "revoked").await;
    let me = common::bearer_client(&key)
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 401);
    b.close().await;
    app.cleanup().await;
}

#[tokio::test]
async fn the_public_form_works_with_the_keyboard_alone() {
    use fantoccini::actions::InputSource;
    use fantoccini::key::Key;
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    let b = Browser::start("keyboard").await;
    b.client.goto(&app.url("/apply")).await.unwrap();
    let focused = |b: &Browser| {
        let c = b.client.clone();
        async move {
            c.execute(
                "const e = document.activeElement; return (e.id || e.className || e.tagName) + '|' + e.textContent.trim();",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or("")
            .to_string()
        }
    };
    // Keys pressed on the keyboard, wherever the focus is.
    let press = |b: &Browser, key: Key| {
        let c = b.client.clone();
        async move {
            let k: char = key.into();
            let actions = fantoccini::actions::KeyActions::new("keyboard".into())
                .then(fantoccini::actions::KeyAction::Down { value: k })
                .then(fantoccini::actions::KeyAction::Up { value: k });
            c.perform_actions(actions).await.unwrap();
        }
    };
    // The first Tab reaches the skip link, which jumps to the content.
    press(&b, Key::Tab).await;
    assert_eq!(focused(&b).await, "skip|Skip to content");
    press(&b, Key::Enter).await;
    assert!(focused(&b).await.starts_with("main|"));
    // Then the fields in reading order, each typed into, and the button pressed with Enter.
    let mut seen = Vec::new();
    for value in ["Kim", "Park", "kim.park@example.com"] {
        press(&b, Key::Tab).await;
        seen.push(focused(&b).await.split('|').next().unwrap().to_string());
        b.client
            .active_element()
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    assert_eq!(seen, ["first_name", "last_name", "email"]);
    press(&b, Key::Tab).await;
    assert!(focused(&b).await.starts_with("resume|"));
    let dir = std::env::temp_dir().join(format!("leadgen-kbd-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let resume = dir.join("cv.pdf");
    std::fs::write(&resume, pdf("Kim Park")).unwrap();
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys(resume.to_str().unwrap())
        .await
        .unwrap();
    press(&b, Key::Tab).await;
    assert_eq!(focused(&b).await, "BUTTON|Send application");
    press(&b, Key::Enter).await;
    expect_text(&b, "h1", "Thank you, Kim").await;
    b.screenshot("applied-by-keyboard").await;
    b.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    app.cleanup().await;
}
