use super::*;
use std::collections::BTreeSet;

fn detect(url: &str, html: &str, headers: &[(&str, &str)]) -> Vec<Detection> {
    curated().detect(&PageSignals::from_html(url, html).with_headers(headers.iter().copied()))
}

fn find<'a>(found: &'a [Detection], name: &str) -> Option<&'a Detection> {
    found.iter().find(|d| d.name == name)
}

fn names(found: &[Detection]) -> Vec<&str> {
    found.iter().map(|d| d.name.as_str()).collect()
}

#[test]
fn curated_set_is_large_valid_and_covers_every_category() {
    let (set, problems) = FingerprintsBuilder::curated().build();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(set.len() >= 150, "{} technologies", set.len());
    assert_eq!(set.len(), curated().len());
    for category in Category::STACK {
        let n = set
            .names()
            .filter(|n| set.categories_of(n).is_some_and(|c| c.contains(&category)))
            .count();
        assert!(n >= 5, "{category}: {n} technologies");
    }
    let stats = set.stats();
    assert!(
        stats.always_run * 10 < stats.patterns,
        "too many patterns without a literal: {stats:?}"
    );
}

#[test]
fn html_and_script_sources_with_versions() {
    let html = r#"<!DOCTYPE html><html><head>
        <meta name="generator" content="WordPress 6.4.2">
        <link rel='stylesheet' href='https://acme.test/wp-content/themes/astra/style.css?ver=6.4.2'>
        <script src="https://acme.test/wp-includes/js/jquery/jquery-3.6.0.min.js"></script>
        </head><body><p>Hello</p></body></html>"#;
    let found = detect("https://acme.test/", html, &[]);
    let wp = find(&found, "WordPress").expect("WordPress");
    assert_eq!(wp.version.as_deref(), Some("6.4.2"));
    assert_eq!(wp.categories, [Category::Cms]);
    assert_eq!(wp.confidence, 100);
    let jq = find(&found, "jQuery").expect("jQuery");
    assert_eq!(jq.version.as_deref(), Some("3.6.0"));
    assert_eq!(jq.categories, [Category::Frontend]);
}

#[test]
fn headers_cookies_meta_url_and_inline_scripts() {
    let html = r#"<html><head>
        <meta name="csrf-param" content="authenticity_token">
        <script>(function(h,o,t,j,a,r){h.hj=h.hj||function(){};h._hjSettings={hjid:123,hjsv:6};
          r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');</script>
        <script id="__NEXT_DATA__" type="application/json">{"props":{}}</script>
        </head><body></body></html>"#;
    let found = detect(
        "https://acme.myshopify.com/products/x",
        html,
        &[
            ("Server", "nginx/1.24.0"),
            ("X-Powered-By", "PHP/8.2.7"),
            (
                "set-cookie",
                "laravel_session=abc; path=/; httponly\nPHPSESSID=xyz; path=/",
            ),
            ("CF-RAY", "8a1b2c3d4e5f-FRA"),
        ],
    );
    let nginx = find(&found, "Nginx").expect("Nginx from the server header");
    assert_eq!(nginx.version.as_deref(), Some("1.24.0"));
    assert_eq!(nginx.categories, [Category::Cloud]);
    let php = find(&found, "PHP").expect("PHP from x-powered-by and the cookie");
    assert_eq!(php.version.as_deref(), Some("8.2.7"));
    assert!(
        find(&found, "Laravel").is_some(),
        "cookie: {:?}",
        names(&found)
    );
    assert!(find(&found, "Cloudflare").is_some(), "cf-ray header");
    assert!(find(&found, "Hotjar").is_some(), "inline script");
    assert!(find(&found, "Next.js").is_some(), "html");
    assert!(find(&found, "Shopify").is_some(), "url");
    let rails = find(&found, "Ruby on Rails").expect("meta csrf-param");
    assert_eq!(rails.confidence, 50);
}

#[test]
fn results_are_sorted_and_deterministic() {
    let html = r#"<script src="/js/jquery-3.6.0.min.js"></script><script src="https://js.stripe.com/v3/"></script>
        <script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script>"#;
    let a = detect(
        "https://a.test/",
        html,
        &[("server", "Apache/2.4.57 (Debian)")],
    );
    let b = detect(
        "https://a.test/",
        html,
        &[("server", "Apache/2.4.57 (Debian)")],
    );
    assert_eq!(a, b);
    assert_eq!(
        names(&a),
        [
            "Apache HTTP Server",
            "Debian",
            "Google Analytics",
            "jQuery",
            "Stripe"
        ]
    );
    assert_eq!(
        find(&a, "Apache HTTP Server").unwrap().version.as_deref(),
        Some("2.4.57")
    );
}

#[test]
fn implies_transitively_with_cycle_safety() {
    let html = r#"<link rel="stylesheet" href="/wp-content/plugins/woocommerce/assets/css/woocommerce.css">"#;
    let found = detect("https://shop.test/", html, &[]);
    for name in ["WooCommerce", "WordPress", "PHP", "MySQL"] {
        let d = find(&found, name).unwrap_or_else(|| panic!("{name}: {:?}", names(&found)));
        assert_eq!(d.version, None);
    }
    assert_eq!(
        find(&found, "MySQL").unwrap().categories,
        [Category::Database]
    );

    let json = r#"{
        "A": {"cats": [12], "html": "alpha-widget", "implies": "B\\;confidence:60"},
        "B": {"cats": [18], "implies": ["C"]},
        "C": {"cats": [27], "implies": ["A", "B"]}
    }"#;
    let (set, problems) = Fingerprints::from_json(json).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let found = set.detect(&PageSignals::from_html("", "<div class=alpha-widget>"));
    let conf: Vec<(&str, u8)> = found
        .iter()
        .map(|d| (d.name.as_str(), d.confidence))
        .collect();
    assert_eq!(conf, [("A", 100), ("B", 60), ("C", 60)]);
}

#[test]
fn excludes_and_requires() {
    let json = r#"{
        "Angular": {"cats": [12], "html": "ng-version=\"([\\d.]+)\"\\;version:\\1", "excludes": "AngularJS"},
        "AngularJS": {"cats": [12], "html": "ng-app", "implies": "Helper"},
        "Helper": {"cats": [59]},
        "Plugin": {"cats": [87], "html": "plugin-x", "requires": "Host"},
        "Host": {"cats": [1], "html": "host-y"}
    }"#;
    let (set, problems) = Fingerprints::from_json(json).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let page = r#"<app-root ng-version="17.0.1" ng-app="x"></app-root><i class="plugin-x"></i>"#;
    let found = set.detect(&PageSignals::from_html("", page));
    assert_eq!(names(&found), ["Angular"]);
    assert_eq!(found[0].version.as_deref(), Some("17.0.1"));
    let page = r#"<i class="plugin-x"></i><b class="host-y"></b>"#;
    let found = set.detect(&PageSignals::from_html("", page));
    assert_eq!(names(&found), ["Host", "Plugin"]);
}

