//! Business directories, declared not coded: one TOML definition per directory says where its
//! search lives and which CSS selectors read its listings, so adding a directory needs no Rust.
//!
//! ```toml
//! name = "localfinder"
//! search_url = "http://directory.test/search?industry={industry}&location={location}&page={page}"
//! listing = ".listing"                        # one element per business
//!
//! [fields]                                    # text of the first match, or an attribute
//! name = ".name"
//! website = { selector = "a.website", attr = "href" }
//! phone = ".phone"
//!
//! [pagination]
//! next = "a[rel=next]"                        # without it, {page} counts up while pages list
//! max_pages = 20
//!
//! [detail]                                    # optional: follow each listing to its own page
//! link = { selector = "a.details", attr = "href" }
//! fields = { description = ".about" }
//! ```
//!
//! Fields: `name` (required), `website`, `phone`, `email`, `address`, `street`, `city`,
//! `region`, `postal_code`, `country`, `category`, `description`. Links are resolved against
//! the page's URL; `mailto:` and `tel:` prefixes are dropped.

use super::squash;
use crate::model::{Address, Candidate};
use scraper::{ElementRef, Html, Selector};
use serde::Deserialize;
use std::collections::BTreeMap;
use url::Url;

/// The fields a directory definition can read.
const FIELDS: [&str; 12] = [
    "name",
    "website",
    "phone",
    "email",
    "address",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "category",
    "description",
];

/// How one field is read: the text of the first element a selector matches, or an attribute.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FieldRule {
    /// `".phone"`: the element's text.
    Text(String),
    /// `{ selector = "a.website", attr = "href" }`.
    Rule {
        /// CSS selector.
        selector: String,
        /// Attribute to read instead of the text.
        attr: Option<String>,
    },
}

/// Pagination of a directory's result pages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaginationDef {
    /// Link to the next page (its `href`); without it `{page}` counts up while pages list.
    pub next: Option<String>,
    /// Most result pages read per search.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
}

impl Default for PaginationDef {
    fn default() -> Self {
        Self {
            next: None,
            max_pages: default_max_pages(),
        }
    }
}

fn default_max_pages() -> u32 {
    20
}

/// A listing's own page, followed for the fields the listing lacks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailDef {
    /// The link from the listing to its page.
    pub link: FieldRule,
    /// Fields read on that page.
    pub fields: BTreeMap<String, FieldRule>,
}

/// A directory definition as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryDef {
    /// Short name; the source is called `directory:<name>`.
    pub name: String,
    /// Search URL with `{industry}`, `{location}` and `{page}`.
    pub search_url: String,
    /// Selector of one listing.
    pub listing: String,
    /// Fields read inside a listing.
    pub fields: BTreeMap<String, FieldRule>,
    /// Pagination.
    #[serde(default)]
    pub pagination: PaginationDef,
    /// Detail pages to follow.
    pub detail: Option<DetailDef>,
}

#[derive(Debug, Clone)]
struct Rule {
    selector: Selector,
    attr: Option<String>,
}

/// A checked directory definition, ready to read pages.
#[derive(Debug, Clone)]
pub struct Directory {
    /// The definition it was built from.
    pub def: DirectoryDef,
    listing: Selector,
    fields: Vec<(String, Rule)>,
    next: Option<Selector>,
    detail: Option<(Rule, Vec<(String, Rule)>)>,
}

/// One listing read from a result page.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The business as the listing describes it.
    pub candidate: Candidate,
    /// Absolute URL of its detail page, when the definition follows them.
    pub detail_url: Option<String>,
}

/// One parsed result page.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryPage {
    /// Listings in page order.
    pub listings: Vec<Listing>,
    /// Absolute URL of the next result page, if there is one to read.
    pub next: Option<String>,
}

impl Directory {
    /// Parses and checks a TOML definition; `origin` (a file name) prefixes every error, which
    /// names the offending key.
    pub fn from_toml(text: &str, origin: &str) -> Result<Directory, String> {
        let def: DirectoryDef =
            toml::from_str(text).map_err(|e| format!("{origin}: {}", e.message().trim()))?;
        Directory::new(def).map_err(|e| format!("{origin}: {e}"))
    }

