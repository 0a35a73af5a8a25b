//! `/analytics`: the seed's summary as charts (server-drawn SVG bars, each with a caption, a
//! text alternative and its numbers in a table), for all leads or one search (`?job_id=`).

use super::layout::page;
use super::session;
use crate::auth::client::ClientInfo;
use crate::state::AppState;
use leadgen_core::access::Permission;
use leadgen_core::repo::leads;
use maud::{Markup, html};
use poem::web::cookie::CookieJar;
use poem::web::{Data, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

/// The page's query.
#[derive(Debug, Default, Deserialize)]
pub struct AnalyticsQuery {
    job_id: Option<Uuid>,
}

/// A horizontal bar chart of `(label, value)` pairs, with its numbers in a table too.
fn bars(id: &str, caption: &str, unit: &str, data: &[(String, f64)]) -> Markup {
    let max = data
        .iter()
        .map(|(_, v)| *v)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let row_h = 28.0;
    let height = (data.len() as f64 * row_h).max(row_h);
    let summary = data
        .iter()
        .map(|(l, v)| format!("{l}: {v}{unit}"))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        figure class="chart" aria-labelledby={ (id) "-caption" } {
            figcaption id={ (id) "-caption" } { (caption) }
            @if data.is_empty() {
                p { "No data yet." }
            } @else {
                svg width="100%" height=(height) viewBox={ "0 0 480 " (height) } role="img" aria-label={ (caption) ": " (summary) } {
                    title { (caption) ": " (summary) }
                    @for (i, (label, value)) in data.iter().enumerate() {
                        @let y = i as f64 * row_h;
                        @let w = (value / max * 250.0).max(1.0);
                        text x="0" y=(y + 18.0) font-size="13" fill="#1b1f24" { (label) }
                        rect x="170" y=(y + 5.0) width=(w) height="18" fill="#0b5cad" {}
                        text x=(175.0 + w) y=(y + 18.0) font-size="13" fill="#1b1f24" { (value) (unit) }
                    }
                }
                details {
                    summary { "The numbers" }
                    table {
                        thead { tr { th scope="col" { "Item" } th scope="col" { "Value" } } }
                        tbody { @for (label, value) in data { tr { td { (label) } td { (value) (unit) } } } }
                    }
                }
            }
        }
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// The analytics page.
#[handler]
pub async fn show(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Query(q): Query<AnalyticsQuery>,
) -> Response {
    let who =
        match session::allowed(&state, &client, jar, "/analytics", Permission::Analytics).await {
            Ok(p) => p,
            Err(r) => return r,
        };
    let data = match leads::analytics(
        &state.pool,
        q.job_id,
        state.weights.hot as i32,
        state.weights.warm as i32,
    )
    .await
    {
        Ok(d) => d,
        Err(e) => return super::layout::error_page(&who, jar, e.into()),
    };
    let q_dist = &data["lead_quality_distribution"];
    let quality: Vec<(String, f64)> = [
        ("Hot", "hot_leads"),
        ("Warm", "warm_leads"),
        ("Cold", "cold_leads"),
    ]
    .into_iter()
    .map(|(l, k)| (l.to_string(), num(&q_dist[k]["count"])))
    .collect();
    let list = |key: &str, label: &str, value: &str| -> Vec<(String, f64)> {
        data[key]
            .as_array()
            .into_iter()
            .flatten()
            .take(10)
            .map(|x| (x[label].as_str().unwrap_or("?").to_string(), num(&x[value])))
            .collect()
    };
    let map = |key: &str| -> Vec<(String, f64)> {
        data[key]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), num(v)))
            .collect()
    };
    let industries = list("industry_breakdown", "industry", "count");
    let technologies: Vec<(String, f64)> = data["technology_trends"]["most_common"]
        .as_array()
        .into_iter()
        .flatten()
        .take(10)
        .map(|x| {
            (
                x["technology"].as_str().unwrap_or("?").to_string(),
                num(&x["count"]),
            )
        })
        .collect();
    let contacts = &data["contact_analytics"];
    let verification = vec![
        (
            "Email verified".to_string(),
            num(&contacts["email_verification_rate"]),
        ),
        (
            "Phone verified".to_string(),
            num(&contacts["phone_verification_rate"]),
        ),
    ];
    let body = html! {
        h1 { "Analytics" @if q.job_id.is_some() { " of one search" } }
        p { (num(&data["total_leads"])) " leads, average score " (num(&data["average_score"])) "." }
        div class="charts" {
            (bars("quality", "Lead quality", "", &quality))
            (bars("industries", "Industries", "", &industries))
            (bars("sizes", "Company sizes", "", &map("company_size_distribution")))
            (bars("technologies", "Technologies in use", "", &technologies))
            (bars("verification", "Contact verification", " %", &verification))
            (bars("engagement", "Engagement opportunities by priority", "", &map("engagement_opportunities")))
        }
    };
    page("Analytics", Some(&who), session::csrf(jar).as_deref(), body).into_response()
}
