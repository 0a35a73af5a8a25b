//! Technology detection throughput: the curated fingerprint set against a set with 7,500
//! generated Wappalyzer-format technologies on top (realistic names and patterns, each with its
//! own literals), over synthesized pages of 30–150 KB (a WordPress shop, a Next.js app, a
//! Shopify store, a plain company site) with their response headers. Prints load/build time,
//! the first pass (which compiles the regexes pages trigger), then steady-state MB/s of HTML and
//! pages/s, with and without reading the page's tags, and the per-page cost ratio between sets.
//!
//! `LEADGEN_BENCH_FINGERPRINTS` (paths separated like `PATH`, files or directories) adds a third
//! column with those files on top of the curated set, e.g. the community dataset's
//! `src/technologies` directory and `src/categories.json`.
//!
//! Run: `cargo bench --bench technologies` (`LEADGEN_BENCH_SECONDS`, default 3, per set).

use leadgen_core::technologies::{Fingerprints, FingerprintsBuilder, PageSignals};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// A small deterministic generator (no dependency on the bench machine's randomness).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const WORDS: [&str; 40] = [
    "family",
    "dental",
    "care",
    "modern",
    "clinic",
    "team",
    "service",
    "quality",
    "local",
    "trusted",
    "experience",
    "patients",
    "appointment",
    "office",
    "insurance",
    "smile",
    "health",
    "product",
    "shipping",
    "order",
    "customer",
    "design",
    "premium",
    "collection",
    "season",
    "delivery",
    "support",
    "contact",
    "about",
    "project",
    "solution",
    "business",
    "growth",
    "platform",
    "data",
    "secure",
    "simple",
    "fast",
    "online",
    "community",
];

fn sentence(r: &mut Lcg, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(r.pick(&WORDS));
    }
    s
}

/// Body filler until `html` reaches `size` bytes: article cards, product tiles, nav lists,
/// inline SVG icons and data attributes, as real pages carry.
fn fill(r: &mut Lcg, html: &mut String, size: usize, style: &str) {
    let mut i = 0;
    while html.len() < size {
        i += 1;
        match style {
            "shop" => {
                let _ = writeln!(
                    html,
                    "<li class=\"product type-product post-{i} status-publish instock has-post-thumbnail\">\
                     <a href=\"/product/{a}-{i}/\" class=\"woocommerce-LoopProduct-link\">\
                     <img width=\"300\" height=\"300\" src=\"/wp-content/uploads/2023/0{m}/{a}-{i}-300x300.jpg\" \
                     alt=\"{t}\" loading=\"lazy\" srcset=\"/wp-content/uploads/2023/0{m}/{a}-{i}-600x600.jpg 600w\">\
                     <h2 class=\"woocommerce-loop-product__title\">{t}</h2>\
                     <span class=\"price\"><bdi>${p}.{c:02}</bdi></span></a>\
                     <a href=\"?add-to-cart={i}\" data-quantity=\"1\" class=\"button add_to_cart_button ajax_add_to_cart\" \
                     data-product_id=\"{i}\" rel=\"nofollow\">Add to cart</a></li>",
                    a = r.pick(&WORDS),
                    m = 1 + r.below(9),
                    t = sentence(r, 3),
                    p = 5 + r.below(200),
                    c = r.below(100),
                );
            }
            "app" => {
                let _ = writeln!(
                    html,
                    "<section class=\"Section_root__{h:x} mx-auto max-w-7xl px-6\"><div class=\"grid gap-8 md:grid-cols-3\">\
                     <div class=\"Card_card__{h2:x}\"><svg viewBox=\"0 0 24 24\" aria-hidden=\"true\"><path d=\"M12 2l{a} {b}-{c} {a}z\"/></svg>\
                     <h3 class=\"text-lg font-semibold\">{t}</h3><p class=\"mt-2 text-gray-600\">{s}</p>\
                     <a href=\"/docs/{w}\" class=\"Link_link__{h3:x}\">Learn more</a></div></div></section>",
                    h = r.next(),
                    h2 = r.next(),
                    h3 = r.next(),
                    a = r.below(20),
                    b = r.below(20),
                    c = r.below(20),
                    t = sentence(r, 4),
                    s = sentence(r, 24),
                    w = r.pick(&WORDS),
                );
            }
            "store" => {
                let _ = writeln!(
                    html,
                    "<div class=\"grid__item grid-product\" data-product-handle=\"{a}-{i}\" data-product-id=\"{id}\">\
                     <a href=\"/collections/all/products/{a}-{i}\" class=\"grid-product__link\">\
                     <img class=\"grid-product__image lazyload\" data-src=\"//acme-store.com/cdn/shop/products/{a}_{i}_{{width}}x.jpg?v={v}\" \
                     data-widths=\"[180, 360, 540, 720]\" alt=\"{t}\">\
                     <div class=\"grid-product__title\">{t}</div><div class=\"grid-product__price\">${p}.00</div></a>\
                     <div class=\"jdgm-widget jdgm-preview-badge\" data-id=\"{id}\"></div></div>",
                    a = r.pick(&WORDS),
                    id = 7_000_000_000u64 + r.next() % 1_000_000,
                    v = 1_690_000_000 + r.below(10_000_000),
                    t = sentence(r, 3),
                    p = 10 + r.below(300),
                );
            }
            _ => {
                let _ = writeln!(
                    html,
                    "<div class=\"row\"><div class=\"col-md-8\"><h2>{t}</h2><p>{s}</p><p>{s2}</p></div>\
                     <div class=\"col-md-4\"><ul class=\"list-unstyled\"><li><a href=\"/{w}\">{w}</a></li>\
                     <li><a href=\"/{w2}\">{w2}</a></li></ul></div></div>",
                    t = sentence(r, 5),
                    s = sentence(r, 60),
                    s2 = sentence(r, 40),
                    w = r.pick(&WORDS),
                    w2 = r.pick(&WORDS),
                );
            }
        }
    }
}