    /// Checks a definition: name, URL template, selectors and field names.
    pub fn new(def: DirectoryDef) -> Result<Directory, String> {
        let name_ok = !def.name.is_empty()
            && def.name.len() <= 40
            && def
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            return Err("name: must be 1–40 letters, digits, '-' or '_'".into());
        }
        let probe = fill(&def.search_url, "x", "y", 1);
        match Url::parse(&probe) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => return Err("search_url: must be an http(s) URL".into()),
        }
        if !def.search_url.contains("{industry}") && !def.search_url.contains("{location}") {
            return Err("search_url: must contain {industry} or {location}".into());
        }
        if def.pagination.next.is_none() && !def.search_url.contains("{page}") {
            return Err(
                "search_url: must contain {page} unless pagination.next selects a link".into(),
            );
        }
        if def.pagination.max_pages == 0 {
            return Err("pagination.max_pages: must be at least 1".into());
        }
        let listing = selector("listing", &def.listing)?;
        let fields = rules("fields", &def.fields)?;
        if !def.fields.contains_key("name") {
            return Err("fields.name: required".into());
        }
        let next = match &def.pagination.next {
            Some(s) => Some(selector("pagination.next", s)?),
            None => None,
        };
        let detail = match &def.detail {
            Some(d) => Some((
                rule("detail.link", &d.link)?,
                rules("detail.fields", &d.fields)?,
            )),
            None => None,
        };
        Ok(Directory {
            def,
            listing,
            fields,
            next,
            detail,
        })
    }

    /// The source name: `directory:<name>`.
    pub fn source_name(&self) -> String {
        format!("directory:{}", self.def.name)
    }

    /// The URL of result page `page` for a search.
    pub fn search_url(&self, industry: &str, location: &str, page: u32) -> String {
        fill(&self.def.search_url, industry, location, page)
    }

    /// Reads result page `page` (fetched from `page_url`) of a search.
    pub fn parse_page(
        &self,
        html: &str,
        page_url: &str,
        industry: &str,
        location: &str,
        page: u32,
    ) -> Result<DirectoryPage, String> {
        let base = Url::parse(page_url).map_err(|e| format!("invalid page URL: {e}"))?;
        let doc = Html::parse_document(html);
        let source = self.source_name();
        let mut listings = Vec::new();
        for item in doc.select(&self.listing) {
            let mut c = Candidate {
                source: source.clone(),
                source_url: page_url.to_string(),
                ..Candidate::default()
            };
            for (field, rule) in &self.fields {
                if let Some(v) = read(item, rule, &base) {
                    set_field(&mut c, field, v, &base);
                }
            }
            if c.name.is_empty() {
                continue;
            }
            let detail_url = self.detail.as_ref().and_then(|(link, _)| {
                read(item, link, &base)
                    .and_then(|h| base.join(&h).ok())
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .map(|u| u.to_string())
            });
            listings.push(Listing {
                candidate: c,
                detail_url,
            });
        }
        let next = match &self.next {
            Some(sel) => doc
                .select(sel)
                .next()
                .and_then(|a| a.value().attr("href"))
                .and_then(|h| base.join(h).ok())
                .map(|u| u.to_string())
                .filter(|u| u != page_url),
            None => (!listings.is_empty()).then(|| self.search_url(industry, location, page + 1)),
        }
        .filter(|_| page < self.def.pagination.max_pages);
        Ok(DirectoryPage { listings, next })
    }

    /// Fills the fields `candidate` lacks from its detail page.
    pub fn apply_detail(&self, candidate: &mut Candidate, html: &str, page_url: &str) {
        let Some((_, fields)) = &self.detail else {
            return;
        };
        let Ok(base) = Url::parse(page_url) else {
            return;
        };
        let doc = Html::parse_document(html);
        let root = doc.root_element();
        let before = candidate.clone();
        for (field, rule) in fields {
            if let Some(v) = read(root, rule, &base)
                && field_missing(&before, field)
            {
                set_field(candidate, field, v, &base);
            }
        }
    }
}

