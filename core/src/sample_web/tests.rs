use super::text::unbase64;
use super::*;
use std::collections::HashMap;

fn web(seed: u64, companies: usize) -> SampleWeb {
    SampleWeb::generate(SampleWebOptions {
        seed,
        companies,
        latency_ms: None,
    })
}

/// The page as a browser would see it: js-only sites' content decoded from the inline script.
fn rendered(body: &str) -> String {
    let Some(start) = body.find("\"content\": \"") else {
        return body.to_string();
    };
    let rest = &body[start + 12..];
    let end = rest.find('"').expect("closing quote");
    String::from_utf8(unbase64(&rest[..end]).expect("base64")).expect("utf-8")
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Every site page, ignoring behaviour, as the site itself renders it.
fn page(w: &SampleWeb, i: usize, path: &str) -> SampleResponse {
    site::respond(&w.built, i, path)
}

#[test]
fn same_seed_same_bytes() {
    let a = web(7, 120);
    let b = web(7, 120);
    assert_eq!(
        serde_json::to_string(a.ground_truth()).unwrap(),
        serde_json::to_string(b.ground_truth()).unwrap()
    );
    let mut urls = vec![
        (SampleWeb::DIRECTORY_HOST.to_string(), "/".to_string()),
        (
            SampleWeb::DIRECTORY_HOST.to_string(),
            "/search?industry=dentist&page=2".to_string(),
        ),
    ];
    for t in a.ground_truth().iter().filter(|t| !t.domain.is_empty()) {
        for p in [
            "/",
            "/about",
            "/contact",
            "/team",
            "/careers",
            "/robots.txt",
            "/sitemap.xml",
        ] {
            urls.push((t.domain.clone(), p.to_string()));
        }
    }
    for (host, path) in &urls {
        assert_eq!(a.respond(host, path), b.respond(host, path), "{host}{path}");
    }
    let c = web(8, 120);
    assert_ne!(
        serde_json::to_string(a.ground_truth()).unwrap(),
        serde_json::to_string(c.ground_truth()).unwrap()
    );
}

#[test]
fn truth_is_well_formed() {
    let w = web(42, 400);
    assert_eq!(w.companies(), 400);
    let mut domains = std::collections::HashSet::new();
    let mut phones = std::collections::HashSet::new();
    for t in w.ground_truth() {
        assert!(SampleWeb::industries().contains(&t.industry.as_str()));
        assert!(SampleWeb::cities().contains(&t.city.as_str()));
        assert!(t.duplicate_of.is_none());
        if !t.domain.is_empty() {
            assert!(
                domains.insert(t.domain.clone()),
                "duplicate domain {}",
                t.domain
            );
            assert_eq!(t.domain, t.domain.to_lowercase());
            assert!(t.domain.ends_with(".test"));
            assert_eq!(t.website, format!("http://{}/", t.domain));
            assert!(!t.emails.is_empty());
            assert!(t.people.iter().any(|p| p.decision_maker));
        }
        for p in &t.phones {
            assert!(phones.insert(p.clone()), "shared phone {p}");
            let parsed = phonenumber::parse(None, p).expect("parses");
            assert!(phonenumber::is_valid(&parsed), "invalid {p} ({})", t.city);
        }
    }
    for d in w.duplicate_listings() {
        let canon = d.duplicate_of.as_deref().unwrap();
        assert!(w.ground_truth().iter().any(|t| t.domain == canon));
    }
    assert!(!w.duplicate_listings().is_empty());
}

#[test]
fn every_phone_and_email_is_on_its_site() {
    let w = web(42, 300);
    for (i, t) in w.ground_truth().iter().enumerate() {
        if t.domain.is_empty() {
            continue;
        }
        let contact = rendered(&page(&w, i, "/contact").text());
        let contact_digits = digits(&contact);
        for p in &t.phones {
            let national = p
                .strip_prefix("+1")
                .or_else(|| p.strip_prefix("+44"))
                .or_else(|| p.strip_prefix("+49"))
                .or_else(|| p.strip_prefix("+33"))
                .unwrap();
            assert!(
                contact_digits.contains(national),
                "{p} missing on {}",
                t.domain
            );
        }
        for e in &t.emails {
            let (local, _) = e.split_once('@').unwrap();
            assert!(
                contact.contains(e.as_str())
                    || contact.contains(&format!("{local} [at]"))
                    || contact.contains(&format!("{local}(at)"))
                    || contact.contains(&format!("{local} AT ")),
                "{e} missing on {}",
                t.domain
            );
        }
        let team = rendered(&page(&w, i, "/team").text());
        for p in &t.people {
            assert!(team.contains(&p.name), "{} not on team page", p.name);
            if let Some(e) = &p.email {
                assert!(team.contains(&format!("mailto:{e}")));
            }
        }
        let careers = rendered(&page(&w, i, "/careers").text());
        assert_eq!(
            careers.matches("class=\"job\"").count(),
            t.open_roles as usize
        );
        let about = rendered(&page(&w, i, "/about").text());
        if let Some(y) = t.founded_year {
            assert!(about.contains(&format!("Founded in {y}")));
        }
        if let Some(n) = t.employee_count {
            assert!(about.contains(&format!(" {n} ")));
        }
    }
}

#[test]
fn js_only_sites_hide_content_from_static_html() {
    let w = web(42, 300);
    let mut seen = 0;
    for (i, t) in w.ground_truth().iter().enumerate() {
        if t.markup != "js-only" {
            continue;
        }
        seen += 1;
        let raw = page(&w, i, "/contact").text();
        assert!(raw.contains("<div id=\"app\"></div>"));
        assert!(raw.contains("<noscript>"));
        assert!(!raw.contains(&t.emails[0]));
        assert!(!raw.contains("tel:"));
        assert!(!raw.contains("href=\"/about\""));
        assert!(rendered(&raw).contains("tel:"));
    }
    assert!(seen > 10, "only {seen} js-only sites");
}

#[test]
fn markup_styles_are_present() {
    let w = web(42, 300);
    let sites: Vec<(usize, &TruthCompany)> = w
        .ground_truth()
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.domain.is_empty())
        .collect();
    for (i, t) in &sites {
        let home = page(&w, *i, "/").text();
        match t.markup.as_str() {
            "json-ld" => {
                let start = home.find("application/ld+json\">").unwrap() + 21;
                let end = start + home[start..].find("</script>").unwrap();
                // Strict JSON, or (some site builders) with a comment and a trailing comma.
                let mut de = serde_json_lenient::Deserializer::from_str(&home[start..end]);
                de.set_allow_comments(true);
                de.set_ignore_trailing_commas(true);
                let v: serde_json::Value = serde::Deserialize::deserialize(&mut de).unwrap();
                assert_eq!(v["name"], t.name.as_str());
                assert_eq!(v["address"]["postalCode"], t.postal_code.as_str());
            }
            "microdata" => assert!(home.contains("itemprop=\"telephone\"")),
            "plain" => {
                assert!(!home.contains("itemprop") && !home.contains("ld+json"));
                for nav in ["About us", "Contact", "Our team", "Careers"] {
                    assert!(home.contains(&format!(">{nav}</a>")));
                }
            }
            _ => {}
        }
        if t.technologies.iter().any(|x| x == "WordPress") {
            assert!(home.contains("content=\"WordPress 6.4\""));
        }
        if t.technologies.iter().any(|x| x == "jQuery") {
            assert!(home.contains("/static/jquery-3.6.0.min.js"));
        }
    }
    let count = |m: &str| sites.iter().filter(|(_, t)| t.markup == m).count();
    for m in ["json-ld", "microdata", "plain", "js-only"] {
        assert!(count(m) > 5, "{m}: {}", count(m));
    }
}