#[test]
fn confidence_and_ternary_version_suffixes() {
    let json = r#"{
        "Maybe": {"cats": [10], "html": ["maybe-one\\;confidence:40", "maybe-two\\;confidence:30"]},
        "Legacy": {"cats": [6], "scriptSrc": "legacy(-beta)?\\.js\\;version:\\1?2-beta:1", "confidence": 3}
    }"#;
    let (set, _) = Fingerprints::from_json(json).unwrap();
    let one = set.detect(&PageSignals::from_html("", "<p>maybe-one</p>"));
    assert_eq!(one[0].confidence, 40);
    let both = set.detect(&PageSignals::from_html("", "<p>maybe-one maybe-two</p>"));
    assert_eq!(both[0].confidence, 70);
    let beta = set.detect(&PageSignals::from_html(
        "",
        r#"<script src="/legacy-beta.js"></script>"#,
    ));
    assert_eq!(beta[0].version.as_deref(), Some("2-beta"));
    let old = set.detect(&PageSignals::from_html(
        "",
        r#"<script src="/legacy.js"></script>"#,
    ));
    assert_eq!(old[0].version.as_deref(), Some("1"));
    assert_eq!(old[0].categories, [Category::Ecommerce]);
}

#[test]
fn user_file_with_invalid_regex_loads_the_rest() {
    let dir = std::env::temp_dir().join(format!("leadgen-fp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let techs = dir.join("a.json");
    std::fs::write(
        &techs,
        r#"{
        "Broken Tech": {"cats": [10], "html": ["ok-literal", "unclosed (group"], "website": "https://x.test"},
        "Lookahead Tech": {"cats": [59], "scriptSrc": "/lib(?!\\.min)\\.js"},
        "Fine Tech": {"cats": [101], "headers": {"X-Fine": "^fine/([\\d.]+)\\;version:\\1"}, "implies": "Nowhere"},
        "Bad Shape": 42,
        "WordPress": {"cats": [1], "meta": {"generator": "^WordPress ?([\\d.]+)?\\;version:\\1"}}
    }"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("categories.json"),
        r#"{"101": {"name": "Live chat", "priority": 9}}"#,
    )
    .unwrap();
    let (set, problems) = load(std::slice::from_ref(&dir)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let report: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 3, "{report:#?}");
    let broken = problems
        .iter()
        .find(|p| p.technology == "Broken Tech")
        .unwrap();
    assert_eq!(broken.field, "html");
    assert_eq!(broken.pattern, "unclosed (group");
    assert!(
        broken.message.contains("invalid regex"),
        "{}",
        broken.message
    );
    assert!(report.iter().any(|p| p.contains("Bad Shape")));
    assert!(
        report
            .iter()
            .any(|p| p.contains("Fine Tech") && p.contains("Nowhere"))
    );

    // The rest loads: the broken technology's valid pattern, look-around, categories.json,
    // and a user entry replaces the curated one of the same name.
    assert_eq!(set.len(), curated().len() + 3);
    let page = PageSignals::from_html(
        "",
        r#"<p>ok-literal</p><script src="/lib.js"></script><meta name="generator" content="WordPress">"#,
    )
    .with_headers([("x-fine", "fine/2.1")]);
    let found = set.detect(&page);
    assert!(find(&found, "Broken Tech").is_some());
    assert!(find(&found, "Lookahead Tech").is_some());
    let fine = find(&found, "Fine Tech").unwrap();
    assert_eq!(fine.version.as_deref(), Some("2.1"));
    assert_eq!(fine.categories, [Category::Support]);
    assert_eq!(
        names(&found).iter().filter(|n| **n == "WordPress").count(),
        1
    );
    assert!(
        find(&found, "PHP").is_none(),
        "user WordPress has no implies"
    );
    let min = set.detect(&PageSignals::from_html(
        "",
        r#"<script src="/lib.min.js"></script>"#,
    ));
    assert!(find(&min, "Lookahead Tech").is_none());
}

#[test]
fn unreadable_files_are_errors_not_panics() {
    let missing = std::env::temp_dir().join("leadgen-no-such-fingerprints.json");
    assert!(matches!(load(&[missing]), Err(LoadError::Io { .. })));
    let mut b = FingerprintsBuilder::new();
    assert!(matches!(
        b.add_json("[1, 2]", "array.json"),
        Err(LoadError::Json { .. })
    ));
}

#[test]
fn no_false_positives_on_a_plain_page() {
    let html = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Dental | Austin</title>
<meta name="description" content="Family dentistry in Austin, Texas.">
<link rel="stylesheet" href="/css/site.css"><link rel="icon" href="/favicon.ico">
<script src="/js/main.js"></script>
<script>document.documentElement.className = 'js'; var react = "no"; // vue, angular, shopify</script>
</head><body class="home">
<header><nav><a href="/">Home</a> <a href="/about">About us</a> <a href="/contact">Contact</a></nav></header>
<main><h1>Welcome to Acme Dental</h1>
<p>We use modern tools. Our team loves React, WordPress, Stripe, nginx and jQuery in their spare time.</p>
<form action="/contact" method="post"><input type="email" name="email"><button>Send</button></form>
<img src="/img/team.jpg" alt="Our team"></main>
<footer><p>&copy; 2024 Acme Dental. 1 Main St, Austin TX.</p></footer>
</body></html>"#;
    let found = detect(
        "https://acme-dental.test/",
        html,
        &[("content-type", "text/html; charset=utf-8")],
    );
    assert!(found.is_empty(), "{:?}", names(&found));
}

#[test]
fn sample_web_technologies_are_found() {
    use crate::sample_web::{SampleWeb, SampleWebOptions};
    let web = SampleWeb::generate(SampleWebOptions {
        seed: 11,
        companies: 80,
        latency_ms: None,
    });
    let mut checked = 0;
    for t in web
        .ground_truth()
        .iter()
        .filter(|t| !t.domain.is_empty() && t.behaviour == "normal")
    {
        let resp = web.respond(&t.domain, "/");
        let body = resp.text();
        let signals = PageSignals::from_html(&t.website, &body)
            .with_headers(resp.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let found = curated().detect(&signals);
        let got: BTreeSet<&str> = found.iter().map(|d| d.name.as_str()).collect();
        for want in &t.technologies {
            assert!(
                got.contains(want.as_str()),
                "{}: {want} not in {got:?}",
                t.domain
            );
        }
        // Nothing beyond the truth and what it implies.
        let implied = ["MySQL", "PHP", "WordPress"];
        for g in &got {
            assert!(
                t.technologies.iter().any(|w| w == g) || implied.contains(g),
                "{}: unexpected {g}",
                t.domain
            );
        }
        checked += 1;
    }
    assert!(checked > 30, "{checked}");
}

#[test]
fn implications_are_followed_transitively() {
    let implied: BTreeSet<&str> = curated().implied_by("WordPress").into_iter().collect();
    assert!(implied.contains("PHP"), "{implied:?}");
    assert!(implied.contains("MySQL"), "{implied:?}");
    assert!(!implied.contains("WordPress"));
    assert!(curated().implied_by("No Such Technology").is_empty());
}

#[test]
fn booking_systems_are_recognised() {
    let html = r#"<html><head><script src="https://embed.acuityscheduling.com/js/embed.js"></script>
        <script src="https://widgets.resy.com/embed.js"></script></head>
        <body><a href="https://acme-dental.setmore.com">Book online</a></body></html>"#;
    let found = detect("https://acme.test/", html, &[]);
    for name in ["Acuity Scheduling", "Resy", "Setmore"] {
        assert!(find(&found, name).is_some(), "{name}: {:?}", names(&found));
    }
}