fn fill(template: &str, industry: &str, location: &str, page: u32) -> String {
    let enc =
        |s: &str| url::form_urlencoded::byte_serialize(s.trim().as_bytes()).collect::<String>();
    template
        .replace("{industry}", &enc(industry))
        .replace("{location}", &enc(location))
        .replace("{page}", &page.to_string())
}

fn selector(key: &str, s: &str) -> Result<Selector, String> {
    Selector::parse(s).map_err(|e| format!("{key}: invalid selector `{s}`: {e}"))
}

fn rule(key: &str, r: &FieldRule) -> Result<Rule, String> {
    let (sel, attr) = match r {
        FieldRule::Text(s) => (s, None),
        FieldRule::Rule { selector, attr } => (selector, attr.clone()),
    };
    Ok(Rule {
        selector: selector(key, sel)?,
        attr,
    })
}

fn rules(key: &str, map: &BTreeMap<String, FieldRule>) -> Result<Vec<(String, Rule)>, String> {
    map.iter()
        .map(|(name, r)| {
            if !FIELDS.contains(&name.as_str()) {
                return Err(format!(
                    "{key}.{name}: unknown field (known: {})",
                    FIELDS.join(", ")
                ));
            }
            Ok((name.clone(), rule(&format!("{key}.{name}"), r)?))
        })
        .collect()
}

fn read(scope: ElementRef<'_>, rule: &Rule, _base: &Url) -> Option<String> {
    let el = scope.select(&rule.selector).next()?;
    let v = match &rule.attr {
        Some(a) => el.value().attr(a)?.trim().to_string(),
        None => squash(&el.text().collect::<String>()),
    };
    (!v.is_empty()).then_some(v)
}

fn field_missing(c: &Candidate, field: &str) -> bool {
    let parts = c.address_parts.as_ref();
    match field {
        "name" => c.name.is_empty(),
        "website" => c.website.is_none(),
        "phone" => c.phone.is_none(),
        "email" => c.email.is_none(),
        "address" => c.address.is_none(),
        "category" => c.category.is_none(),
        "description" => c.description.is_none(),
        "street" => parts.is_none_or(|a| a.street.is_none()),
        "city" => parts.is_none_or(|a| a.city.is_none()),
        "region" => parts.is_none_or(|a| a.region.is_none()),
        "postal_code" => parts.is_none_or(|a| a.postal_code.is_none()),
        "country" => parts.is_none_or(|a| a.country.is_none()),
        _ => false,
    }
}