/// A synthesized page: URL, HTML and response headers.
struct Page {
    url: String,
    html: String,
    headers: Vec<(String, String)>,
}

fn pages() -> Vec<Page> {
    let mut r = Lcg(42);
    let mut out = Vec::new();

    let mut wp = String::from(
        "<!DOCTYPE html><html lang=\"en-US\"><head><meta charset=\"UTF-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Shop – Harbor Home Goods</title>\n\
         <!-- This site is optimized with the Yoast SEO plugin v21.7 - https://yoast.com/wordpress/plugins/seo/ -->\n\
         <meta property=\"og:title\" content=\"Shop – Harbor Home Goods\"><meta property=\"og:type\" content=\"website\">\n\
         <link rel='stylesheet' id='wp-block-library-css' href='https://harbor.test/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2' media='all'>\n\
         <link rel='stylesheet' id='woocommerce-general-css' href='https://harbor.test/wp-content/plugins/woocommerce/assets/css/woocommerce.css?ver=8.4.0' media='all'>\n\
         <link rel='stylesheet' href='https://fonts.googleapis.com/css2?family=Inter:wght@400;600&display=swap'>\n\
         <script src='https://harbor.test/wp-includes/js/jquery/jquery.min.js?ver=3.7.1' id='jquery-core-js'></script>\n\
         <script src='https://harbor.test/wp-includes/js/jquery/jquery-migrate.min.js?ver=3.4.1' id='jquery-migrate-js'></script>\n\
         <script async src=\"https://www.googletagmanager.com/gtag/js?id=G-7H3K9LQ2PX\"></script>\n\
         <script>window.dataLayer = window.dataLayer || [];function gtag(){dataLayer.push(arguments);}gtag('js', new Date());gtag('config', 'G-7H3K9LQ2PX');</script>\n\
         <script>!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};\
         t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window, document,'script',\
         'https://connect.facebook.net/en_US/fbevents.js');fbq('init', '1234567890');fbq('track', 'PageView');</script>\n\
         <meta name=\"generator\" content=\"WordPress 6.4.2\"><meta name=\"generator\" content=\"WooCommerce 8.4.0\">\n\
         </head><body class=\"archive post-type-archive post-type-archive-product theme-astra woocommerce-shop woocommerce\">\n\
         <ul class=\"products columns-4\">\n",
    );
    fill(&mut r, &mut wp, 120_000, "shop");
    wp.push_str(
        "</ul><script src='https://harbor.test/wp-content/plugins/woocommerce/assets/js/frontend/woocommerce.min.js?ver=8.4.0'></script>\
         <script src='https://js.stripe.com/v3/'></script></body></html>",
    );
    out.push(Page {
        url: "https://harbor.test/shop/".into(),
        html: wp,
        headers: vec![
            ("server".into(), "nginx/1.24.0".into()),
            ("x-powered-by".into(), "PHP/8.2.7".into()),
            (
                "set-cookie".into(),
                "woocommerce_items_in_cart=1; path=/\nPHPSESSID=8f1e2d; path=/; HttpOnly".into(),
            ),
        ],
    });

    let mut next = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charSet=\"utf-8\"/>\
         <meta name=\"viewport\" content=\"width=device-width\"/><title>Orbit – Ship data products faster</title>\
         <link rel=\"preload\" href=\"/_next/static/css/5f8e2a1c9b3d4e7f.css\" as=\"style\"/>\
         <link rel=\"stylesheet\" href=\"/_next/static/css/5f8e2a1c9b3d4e7f.css\" data-n-g=\"\"/>\
         <script src=\"/_next/static/chunks/webpack-3b2a1f0e9d8c7b6a.js\" defer=\"\"></script>\
         <script src=\"/_next/static/chunks/framework-2c79e2a64abdb08b.js\" defer=\"\"></script>\
         <script src=\"/_next/static/chunks/main-8f7e6d5c4b3a2918.js\" defer=\"\"></script>\
         <script src=\"https://cdn.segment.com/analytics.js/v1/AbCdEf123456/analytics.min.js\" async=\"\"></script>\
         <script>window.intercomSettings = { api_base: \"https://api-iam.intercom.io\", app_id: \"x1y2z3w4\" };</script>\
         <script async src=\"https://widget.intercom.io/widget/x1y2z3w4\"></script>\
         </head><body><div id=\"__next\">",
    );
    fill(&mut r, &mut next, 70_000, "app");
    let mut data = String::from("{\"props\":{\"pageProps\":{\"sections\":[");
    while data.len() < 15_000 {
        let _ = write!(
            data,
            "{{\"title\":\"{}\",\"body\":\"{}\"}},",
            sentence(&mut r, 4),
            sentence(&mut r, 30)
        );
    }
    data.push_str("{}]}},\"page\":\"/\",\"buildId\":\"k3J9x\"}");
    let _ = write!(
        next,
        "</div><script id=\"__NEXT_DATA__\" type=\"application/json\">{data}</script>\
         <script src=\"https://js.stripe.com/v3/\"></script></body></html>"
    );
    out.push(Page {
        url: "https://orbit.test/".into(),
        html: next,
        headers: vec![
            ("server".into(), "Vercel".into()),
            ("x-vercel-id".into(), "fra1::iad1::abc-123".into()),
            ("x-powered-by".into(), "Next.js".into()),
        ],
    });

    let mut shop = String::from(
        "<!doctype html><html class=\"no-js\" lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Cedar &amp; Co – Handmade goods</title>\
         <meta name=\"shopify-digital-wallet\" content=\"/12345678/digital_wallets/dialog\">\
         <meta name=\"shopify-checkout-api-token\" content=\"0a1b2c3d4e5f\">\
         <link href=\"//acme-store.com/cdn/shop/t/12/assets/theme.css?v=1690000000\" rel=\"stylesheet\">\
         <script src=\"//cdn.shopify.com/s/files/1/0123/4567/t/12/assets/vendor.js?v=1690000000\" defer=\"defer\"></script>\
         <script src=\"https://static.klaviyo.com/onsite/js/klaviyo.js?company_id=AbC123\" async></script>\
         <script src=\"https://cdn.judge.me/widget_preloader.js\" defer></script>\
         <script>var Shopify = Shopify || {};Shopify.shop = \"cedar-co.myshopify.com\";Shopify.currency = {\"active\":\"USD\",\"rate\":\"1.0\"};</script>\
         </head><body class=\"template-collection\"><div class=\"grid grid--uniform\">",
    );
    fill(&mut r, &mut shop, 100_000, "store");
    shop.push_str("</div></body></html>");
    out.push(Page {
        url: "https://cedar-co.test/collections/all".into(),
        html: shop,
        headers: vec![
            ("server".into(), "cloudflare".into()),
            ("cf-ray".into(), "8a1b2c3d4e5f6a7b-FRA".into()),
            ("x-shopid".into(), "12345678".into()),
            (
                "set-cookie".into(),
                "_shopify_y=abc; path=/; expires=Wed, 21 Oct 2026 07:28:00 GMT, cart_sig=def; path=/".into(),
            ),
        ],
    });

    let mut plain = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Northern Law LLP</title>\
         <link rel=\"stylesheet\" href=\"https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/css/bootstrap.min.css\">\
         <link rel=\"stylesheet\" href=\"/css/site.css\">\
         <script src=\"https://code.jquery.com/jquery-3.6.0.min.js\"></script>\
         <script>(function(h,o,t,j,a,r){h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};\
         h._hjSettings={hjid:3456789,hjsv:6};a=o.getElementsByTagName('head')[0];r=o.createElement('script');r.async=1;\
         r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;a.appendChild(r);})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');</script>\
         </head><body><div class=\"container\">",
    );
    fill(&mut r, &mut plain, 40_000, "plain");
    plain.push_str(
        "</div><iframe src=\"https://www.google.com/maps/embed?pb=!1m18\" width=\"600\" height=\"450\"></iframe>\
         <script src=\"https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/js/bootstrap.bundle.min.js\"></script></body></html>",
    );
    out.push(Page {
        url: "https://northern-law.test/".into(),
        html: plain,
        headers: vec![
            ("server".into(), "Apache/2.4.57 (Debian)".into()),
            (
                "set-cookie".into(),
                "JSESSIONID=1A2B3C; Path=/; HttpOnly".into(),
            ),
        ],
    });
    out
}

