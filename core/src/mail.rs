//! The emails the product sends, composed as plain data (subject, text part, HTML part) by pure
//! functions; the worker's mailer turns them into MIME messages and delivers them over SMTP.
//! Every value that came from a website or a user is escaped in the HTML part.

use html_escape::encode_text as esc;
use serde_json::Value;
use uuid::Uuid;

/// A composed email, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Subject line.
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part (same content as the text part).
    pub html: String,
}

/// One lead as the completion email lists it.
#[derive(Debug, Clone)]
pub struct LeadLine {
    /// Lead id, for the link.
    pub lead_id: Uuid,
    /// Company name.
    pub company: String,
    /// Website or domain, when known.
    pub website: Option<String>,
    /// Score 0–100.
    pub score: i32,
}

/// What the search-completed email reports.
#[derive(Debug, Clone)]
pub struct SearchCompleted<'a> {
    /// The search.
    pub job_id: Uuid,
    /// Industry and location as searched (either may be absent).
    pub industry: Option<&'a str>,
    /// Location searched.
    pub location: Option<&'a str>,
    /// The completion summary the status endpoint also shows.
    pub summary: &'a Value,
    /// Best leads first.
    pub top_leads: &'a [LeadLine],
    /// Score from which a lead counts as hot.
    pub hot_threshold: i32,
    /// Public base URL of the API and dashboard, for links; without it the email names paths.
    pub public_url: Option<&'a str>,
}

fn link(base: Option<&str>, path: &str) -> String {
    match base {
        Some(b) => format!("{}{path}", b.trim_end_matches('/')),
        None => path.to_string(),
    }
}

fn count(summary: &Value, key: &str) -> i64 {
    summary.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// The staff notification sent when a search completes: counts, hot leads, links.
pub fn search_completed(s: &SearchCompleted<'_>) -> Email {
    let what = match (s.industry, s.location) {
        (Some(i), Some(l)) => format!("{i} in {l}"),
        (Some(i), None) => i.to_string(),
        (None, Some(l)) => format!("companies in {l}"),
        (None, None) => "companies".to_string(),
    };
    let results = count(s.summary, "results");
    let hot = count(s.summary, "high_quality_leads");
    let subject = format!("Search completed: {what}: {results} leads, {hot} hot");
    let status_url = link(s.public_url, &format!("/api/v1/scrape/status/{}", s.job_id));
    let leads_url = link(s.public_url, &format!("/api/v1/leads?job_id={}", s.job_id));
    let csv_url = link(
        s.public_url,
        &format!("/api/v1/export/csv?job_id={}", s.job_id),
    );
    let facts = [
        ("Companies processed", count(s.summary, "total_processed")),
        ("Leads found", results),
        (
            &*format!("Hot leads (score {} or more)", s.hot_threshold),
            hot,
        ),
        ("Warm leads", count(s.summary, "medium_quality_leads")),
        ("Failed", count(s.summary, "failed")),
        ("Filtered out", count(s.summary, "filtered_out")),
    ]
    .map(|(k, v)| (k.to_string(), v));
    let seconds = s
        .summary
        .get("processing_time_seconds")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);

    let mut text = format!("The search for {what} has completed in {seconds:.1} s.\n\n");
    for (k, v) in &facts {
        text.push_str(&format!("{k}: {v}\n"));
    }
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><p>The search for <strong>{}</strong> has completed in {seconds:.1} s.</p>\
         <table role=\"presentation\">",
        esc(&subject),
        esc(&what)
    );
    for (k, v) in &facts {
        html.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{v}</td></tr>",
            esc(k)
        ));
    }
    html.push_str("</table>");
    if !s.top_leads.is_empty() {
        text.push_str("\nBest leads:\n");
        html.push_str("<h2>Best leads</h2><ol>");
        for l in s.top_leads {
            let url = link(s.public_url, &format!("/api/v1/leads/{}", l.lead_id));
            let site = l.website.as_deref().unwrap_or("no website");
            text.push_str(&format!(
                "- {} ({site}), score {}: {url}\n",
                l.company, l.score
            ));
            html.push_str(&format!(
                "<li><a href=\"{}\">{}</a> ({}), score {}</li>",
                html_escape::encode_double_quoted_attribute(&url),
                esc(&l.company),
                esc(site),
                l.score
            ));
        }
        html.push_str("</ol>");
    }
    text.push_str(&format!(
        "\nStatus: {status_url}\nAll leads: {leads_url}\nCSV export: {csv_url}\n"
    ));
    html.push_str(&format!(
        "<p><a href=\"{}\">Status</a> · <a href=\"{}\">All leads</a> · \
         <a href=\"{}\">CSV export</a></p></body></html>",
        html_escape::encode_double_quoted_attribute(&status_url),
        html_escape::encode_double_quoted_attribute(&leads_url),
        html_escape::encode_double_quoted_attribute(&csv_url),
    ));
    Email {
        subject,
        text,
        html,
    }
}

/// What the inbound-lead emails say about the person.
#[derive(Debug, Clone)]
pub struct InboundLead<'a> {
    /// The lead.
    pub lead_id: Uuid,
    /// First name as given.
    pub first_name: &'a str,
    /// Last name as given.
    pub last_name: &'a str,
    /// Email as given.
    pub email: &'a str,
    /// The résumé's (sanitised) file name.
    pub filename: &'a str,
    /// Whether this person had submitted before (the résumé was added to their lead).
    pub resubmitted: bool,
    /// Public base URL, for the link to the lead.
    pub public_url: Option<&'a str>,
}

