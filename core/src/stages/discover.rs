//! Discover: turn a business directory's search results page into candidate companies.
//!
//! Directory pages are read with CSS selectors (a listing container and one selector per field)
//! so that another directory is a matter of configuration, not code.

use crate::model::Candidate;
use scraper::{Html, Selector};
use url::Url;

/// CSS selectors describing one directory's result page.
#[derive(Debug, Clone)]
pub struct DirectoryLayout {
    /// One element per company listing.
    pub listing: String,
    /// Company name inside a listing.
    pub name: String,
    /// Link to the company's website inside a listing (its `href`).
    pub website: String,
    /// Phone text inside a listing.
    pub phone: String,
    /// Address text inside a listing.
    pub address: String,
    /// Category text inside a listing.
    pub category: String,
    /// Link to the next results page (its `href`).
    pub next: String,
}

impl Default for DirectoryLayout {
    fn default() -> Self {
        Self {
            listing: ".listing".into(),
            name: ".name".into(),
            website: "a.website".into(),
            phone: ".phone".into(),
            address: ".address".into(),
            category: ".category".into(),
            next: "a[rel=next]".into(),
        }
    }
}

/// One parsed directory page.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryPage {
    /// Companies listed on the page, in page order.
    pub candidates: Vec<Candidate>,
    /// Absolute URL of the next page, if any.
    pub next: Option<String>,
}

/// Fills a directory search URL template (`{industry}`, `{location}`, `{page}`).
pub fn directory_search_url(template: &str, industry: &str, location: &str, page: u32) -> String {
    let enc =
        |s: &str| url::form_urlencoded::byte_serialize(s.trim().as_bytes()).collect::<String>();
    template
        .replace("{industry}", &enc(industry))
        .replace("{location}", &enc(location))
        .replace("{page}", &page.to_string())
}

/// Parses a directory result page. Invalid selectors in the layout are reported as errors.
pub fn parse_directory_page(
    html: &str,
    page_url: &str,
    layout: &DirectoryLayout,
) -> Result<DirectoryPage, String> {
    let sel = |s: &str| Selector::parse(s).map_err(|e| format!("invalid selector `{s}`: {e}"));
    let (listing, name, website, phone, address, category, next) = (
        sel(&layout.listing)?,
        sel(&layout.name)?,
        sel(&layout.website)?,
        sel(&layout.phone)?,
        sel(&layout.address)?,
        sel(&layout.category)?,
        sel(&layout.next)?,
    );
    let base = Url::parse(page_url).map_err(|e| format!("invalid page URL: {e}"))?;
    let doc = Html::parse_document(html);
    let text_of = |el: scraper::ElementRef<'_>, s: &Selector| {
        el.select(s)
            .next()
            .map(|e| squash(&e.text().collect::<String>()))
            .filter(|t| !t.is_empty())
    };
    let mut candidates = Vec::new();
    for item in doc.select(&listing) {
        let Some(company) = text_of(item, &name) else {
            continue;
        };
        let site = item
            .select(&website)
            .next()
            .and_then(|a| a.value().attr("href"))
            .and_then(|h| base.join(h).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| u.to_string());
        candidates.push(Candidate {
            name: company,
            website: site,
            phone: text_of(item, &phone),
            address: text_of(item, &address),
            category: text_of(item, &category),
            source: "directory".into(),
            source_url: page_url.to_string(),
        });
    }
    let next = doc
        .select(&next)
        .next()
        .and_then(|a| a.value().attr("href"))
        .and_then(|h| base.join(h).ok())
        .map(|u| u.to_string())
        .filter(|u| u != page_url);
    Ok(DirectoryPage { candidates, next })
}

/// Collapses runs of whitespace and trims.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listings_and_next_link() {
        let html = r#"<html><body>
          <div class="listing"><h2 class="name"> Bright  Smile Dental </h2>
            <a class="website" href="http://bright-smile.test/">site</a>
            <span class="phone">(512) 555-0142</span><span class="address">1 Main St, Austin</span>
            <span class="category">Dentist</span></div>
          <div class="listing"><h2 class="name">No Site Co</h2></div>
          <div class="listing"><span class="phone">no name: skipped</span></div>
          <a rel="next" href="/search?industry=dentist&page=2">Next</a></body></html>"#;
        let page = parse_directory_page(
            html,
            "http://directory.test/search?industry=dentist&page=1",
            &DirectoryLayout::default(),
        )
        .unwrap();
        assert_eq!(page.candidates.len(), 2);
        assert_eq!(page.candidates[0].name, "Bright Smile Dental");
        assert_eq!(
            page.candidates[0].website.as_deref(),
            Some("http://bright-smile.test/")
        );
        assert_eq!(page.candidates[1].website, None);
        assert_eq!(
            page.next.as_deref(),
            Some("http://directory.test/search?industry=dentist&page=2")
        );
    }

    #[test]
    fn fills_the_template() {
        let u = directory_search_url(
            "http://d.test/s?i={industry}&l={location}&p={page}",
            "law firm",
            "Austin, TX",
            3,
        );
        assert_eq!(u, "http://d.test/s?i=law+firm&l=Austin%2C+TX&p=3");
    }
}
