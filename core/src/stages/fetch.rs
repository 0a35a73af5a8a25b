//! Fetch: the decisions of the crawler that need no network — which host a company lives on,
//! what robots.txt allows, which pages to read within the budget, and which pages need a browser.

use scraper::{Html, Selector};
use url::Url;

/// Pages the crawler looks for, in order of how much lead data they usually carry.
const PAGE_KINDS: [(&str, &[&str]); 7] = [
    (
        "contact",
        &["contact", "kontakt", "get-in-touch", "reach-us"],
    ),
    ("about", &["about", "who-we-are", "company", "ueber-uns"]),
    (
        "team",
        &[
            "team",
            "people",
            "staff",
            "leadership",
            "our-team",
            "attorneys",
        ],
    ),
    (
        "careers",
        &["careers", "jobs", "join", "hiring", "vacancies"],
    ),
    ("locations", &["locations", "offices", "find-us"]),
    ("news", &["news", "press", "blog"]),
    ("legal", &["imprint", "impressum", "legal"]),
];

/// Parses and normalises a website URL from a source; `None` when it is not a usable http(s) URL.
pub fn normalize_website(raw: &str) -> Option<Url> {
    let raw = raw.trim();
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    let mut u = Url::parse(&with_scheme).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return None;
    }
    u.set_fragment(None);
    u.set_query(None);
    u.set_path("/");
    Some(u)
}

/// The registrable domain of a host ("www.shop.example.co.uk" → "example.co.uk"), lowercased.
/// Hosts under no known public suffix (e.g. intranet names) are returned without a `www.` prefix.
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match psl::domain_str(&host) {
        Some(d) => d.to_string(),
        None => host.strip_prefix("www.").unwrap_or(&host).to_string(),
    }
}

/// When a fetch of `requested` ended at `final_url` on another registrable domain, the pair
/// (alias, company domain): the requested domain is an alias of the one that answered.
pub fn cross_domain_alias(requested: &Url, final_url: &Url) -> Option<(String, String)> {
    let from = registrable_domain(requested.host_str()?);
    let to = registrable_domain(final_url.host_str()?);
    (from != to && !from.is_empty() && !to.is_empty()).then_some((from, to))
}

/// The robots.txt product token for a User-Agent: its first word before a `/`.
pub fn product_token(user_agent: &str) -> &str {
    user_agent
        .split(|c: char| c == '/' || c.is_whitespace())
        .next()
        .unwrap_or(user_agent)
}

/// Whether robots.txt (`body`) lets `user_agent` fetch `url`.
pub fn robots_allows(body: &str, user_agent: &str, url: &str) -> bool {
    let mut matcher = robotstxt::DefaultMatcher::default();
    matcher.one_agent_allowed_by_robots(body, product_token(user_agent), url)
}

/// The `Crawl-delay` robots.txt asks of our product token (or of `*`), in seconds.
pub fn crawl_delay(body: &str, user_agent: &str) -> Option<f64> {
    let token = product_token(user_agent).to_ascii_lowercase();
    let (mut ours, mut any) = (None, None);
    let mut agents: Vec<String> = Vec::new();
    let mut in_rules = false;
    for line in body.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
        match key.as_str() {
            "user-agent" => {
                if in_rules {
                    agents.clear();
                    in_rules = false;
                }
                agents.push(value.to_ascii_lowercase());
            }
            "crawl-delay" => {
                in_rules = true;
                let Ok(secs) = value.parse::<f64>() else {
                    continue;
                };
                if agents.contains(&token) {
                    ours = Some(secs);
                } else if agents.iter().any(|a| a == "*") {
                    any = Some(secs);
                }
            }
            _ => in_rules = true,
        }
    }
    ours.or(any).filter(|s| s.is_finite() && *s >= 0.0)
}

/// Picks the internal pages worth fetching from the home page, best first, at most `budget`
/// (the home page itself is not counted here). Each entry is (kind, absolute URL).
pub fn rank_links(home_html: &str, home_url: &Url, budget: usize) -> Vec<(String, Url)> {
    rank_pages(home_html, home_url, &[], budget)
}

/// As [`rank_links`], with the site's sitemap entries as further candidates (ranked by their
/// path alone, since they have no link text).
pub fn rank_pages(
    home_html: &str,
    home_url: &Url,
    sitemap: &[String],
    budget: usize,
) -> Vec<(String, Url)> {
    read_home(home_html, home_url).rank(home_url, sitemap, budget)
}

/// What the fetch stage needs of a home page, from one parse of it.
#[derive(Debug, Clone)]
pub struct HomePage {
    /// Every link: absolute URL and link text.
    pub links: Vec<(Url, String)>,
    /// Whether its content only appears after JavaScript runs (see [`needs_render`]).
    pub needs_render: bool,
}