const PREFIXES: [&str; 30] = [
    "Zen", "Nova", "Acme", "Blue", "Cloud", "Data", "Echo", "Flux", "Grid", "Hyper", "Iron", "Jet",
    "Kite", "Lumen", "Metro", "Nimbus", "Orbit", "Pixel", "Quanta", "Rocket", "Sonic", "Terra",
    "Ultra", "Vertex", "Wave", "Xeno", "Yield", "Zephyr", "Astra", "Bolt",
];
const STEMS: [&str; 25] = [
    "flow", "metrics", "chat", "pay", "cart", "press", "stack", "cast", "form", "mail", "desk",
    "lytics", "cdn", "base", "hub", "kit", "sense", "track", "serve", "shop", "page", "forge",
    "wise", "loop", "point",
];
const KINDS: [(&str, u32); 10] = [
    ("Analytics", 10),
    ("Chat", 52),
    ("Payments", 41),
    ("Commerce", 6),
    ("CMS", 1),
    ("UI", 66),
    ("CDN", 31),
    ("Marketing", 32),
    ("DB", 34),
    ("Framework", 18),
];

/// `n` technologies in Wappalyzer format, each with its own literals in several fields.
fn generated_set(n: usize) -> String {
    let mut techs = serde_json::Map::new();
    for i in 0..n {
        let prefix = PREFIXES[i % PREFIXES.len()];
        let stem = STEMS[(i / PREFIXES.len()) % STEMS.len()];
        let (kind, cat) = KINDS[(i / (PREFIXES.len() * STEMS.len()) + i) % KINDS.len()];
        let name = format!("{prefix}{stem} {kind} {i}");
        let slug = format!("{}{stem}{i}", prefix.to_ascii_lowercase());
        let mut t = serde_json::json!({
            "cats": [cat],
            "website": format!("https://{slug}.example"),
            "scriptSrc": [
                format!(r"cdn\.{slug}\.io/sdk(?:[.-]([\d.]+))?(?:\.min)?\.js\;version:\1"),
                format!(r"/{slug}-widget(?:\.min)?\.js"),
            ],
            "html": [format!(r#"<div[^>]+class="[^"]*\b{slug}-(?:embed|widget)\b"#)],
        });
        if i % 4 == 0 {
            t["scripts"] = serde_json::json!([format!(r"\b{slug}\.init\(\s*\{{")]);
        }
        if i % 5 == 0 {
            t["meta"] = serde_json::json!({
                "generator": format!(r"^{prefix}{stem} {i}(?: ([\d.]+))?\;version:\1")
            });
        }
        if i % 7 == 0 {
            t["headers"] = serde_json::json!({ format!("X-{slug}-Id"): "" });
        }
        if i % 11 == 0 {
            t["headers"] = serde_json::json!({
                "Server": format!(r"^{slug}(?:/([\d.]+))?\;version:\1")
            });
        }
        if i % 9 == 0 {
            t["cookies"] = serde_json::json!({ format!("{slug}_session"): "" });
        }
        if i % 13 == 0 && i > 0 {
            let prev = format!(
                "{}{} {} {}",
                PREFIXES[(i - 1) % PREFIXES.len()],
                STEMS[((i - 1) / PREFIXES.len()) % STEMS.len()],
                KINDS[((i - 1) / (PREFIXES.len() * STEMS.len()) + i - 1) % KINDS.len()].0,
                i - 1
            );
            t["implies"] = serde_json::json!([prev]);
        }
        techs.insert(name, t);
    }
    serde_json::Value::Object(techs).to_string()
}

/// Steady-state figures of one set.
struct Figures {
    technologies: usize,
    patterns: usize,
    always_run: usize,
    automata_bytes: usize,
    build: Duration,
    first_pass: Duration,
    match_per_page: Duration,
    full_per_page: Duration,
    detections: usize,
}

fn measure(set: &Fingerprints, build: Duration, pages: &[Page], budget: Duration) -> Figures {
    let signals: Vec<PageSignals<'_>> = pages
        .iter()
        .map(|p| {
            PageSignals::from_html(&p.url, &p.html)
                .with_headers(p.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        })
        .collect();
    let t = Instant::now();
    let detections: usize = signals.iter().map(|s| set.detect(s).len()).sum();
    let first_pass = t.elapsed();

    let run = |full: bool| {
        let mut n = 0u32;
        let t = Instant::now();
        while t.elapsed() < budget / 2 {
            for (p, s) in pages.iter().zip(&signals) {
                let found = if full {
                    let s = PageSignals::from_html(&p.url, &p.html)
                        .with_headers(p.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    set.detect(&s)
                } else {
                    set.detect(s)
                };
                std::hint::black_box(found);
                n += 1;
            }
        }
        t.elapsed() / n
    };
    let match_per_page = run(false);
    let full_per_page = run(true);
    let stats = set.stats();
    Figures {
        technologies: set.len(),
        patterns: stats.patterns,
        always_run: stats.always_run,
        automata_bytes: stats.automata_bytes,
        build,
        first_pass,
        match_per_page,
        full_per_page,
        detections,
    }
}

/// How one row of the table prints a column's figures.
type Cell<'a> = Box<dyn Fn(&Figures) -> String + 'a>;

fn main() {
    let budget = Duration::from_secs_f64(
        std::env::var("LEADGEN_BENCH_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3.0),
    );
    let pages = pages();
    let total: usize = pages.iter().map(|p| p.html.len()).sum();
    let mean_bytes = total as f64 / pages.len() as f64;
    println!(
        "technologies bench: {} pages, {} KB mean ({} KB total), {}s per set",
        pages.len(),
        (mean_bytes / 1024.0).round(),
        total / 1024,
        budget.as_secs_f64()
    );

    let mut columns: Vec<(String, Figures)> = Vec::new();

    let t = Instant::now();
    let (curated, problems) = FingerprintsBuilder::curated().build();
    let build = t.elapsed();
    assert!(problems.is_empty(), "{problems:?}");
    columns.push(("curated".into(), measure(&curated, build, &pages, budget)));
    drop(curated);

    let generated = generated_set(7_500);
    let t = Instant::now();
    let mut b = FingerprintsBuilder::curated();
    b.add_json(&generated, "generated").expect("generated JSON");
    let (big, problems) = b.build();
    let build = t.elapsed();
    assert!(
        problems.is_empty(),
        "{:?}",
        &problems[..problems.len().min(3)]
    );
    columns.push((
        "+7,500 generated".into(),
        measure(&big, build, &pages, budget),
    ));
    drop(big);

    if let Some(paths) = std::env::var_os("LEADGEN_BENCH_FINGERPRINTS") {
        let paths: Vec<_> = std::env::split_paths(&paths).collect();
        let t = Instant::now();
        match leadgen_core::technologies::load(&paths) {
            Ok((set, problems)) => {
                let build = t.elapsed();
                println!(
                    "LEADGEN_BENCH_FINGERPRINTS: {} technologies, {} patterns skipped",
                    set.len(),
                    problems.len()
                );
                for p in problems.iter().take(5) {
                    println!("  skipped: {p}");
                }
                columns.push(("+files".into(), measure(&set, build, &pages, budget)));
            }
            Err(e) => println!("LEADGEN_BENCH_FINGERPRINTS not loaded: {e}"),
        }
    }

    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    let mbs = |d: Duration| format!("{:.0} MB/s", mean_bytes / d.as_secs_f64() / 1e6);
    let pps = |d: Duration| format!("{:.0}", 1.0 / d.as_secs_f64());
    let rows: Vec<(&str, Cell)> = vec![
        ("technologies", Box::new(|f| f.technologies.to_string())),
        ("patterns", Box::new(|f| f.patterns.to_string())),
        (
            "  without a literal",
            Box::new(|f| f.always_run.to_string()),
        ),
        (
            "literal automata",
            Box::new(|f| format!("{:.1} MB", f.automata_bytes as f64 / 1e6)),
        ),
        ("load + build", Box::new(move |f| ms(f.build))),
        ("first pass, 4 pages", Box::new(move |f| ms(f.first_pass))),
        (
            "detections, 4 pages",
            Box::new(|f| f.detections.to_string()),
        ),
        (
            "match: per page",
            Box::new(move |f| format!("{:.0} µs", f.match_per_page.as_secs_f64() * 1e6)),
        ),
        ("match: HTML", Box::new(move |f| mbs(f.match_per_page))),
        ("match: pages/s", Box::new(move |f| pps(f.match_per_page))),
        (
            "scan tags + match: per page",
            Box::new(move |f| format!("{:.0} µs", f.full_per_page.as_secs_f64() * 1e6)),
        ),
        (
            "scan tags + match: HTML",
            Box::new(move |f| mbs(f.full_per_page)),
        ),
        (
            "scan tags + match: pages/s",
            Box::new(move |f| pps(f.full_per_page)),
        ),
    ];
    print!("{:<30}", "");
    for (name, _) in &columns {
        print!("{name:>20}");
    }
    println!();
    for (label, cell) in &rows {
        print!("{label:<30}");
        for (_, f) in &columns {
            print!("{:>20}", cell(f));
        }
        println!();
    }
    let (base, big) = (&columns[0].1, &columns[1].1);
    println!(
        "{}x the fingerprints -> {:.2}x the per-page match time ({:.2}x with tag scanning)",
        (big.technologies as f64 / base.technologies as f64).round(),
        big.match_per_page.as_secs_f64() / base.match_per_page.as_secs_f64(),
        big.full_per_page.as_secs_f64() / base.full_per_page.as_secs_f64()
    );
}