#[test]
fn testimonials_carry_other_companies_details() {
    let w = web(42, 300);
    let mut traps = 0;
    for (i, site) in w.built.sites.iter().enumerate() {
        let Some(site) = site else { continue };
        let own = &w.ground_truth()[i];
        for q in &site.testimonials {
            traps += 1;
            assert_ne!(q.company, i);
            let other = &w.ground_truth()[q.company];
            assert!(!own.phones.contains(&other.phones[0]));
            let home = rendered(&page(&w, i, "/").text());
            assert!(home.contains(&q.phone));
            assert!(home.contains(&other.website));
        }
    }
    assert!(traps > 20);
}

#[test]
fn behaviours() {
    let w = web(42, 300);
    let find = |b: &str| {
        w.ground_truth()
            .iter()
            .find(|t| t.behaviour == b)
            .unwrap_or_else(|| panic!("no {b} site"))
            .domain
            .clone()
    };
    let flaky = find("flaky");
    let statuses: Vec<u16> = (0..4)
        .map(|_| w.respond(&flaky, "/contact").status)
        .collect();
    assert_eq!(statuses, [503, 503, 200, 200]);
    assert_eq!(w.respond(&flaky, "/about").status, 503);

    let limited = find("rate-limited");
    let first = w.respond(&limited, "/");
    assert_eq!(first.status, 429);
    assert_eq!(first.header("retry-after"), Some("1"));
    assert_eq!(w.respond(&limited, "/").status, 200);

    let down = find("down");
    for _ in 0..3 {
        assert_eq!(w.respond(&down, "/").status, 503);
    }
    let slow = find("slow");
    assert!(w.respond(&slow, "/").delay >= Duration::from_millis(1500));

    let normal = find("normal");
    let r = w.respond(&normal, "/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.delay, Duration::ZERO);
    assert_eq!(w.respond(&normal, "/nope").status, 404);
    let robots = w.respond(&normal, "/robots.txt");
    assert!(
        robots
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(robots.text().starts_with("User-agent: *"));

    let www = w.respond(&format!("www.{normal}"), "/contact");
    assert_eq!(www.status, 301);
    assert_eq!(
        www.header("location"),
        Some(format!("http://{normal}/contact").as_str())
    );

    let unknown = w.respond("nowhere.test", "/");
    assert_eq!(unknown.status, 502);
    assert_eq!(unknown.text(), "unknown host");

    let counts = |b: &str| w.ground_truth().iter().filter(|t| t.behaviour == b).count();
    assert!(counts("normal") > 200);
}

#[test]
fn latency_is_in_range_and_reproducible() {
    let opts = SampleWebOptions {
        seed: 1,
        companies: 20,
        latency_ms: Some((10, 30)),
    };
    let a = SampleWeb::generate(opts.clone());
    let b = SampleWeb::generate(opts);
    for _ in 0..5 {
        let (x, y) = (
            a.respond("directory.test", "/"),
            b.respond("directory.test", "/"),
        );
        assert_eq!(x.delay, y.delay);
        assert!(x.delay >= Duration::from_millis(10) && x.delay <= Duration::from_millis(30));
    }
}

#[test]
fn robots_and_sitemaps_vary() {
    let w = web(42, 400);
    let sites: Vec<&TruthCompany> = w
        .ground_truth()
        .iter()
        .filter(|t| !t.domain.is_empty())
        .collect();
    let restricted = sites
        .iter()
        .filter(|t| !t.allows("/team") || !t.allows("/careers"))
        .count();
    assert!(restricted > sites.len() / 20 && restricted < sites.len() / 4);
    let with_sitemap = w
        .built
        .sites
        .iter()
        .flatten()
        .filter(|s| s.has_sitemap)
        .count();
    assert!(with_sitemap > sites.len() / 3 && with_sitemap < sites.len() * 2 / 3);
    let t = sites.iter().find(|t| !t.allows("/team")).unwrap();
    let i = w
        .ground_truth()
        .iter()
        .position(|x| x.domain == t.domain)
        .unwrap();
    assert!(
        page(&w, i, "/robots.txt")
            .text()
            .contains("Disallow: /team\n")
    );
}

/// Walks `rel=next` links from a first search URL and returns every listing as (name, website).
fn crawl_directory(w: &SampleWeb, first: &str) -> Vec<(String, Option<String>)> {
    let listing_sel = scraper::Selector::parse("div.listing").unwrap();
    let name_sel = scraper::Selector::parse("h2.name").unwrap();
    let web_sel = scraper::Selector::parse("a.website").unwrap();
    let next_sel = scraper::Selector::parse("a[rel=next]").unwrap();
    let mut out = Vec::new();
    let mut url = Some(first.to_string());
    let mut pages = 0;
    while let Some(u) = url.take() {
        pages += 1;
        assert!(pages < 200, "pagination loop");
        let r = w.respond(SampleWeb::DIRECTORY_HOST, &u);
        assert_eq!(r.status, 200);
        let doc = scraper::Html::parse_document(&r.text());
        let mut on_page = 0;
        for l in doc.select(&listing_sel) {
            on_page += 1;
            let name = l
                .select(&name_sel)
                .next()
                .unwrap()
                .text()
                .collect::<String>();
            let site = l
                .select(&web_sel)
                .next()
                .and_then(|a| a.value().attr("href"))
                .map(str::to_string);
            out.push((name, site));
        }
        assert!(on_page <= 10);
        url = doc
            .select(&next_sel)
            .next()
            .and_then(|a| a.value().attr("href"))
            .map(str::to_string);
    }
    out
}

#[test]
fn directory_pagination_covers_each_company_once() {
    let w = web(42, 700);
    for (k, ind) in SampleWeb::industries().iter().enumerate() {
        let city = SampleWeb::cities()[k % SampleWeb::cities().len()];
        let got = crawl_directory(
            &w,
            &format!("/search?industry={ind}&location={}", city.to_uppercase()),
        );
        let mut expected: Vec<(String, Option<String>)> = w
            .ground_truth()
            .iter()
            .chain(w.duplicate_listings())
            .filter(|t| t.industry == *ind && t.city == city)
            .map(|t| {
                (
                    t.name.clone(),
                    (!t.website.is_empty()).then(|| t.website.clone()),
                )
            })
            .collect();
        assert!(expected.len() > 10, "{ind} in {city}: want several pages");
        let mut got_sorted = got.clone();
        got_sorted.sort();
        expected.sort();
        assert_eq!(got_sorted, expected, "{ind} in {city}");
    }
    let mut counts: HashMap<bool, usize> = HashMap::new();
    for (_, site) in crawl_directory(&w, "/search?industry=&location=") {
        *counts.entry(site.is_some()).or_default() += 1;
    }
    assert_eq!(
        counts.values().sum::<usize>(),
        w.companies() + w.duplicate_listings().len()
    );
    assert!(counts[&false] > 20);
}

#[test]
fn directory_query_matching() {
    let w = web(42, 300);
    let dentists_in_austin = w
        .ground_truth()
        .iter()
        .filter(|t| t.industry == "dentist" && t.city == "Austin")
        .count()
        + w.duplicate_listings()
            .iter()
            .filter(|t| t.industry == "dentist" && t.city == "Austin")
            .count();
    for q in [
        "industry=dentist&location=austin",
        "industry=Dentists&location=Austin%2C+TX",
        "industry=dental+clinic&location=AUSTIN",
    ] {
        let got = crawl_directory(&w, &format!("/search?{q}"));
        assert_eq!(got.len(), dentists_in_austin, "{q}");
    }
    let lawyers = crawl_directory(&w, "/search?industry=lawyer");
    let law_firms = w
        .ground_truth()
        .iter()
        .chain(w.duplicate_listings())
        .filter(|t| t.industry == "law-firm")
        .count();
    assert_eq!(lawyers.len(), law_firms);
    assert!(crawl_directory(&w, "/search?industry=astronaut").is_empty());
    assert!(crawl_directory(&w, "/search?industry=dentist&location=Tokyo").is_empty());
    let home = w.respond(SampleWeb::DIRECTORY_HOST, "/");
    assert!(home.text().contains("<form"));
    let robots = w.respond(SampleWeb::DIRECTORY_HOST, "/robots.txt");
    assert_eq!(robots.text(), "User-agent: *\nDisallow:\n");
}

#[test]
fn web_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SampleWeb>();
}