/// Reads a home page's links and whether it needs the browser (one HTML parse, where ranking
/// and the render check would each parse it again).
pub fn read_home(home_html: &str, home_url: &Url) -> HomePage {
    let doc = Html::parse_document(home_html);
    let a = Selector::parse("a[href]").expect("static selector");
    let links = doc
        .select(&a)
        .filter_map(|link| {
            let href = link.value().attr("href")?;
            Some((home_url.join(href).ok()?, link.text().collect::<String>()))
        })
        .collect();
    HomePage {
        links,
        needs_render: doc_needs_render(&doc),
    }
}

impl HomePage {
    /// The internal pages worth fetching, best first, at most `budget`, with the sitemap's
    /// entries as further candidates (see [`rank_pages`]).
    pub fn rank(&self, home_url: &Url, sitemap: &[String], budget: usize) -> Vec<(String, Url)> {
        rank_candidates(self.links.iter().cloned(), home_url, sitemap, budget)
    }
}

fn rank_candidates(
    links: impl Iterator<Item = (Url, String)>,
    home_url: &Url,
    sitemap: &[String],
    budget: usize,
) -> Vec<(String, Url)> {
    let from_sitemap = sitemap
        .iter()
        .filter_map(|u| Some((Url::parse(u.trim()).ok()?, String::new())));
    let home_domain = home_url.host_str().map(registrable_domain);
    let mut found: Vec<(usize, String, Url)> = Vec::new();
    for (mut u, text) in links.chain(from_sitemap) {
        u.set_fragment(None);
        if !matches!(u.scheme(), "http" | "https")
            || u.host_str().map(registrable_domain) != home_domain
            || u.path() == "/"
        {
            continue;
        }
        let hay = format!(
            "{} {}",
            u.path().to_ascii_lowercase(),
            text.to_ascii_lowercase()
        );
        let Some(rank) = PAGE_KINDS
            .iter()
            .position(|(_, words)| words.iter().any(|w| hay.contains(w)))
        else {
            continue;
        };
        if found.iter().any(|(_, _, f)| f.path() == u.path()) {
            continue;
        }
        found.push((rank, PAGE_KINDS[rank].0.to_string(), u));
    }
    found.sort_by_key(|(rank, _, _)| *rank);
    found
        .into_iter()
        .take(budget)
        .map(|(_, k, u)| (k, u))
        .collect()
}

/// The sitemap URLs robots.txt declares (`Sitemap:` lines, any group).
pub fn robots_sitemaps(robots: &str) -> Vec<String> {
    robots
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim().eq_ignore_ascii_case("sitemap") && !v.trim().is_empty())
                .then(|| v.trim().to_string())
        })
        .collect()
}

