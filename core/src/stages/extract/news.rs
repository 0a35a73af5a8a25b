//! Growth evidence on news, press and blog pages: funding ("raised $4M", "Series A"), new
//! locations ("now open in", "opened our second office"), press mentions and awards, and the
//! date of the newest post (recent activity). Each item keeps the date the page gives it —
//! a `<time datetime>` in its article, else a date written in its text — and its page.

use super::is_foreign;
use crate::model::{Facts, NewsItem, StoredPage};
use chrono::NaiveDate;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use std::sync::LazyLock;

static FUNDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:raised|raises|secured|secures|closed|closes)\s+(?:a\s+|an\s+)?(?:[$€£]\s?\d[\d.,]*\s?(?:k|m|mm|bn|million|billion)(?-u:\b)|\d[\d.,]*\s?(?:million|billion)(?-u:\b))|(?-i:(?-u:\b)Series [A-E](?-u:\b))|(?-u:\b)seed\s+(?:round|funding)(?-u:\b)|(?-u:\b)funding\s+round(?-u:\b)",
    )
    .expect("static regex")
});
static LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)now open in(?-u:\b)|(?-u:\b)new (?:office|location|clinic|practice|branch|store|shop|restaurant|showroom)(?-u:\b)|(?-u:\b)open(?:ed|s|ing)? (?:our|a|its) (?:new|second|third|fourth|fifth|\d+(?:st|nd|rd|th)) (?:office|location|clinic|practice|branch|store|shop|restaurant)(?-u:\b)|(?-u:\b)expand(?:s|ed|ing)? (?:to|into)(?-u:\b)",
    )
    .expect("static regex")
});
static PRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:featured (?:in|on|by)|as seen (?:in|on)|named (?:one of|a|the|among)|recogni[sz]ed (?:as|by)|ranked (?:among|in|as|no\.?|number|#)|(?:won|wins|received|receives|awarded)\s+(?:the\s+|an?\s+|our\s+)?[\w'’ -]{0,40}?(?-u:\b)(?:award|prize)(?-u:\b))",
    )
    .expect("static regex")
});
static TEXT_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(\d{4})-(\d{2})-(\d{2})(?-u:\b)|(?-u:\b)(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?-u:\b)|(?-u:\b)(\d{1,2})(?:st|nd|rd|th)?\.?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{4})(?-u:\b)",
    )
    .expect("static regex")
});

fn month(name: &str) -> Option<u32> {
    let m = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.to_lowercase();
    m.iter()
        .position(|x| lower.starts_with(x))
        .map(|i| i as u32 + 1)
}

/// The first date written in `text` (ISO, `March 3, 2026`, `3 March 2026`).
pub(super) fn text_date(text: &str) -> Option<NaiveDate> {
    for c in TEXT_DATE.captures_iter(text) {
        let (y, m, d) = if let Some(y) = c.get(1) {
            (
                y.as_str().parse().ok()?,
                c[2].parse().ok()?,
                c[3].parse().ok()?,
            )
        } else if let Some(mon) = c.get(4) {
            (c[6].parse().ok()?, month(mon.as_str())?, c[5].parse().ok()?)
        } else {
            (c[9].parse().ok()?, month(&c[8])?, c[7].parse().ok()?)
        };
        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
            return Some(date);
        }
    }
    None
}

static TIME: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("time[datetime]").expect("static selector"));

fn time_in(el: ElementRef<'_>) -> Option<NaiveDate> {
    el.select(&TIME)
        .filter_map(|t| t.value().attr("datetime"))
        .find_map(|d| {
            d.get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        })
}

/// The date of an element: a `<time datetime>` in it, else a date written in its text.
fn own_date(el: ElementRef<'_>) -> Option<NaiveDate> {
    time_in(el).or_else(|| text_date(&el.text().collect::<Vec<_>>().join(" ")))
}