/// To the person who submitted the form: we have it, and what happens next.
pub fn inbound_confirmation(l: &InboundLead<'_>, next_steps: &str, sender_name: &str) -> Email {
    let subject = format!("We received your application, {}", l.first_name);
    let text = format!(
        "Hello {},\n\nthank you: we received your details and your résumé ({}).\n\n{}\n\n— {}\n",
        l.first_name, l.filename, next_steps, sender_name
    );
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><p>Hello {},</p><p>thank you: we received your details and your résumé \
         (<code>{}</code>).</p><p>{}</p><p>— {}</p></body></html>",
        esc(&subject),
        esc(l.first_name),
        esc(l.filename),
        esc(next_steps),
        esc(sender_name)
    );
    Email {
        subject,
        text,
        html,
    }
}

/// To the internal team: a new lead (or a new résumé from a known one), with a link to it.
pub fn inbound_staff(l: &InboundLead<'_>) -> Email {
    let name = format!("{} {}", l.first_name, l.last_name);
    let subject = if l.resubmitted {
        format!("Lead resubmitted: {name} sent a new résumé")
    } else {
        format!("New lead: {name}")
    };
    // The lead's page in the dashboard.
    let url = link(l.public_url, &format!("/leads/{}", l.lead_id));
    let intro = if l.resubmitted {
        "An existing lead submitted the form again; the new résumé was added to their lead."
    } else {
        "A new lead submitted the form."
    };
    let text = format!(
        "{intro}\n\nName: {name}\nEmail: {}\nRésumé: {}\nStatus: PENDING\n\nOpen the lead: {url}\n",
        l.email, l.filename
    );
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><p>{}</p><table role=\"presentation\">\
         <tr><th align=\"left\">Name</th><td>{}</td></tr>\
         <tr><th align=\"left\">Email</th><td>{}</td></tr>\
         <tr><th align=\"left\">Résumé</th><td>{}</td></tr>\
         <tr><th align=\"left\">Status</th><td>PENDING</td></tr></table>\
         <p><a href=\"{}\">Open the lead</a></p></body></html>",
        esc(&subject),
        esc(intro),
        esc(&name),
        esc(l.email),
        esc(l.filename),
        html_escape::encode_double_quoted_attribute(&url),
    );
    Email {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn summary() -> Value {
        json!({"total_processed": 12, "results": 10, "high_quality_leads": 3,
               "medium_quality_leads": 5, "failed": 1, "filtered_out": 1,
               "processing_time_seconds": 42.25})
    }

    #[test]
    fn inbound_emails_greet_the_person_and_link_staff_to_the_lead() {
        let l = InboundLead {
            lead_id: Uuid::nil(),
            first_name: "Jane",
            last_name: "<b>Doe</b>",
            email: "jane@example.com",
            filename: "cv.pdf",
            resubmitted: false,
            public_url: Some("https://leads.example.com"),
        };
        let c = inbound_confirmation(&l, "We reply within two working days.", "Acme Hiring");
        assert_eq!(c.subject, "We received your application, Jane");
        assert!(c.text.contains("cv.pdf") && c.text.contains("two working days"));
        let s = inbound_staff(&l);
        assert_eq!(s.subject, "New lead: Jane <b>Doe</b>");
        assert!(
            s.text
                .contains(&format!("https://leads.example.com/leads/{}", Uuid::nil()))
        );
        assert!(s.html.contains("&lt;b&gt;Doe&lt;/b&gt;") && !s.html.contains("<b>Doe"));
        let again = inbound_staff(&InboundLead {
            resubmitted: true,
            ..l
        });
        assert!(again.subject.starts_with("Lead resubmitted"));
    }

    #[test]
    fn completed_email_reports_counts_and_links_best_leads() {
        let job_id = Uuid::nil();
        let leads = [LeadLine {
            lead_id: Uuid::nil(),
            company: "Acme <Dental> & Co".into(),
            website: Some("https://acme.test/".into()),
            score: 88,
        }];
        let summary = summary();
        let e = search_completed(&SearchCompleted {
            job_id,
            industry: Some("dentists"),
            location: Some("Austin, TX"),
            summary: &summary,
            top_leads: &leads,
            hot_threshold: 70,
            public_url: Some("https://leads.example.com/"),
        });
        assert_eq!(
            e.subject,
            "Search completed: dentists in Austin, TX: 10 leads, 3 hot"
        );
        assert!(e.text.contains("Companies processed: 12"));
        assert!(e.text.contains("Hot leads (score 70 or more): 3"));
        assert!(
            e.text
                .contains("Acme <Dental> & Co (https://acme.test/), score 88")
        );
        assert!(e.text.contains(&format!(
            "https://leads.example.com/api/v1/leads/{}",
            Uuid::nil()
        )));
        assert!(e.text.contains("completed in 42.2 s") || e.text.contains("completed in 42.3 s"));
        // Site-provided text is escaped in the HTML part, never interpreted.
        assert!(e.html.contains("Acme &lt;Dental&gt; &amp; Co"));
        assert!(!e.html.contains("<Dental>"));
    }

    #[test]
    fn without_public_url_links_are_paths() {
        let summary = summary();
        let e = search_completed(&SearchCompleted {
            job_id: Uuid::nil(),
            industry: None,
            location: None,
            summary: &summary,
            top_leads: &[],
            hot_threshold: 70,
            public_url: None,
        });
        assert!(e.subject.starts_with("Search completed: companies:"));
        assert!(
            e.text
                .contains(&format!("Status: /api/v1/scrape/status/{}", Uuid::nil()))
        );
        assert!(!e.text.contains("Best leads"));
    }
}