/// The page URLs (`<loc>`) of a sitemap or sitemap index, at most `limit`; malformed XML
/// yields what was read before the error.
pub fn sitemap_locs(xml: &str, limit: usize) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    // The text of the `<loc>` being read; entity references come as events of their own.
    let mut loc: Option<String> = None;
    while out.len() < limit {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"loc" => loc = Some(String::new()),
            Ok(Event::Text(t)) => {
                if let (Some(buf), Ok(text)) = (loc.as_mut(), t.decode()) {
                    buf.push_str(&text);
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(buf) = loc.as_mut() {
                    let name = r.decode().unwrap_or_default();
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        buf.push(c);
                    } else if let Some(v) = quick_xml::escape::resolve_xml_entity(&name) {
                        buf.push_str(v);
                    }
                }
            }
            Ok(Event::End(_)) => {
                if let Some(buf) = loc.take()
                    && !buf.trim().is_empty()
                {
                    out.push(buf.trim().to_string());
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// Whether a page's content only appears after JavaScript runs: an application shell with
/// little visible text, or an explicit `noscript` plea.
pub fn needs_render(html: &str) -> bool {
    // Without a script element nothing can fill the page in (this skips the parse).
    if !html
        .as_bytes()
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"<script"))
    {
        return false;
    }
    doc_needs_render(&Html::parse_document(html))
}

fn doc_needs_render(doc: &Html) -> bool {
    let body = Selector::parse("body").expect("static selector");
    let script = Selector::parse("script").expect("static selector");
    let noscript = Selector::parse("noscript").expect("static selector");
    let visible: usize = doc
        .select(&body)
        .next()
        .map(|b| {
            b.descendants()
                .filter_map(|n| {
                    let parent_is_code = n
                        .parent()
                        .and_then(|p| p.value().as_element())
                        .is_some_and(|e| matches!(e.name(), "script" | "style" | "noscript"));
                    if parent_is_code {
                        None
                    } else {
                        n.value().as_text().map(|t| t.trim().len())
                    }
                })
                .sum()
        })
        .unwrap_or(0);
    let scripts = doc.select(&script).count();
    let pleads = doc.select(&noscript).any(|n| {
        n.text()
            .collect::<String>()
            .to_ascii_lowercase()
            .contains("javascript")
    });
    scripts > 0 && (visible < 200 || (pleads && visible < 600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_to_another_domain_is_an_alias() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            cross_domain_alias(
                &u("http://acme-old.com/"),
                &u("https://www.acme.co.uk/home")
            ),
            Some(("acme-old.com".into(), "acme.co.uk".into()))
        );
        assert_eq!(
            cross_domain_alias(&u("http://acme.com/"), &u("https://www.acme.com/")),
            None,
            "www and https are the same domain"
        );
        assert_eq!(
            cross_domain_alias(&u("http://shop.acme.com/"), &u("http://acme.com/")),
            None
        );
    }

    #[test]
    fn sitemaps_are_read_from_robots_and_xml() {
        let robots = "User-agent: *\nDisallow: /x\n\nSitemap: http://a.test/sitemap.xml\nsitemap:http://a.test/s2.xml\n";
        assert_eq!(
            robots_sitemaps(robots),
            ["http://a.test/sitemap.xml", "http://a.test/s2.xml"]
        );
        let xml = r#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc> http://a.test/ </loc></url><url><loc>http://a.test/our-team?a=1&amp;b=2</loc></url>
            <url><loc>http://a.test/contact</loc><lastmod>2024-01-01</lastmod></url></urlset>"#;
        assert_eq!(
            sitemap_locs(xml, 10),
            [
                "http://a.test/",
                "http://a.test/our-team?a=1&b=2",
                "http://a.test/contact"
            ]
        );
        assert_eq!(sitemap_locs(xml, 1).len(), 1);
        assert!(sitemap_locs("<not xml", 10).is_empty());
        // Sitemap pages without link text are ranked by their path.
        let home = Url::parse("http://a.test/").unwrap();
        let ranked = rank_pages(
            "<html><body></body></html>",
            &home,
            &sitemap_locs(xml, 10),
            5,
        );
        let kinds: Vec<&str> = ranked.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds.len(), 2, "{ranked:?}");
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(
            registrable_domain("www.shop.example.co.uk"),
            "example.co.uk"
        );
        assert_eq!(registrable_domain("WWW.Example.com."), "example.com");
        assert_eq!(registrable_domain("www.acme.test"), "acme.test");
    }

    #[test]
    fn robots_rules_and_delay() {
        let robots = "User-agent: *\nDisallow: /team\nCrawl-delay: 2\n\nUser-agent: leadgen\nDisallow: /private\nCrawl-delay: 3\n";
        let ua = "leadgen/0.1 (+https://x)";
        assert!(!robots_allows(robots, ua, "http://a.test/private/x"));
        assert!(robots_allows(robots, ua, "http://a.test/team"));
        assert!(!robots_allows(robots, "otherbot", "http://a.test/team"));
        assert_eq!(crawl_delay(robots, ua), Some(3.0));
        assert_eq!(crawl_delay("User-agent: *\nCrawl-delay: 2", ua), Some(2.0));
        assert_eq!(crawl_delay("", ua), None);
    }

    #[test]
    fn ranks_internal_links_by_value() {
        let html = r#"<a href="/blog">Blog</a><a href="/about">About us</a>
            <a href="http://other.test/contact">Partner</a><a href="/contact#form">Contact</a>
            <a href="/contact">Contact again</a><a href="/team">Our team</a>"#;
        let home = Url::parse("http://acme.test/").unwrap();
        let ranked = rank_links(html, &home, 3);
        let kinds: Vec<_> = ranked.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["contact", "about", "team"]);
        assert_eq!(ranked[0].1.as_str(), "http://acme.test/contact");
    }

    #[test]
    fn detects_js_only_pages() {
        let shell = r#"<html><body><div id="app"></div><noscript>Please enable JavaScript</noscript><script>render()</script></body></html>"#;
        assert!(needs_render(shell));
        let text = "word ".repeat(100);
        let page = format!("<html><body><p>{text}</p><script>x()</script></body></html>");
        assert!(!needs_render(&page));
        // Upper-case markup is a script all the same; a page without one never needs rendering.
        assert!(needs_render(&shell.replace("script", "SCRIPT")));
        assert!(!needs_render(
            r#"<html><body><div id="app"></div></body></html>"#
        ));
        // One read of a home page answers both questions the fetch stage asks.
        let home = Url::parse("http://acme.test/").unwrap();
        let read = read_home(shell, &home);
        assert!(read.needs_render);
        let html = format!(r#"<a href="/contact">Contact</a>{page}"#);
        let read = read_home(&html, &home);
        assert!(!read.needs_render);
        assert_eq!(read.rank(&home, &[], 8), rank_links(&html, &home, 8));
    }

    #[test]
    fn normalises_websites() {
        assert_eq!(
            normalize_website("acme.test/contact?x=1").unwrap().as_str(),
            "http://acme.test/"
        );
        assert!(normalize_website("ftp://acme.test").is_none());
        assert!(normalize_website("").is_none());
    }
}