/// Reads the growth evidence of one news, press or blog page into `facts.news`.
pub(super) fn read(doc: &Html, page: &StoredPage, facts: &mut Facts) {
    let mut newest: Option<NaiveDate> = None;
    // One item per kind and article: a headline and its paragraph tell one story.
    let mut seen: Vec<(&str, Option<ElementRef<'_>>)> = Vec::new();
    for el in doc.select(selector!("article, li, p, h2, h3")) {
        if is_foreign(el) {
            continue;
        }
        let article = std::iter::once(el)
            .chain(el.ancestors().filter_map(ElementRef::wrap))
            .find(|a| a.value().name() == "article");
        if el.value().name() == "article" {
            newest = newest.max(own_date(el));
            continue;
        }
        let text = super::super::discover::squash(&el.text().collect::<Vec<_>>().join(" "));
        if text.is_empty() || text.len() > 600 {
            continue;
        }
        let date = own_date(el).or_else(|| article.and_then(own_date));
        if article.is_none() && el.value().name() == "h2" {
            newest = newest.max(date);
        }
        let kind = if FUNDING.is_match(&text) {
            "funding"
        } else if LOCATION.is_match(&text) {
            "new_location"
        } else if PRESS.is_match(&text) {
            "press_mention"
        } else {
            continue;
        };
        // Outside articles each item stands alone; duplicates are told by their text.
        let key = (kind, article);
        if (article.is_some() && seen.contains(&key))
            || facts.news.iter().any(|n| n.kind == kind && n.text == text)
        {
            continue;
        }
        seen.push(key);
        facts.news.push(NewsItem {
            kind: kind.to_string(),
            text: text.chars().take(240).collect(),
            date: date.map(|d| d.to_string()),
            source_url: page.final_url.clone(),
        });
    }
    if let Some(d) = newest {
        let d = d.to_string();
        if facts.latest_post.as_ref().is_none_or(|(x, _)| *x < d) {
            facts.latest_post = Some((d, page.final_url.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn news(body: &str) -> Facts {
        let page = super::super::test_page(
            "news",
            &format!("<html><body><main>{body}</main></body></html>"),
        );
        super::super::extract(&[page], None)
    }

    #[test]
    fn dates_in_the_ways_pages_write_them() {
        let d = |s: &str| text_date(s).map(|d| d.to_string());
        assert_eq!(d("Posted 2026-03-04"), Some("2026-03-04".into()));
        assert_eq!(d("March 3rd, 2026 — news"), Some("2026-03-03".into()));
        assert_eq!(d("on 14 Sept. 2025"), Some("2025-09-14".into()));
        assert_eq!(d("no date here"), None);
    }

    #[test]
    fn everyday_blog_words_are_not_news() {
        let f = news(
            "<p>We won't be open on Monday.</p><p>Our award-winning team raised $5,000 for the food bank.</p>
             <p>In this series a dentist explains flossing.</p>
             <div class=\"post\"><p>Acme raised $2M in a seed round.</p></div>
             <div class=\"post\"><p>Acme won the Best Employer Award 2026.</p></div>
             <div class=\"post\"><p>We opened our second clinic.</p></div><div class=\"post\"><p>Now open in Buda!</p></div>",
        );
        let kinds: Vec<&str> = f.news.iter().map(|n| n.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["funding", "press_mention", "new_location", "new_location"],
            "{:?}",
            f.news
        );
    }

    #[test]
    fn funding_locations_and_press_with_their_dates() {
        let f = news(
            r#"<article><h2>Acme raises $4.5M seed round</h2><time datetime="2026-05-02T09:00">May 2</time>
                 <p>Acme has raised $4.5M to grow the team.</p></article>
               <article><h2>Now open in Round Rock</h2><p>June 10, 2026: our second clinic opens.</p></article>
               <article><h2>Featured in the Austin Business Journal</h2><p>We were named one of the best places to work.</p></article>
               <div class="testimonial"><p>Bob's Bakery raised $2M thanks to them.</p></div>"#,
        );
        let got: Vec<(&str, Option<&str>)> = f
            .news
            .iter()
            .map(|n| (n.kind.as_str(), n.date.as_deref()))
            .collect();
        assert!(got.contains(&("funding", Some("2026-05-02"))), "{got:?}");
        assert!(
            got.contains(&("new_location", Some("2026-06-10"))),
            "{got:?}"
        );
        assert!(got.iter().any(|(k, _)| *k == "press_mention"), "{got:?}");
        assert!(
            !f.news.iter().any(|n| n.text.contains("Bakery")),
            "testimonials are not news"
        );
        assert_eq!(
            f.latest_post.as_ref().map(|(d, _)| d.as_str()),
            Some("2026-06-10")
        );
    }
}