fn set_field(c: &mut Candidate, field: &str, v: String, base: &Url) {
    let parts = || Address::default();
    match field {
        "name" => c.name = v,
        "website" => {
            c.website = base
                .join(&v)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .map(|u| u.to_string())
        }
        "phone" => c.phone = Some(v.trim_start_matches("tel:").trim().to_string()),
        "email" => {
            let v = v.trim_start_matches("mailto:");
            let v = v.split('?').next().unwrap_or(v).trim();
            c.email = (!v.is_empty()).then(|| v.to_string());
        }
        "address" => c.address = Some(v),
        "category" => c.category = Some(v),
        "description" => c.description = Some(v),
        "street" => c.address_parts.get_or_insert_with(parts).street = Some(v),
        "city" => c.address_parts.get_or_insert_with(parts).city = Some(v),
        "region" => c.address_parts.get_or_insert_with(parts).region = Some(v),
        "postal_code" => c.address_parts.get_or_insert_with(parts).postal_code = Some(v),
        "country" => c.address_parts.get_or_insert_with(parts).country = Some(v),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEF: &str = r#"
name = "finder"
search_url = "http://d.test/s?i={industry}&l={location}&p={page}"
listing = ".listing"
[fields]
name = ".name"
website = { selector = "a.website", attr = "href" }
phone = ".phone"
email = { selector = "a.mail", attr = "href" }
category = ".category"
[detail]
link = { selector = "a.details", attr = "href" }
fields = { description = ".about", city = ".locality", phone = ".tel" }
"#;

    const PAGE: &str = r#"<html><body>
      <div class="listing"><h2 class="name"> Bright  Smile Dental </h2>
        <a class="website" href="http://bright-smile.test/">site</a>
        <span class="phone">(512) 555-0142</span><a class="mail" href="mailto:hi@bright.test?subject=x">m</a>
        <span class="category">Dentist</span><a class="details" href="/listing/3">more</a></div>
      <div class="listing"><h2 class="name">No Site Co</h2></div>
      <div class="listing"><span class="phone">no name: skipped</span></div>
    </body></html>"#;

    #[test]
    fn reads_listings_fields_and_counts_pages_up() {
        let d = Directory::from_toml(DEF, "finder.toml").unwrap();
        assert_eq!(d.source_name(), "directory:finder");
        let url = d.search_url("law firm", "Austin, TX", 1);
        assert_eq!(url, "http://d.test/s?i=law+firm&l=Austin%2C+TX&p=1");
        let page = d
            .parse_page(PAGE, &url, "law firm", "Austin, TX", 1)
            .unwrap();
        assert_eq!(page.listings.len(), 2);
        let c = &page.listings[0].candidate;
        assert_eq!(c.name, "Bright Smile Dental");
        assert_eq!(c.website.as_deref(), Some("http://bright-smile.test/"));
        assert_eq!(c.email.as_deref(), Some("hi@bright.test"));
        assert_eq!(c.source, "directory:finder");
        assert_eq!(
            page.listings[0].detail_url.as_deref(),
            Some("http://d.test/listing/3")
        );
        assert_eq!(
            page.next.as_deref(),
            Some("http://d.test/s?i=law+firm&l=Austin%2C+TX&p=2")
        );
        let empty = d.parse_page("<html></html>", &url, "x", "y", 2).unwrap();
        assert_eq!(empty.next, None);
    }

    #[test]
    fn detail_pages_fill_what_the_listing_lacks() {
        let d = Directory::from_toml(DEF, "finder.toml").unwrap();
        let mut c = Candidate {
            name: "A".into(),
            phone: Some("1".into()),
            ..Candidate::default()
        };
        d.apply_detail(
            &mut c,
            r#"<p class="about">We fix teeth.</p><span class="locality">Austin</span><span class="tel">2</span>"#,
            "http://d.test/listing/3",
        );
        assert_eq!(c.description.as_deref(), Some("We fix teeth."));
        assert_eq!(c.address_parts.unwrap().city.as_deref(), Some("Austin"));
        assert_eq!(c.phone.as_deref(), Some("1"));
    }

    #[test]
    fn errors_name_the_key() {
        let bad = DEF.replace("phone = \".phone\"", "phnoe = \".phone\"");
        let e = Directory::from_toml(&bad, "f.toml").unwrap_err();
        assert!(e.starts_with("f.toml: fields.phnoe: unknown field"), "{e}");
        let bad = DEF.replace("\".name\"", "\"..name\"");
        let e = Directory::from_toml(&bad, "f.toml").unwrap_err();
        assert!(e.contains("fields.name: invalid selector"), "{e}");
        let bad = DEF.replace("&p={page}", "");
        let e = Directory::from_toml(&bad, "f.toml").unwrap_err();
        assert!(e.contains("search_url: must contain {page}"), "{e}");
        let e = Directory::from_toml("name = 1", "f.toml").unwrap_err();
        assert!(e.starts_with("f.toml: "), "{e}");
    }

    #[test]
    fn the_sample_directory_definition_is_valid() {
        let d = Directory::from_toml(
            crate::sample_web::SampleWeb::DIRECTORY_DEFINITION,
            "localfinder.toml",
        )
        .unwrap();
        assert!(d.def.pagination.next.is_some());
    }
}
