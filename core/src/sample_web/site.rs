//! Renders a company's website: pages, robots.txt, sitemap and static stubs.

use super::SampleResponse;
use super::TruthCompany;
use super::data::{CITIES, INDUSTRIES, Locale};
use super::generate::{Built, Site};
use super::text::{base64, esc, stable_hash};
use std::fmt::Write;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Page {
    Home,
    About,
    Team,
    Careers,
    Contact,
    News,
}

impl Page {
    fn title(self) -> &'static str {
        match self {
            Page::Home => "Home",
            Page::About => "About us",
            Page::Team => "Our team",
            Page::Careers => "Careers",
            Page::Contact => "Contact",
            Page::News => "News",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Page::Home => "home",
            Page::About => "about",
            Page::Team => "team",
            Page::Careers => "careers",
            Page::Contact => "contact",
            Page::News => "news",
        }
    }
}

/// Answers a request to company `i`'s site, ignoring its behaviour (the caller applies it).
pub(crate) fn respond(built: &Built, i: usize, path: &str) -> SampleResponse {
    let (Some(t), Some(Some(site))) = (built.truth.get(i), built.sites.get(i)) else {
        return SampleResponse::text_plain(502, "unknown host");
    };
    let normalized = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let page = match normalized {
        "/" | "/index.html" | "/index.php" => Page::Home,
        "/about" => Page::About,
        "/team" => Page::Team,
        "/careers" => Page::Careers,
        "/contact" => Page::Contact,
        "/news" if !t.news.is_empty() => Page::News,
        "/robots.txt" => return SampleResponse::text_plain(200, robots(t, site)),
        "/sitemap.xml" if site.has_sitemap => {
            return SampleResponse::new(200, "application/xml", sitemap(t));
        }
        p if p.starts_with("/static/") || p.starts_with("/wp-content/") => {
            return static_stub(p);
        }
        _ => return SampleResponse::html(404, error_page(404)),
    };
    SampleResponse::html(200, render(built, t, site, page))
}

/// A minimal error page like the ones web servers produce.
pub(crate) fn error_page(status: u16) -> String {
    let reason = match status {
        404 => "Not Found",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Error",
    };
    format!(
        "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\
         <body><h1>{status} {reason}</h1></body></html>\n"
    )
}

fn static_stub(path: &str) -> SampleResponse {
    if path.ends_with(".js") {
        SampleResponse::new(200, "application/javascript", "/* sample web stub */\n")
    } else if path.ends_with(".css") {
        SampleResponse::new(200, "text/css", "/* sample web stub */\n")
    } else {
        SampleResponse::html(404, error_page(404))
    }
}

fn robots(t: &TruthCompany, site: &Site) -> String {
    let mut out = String::from("User-agent: *\n");
    if t.robots_disallow.is_empty() {
        out.push_str("Disallow:\n");
    }
    for d in &t.robots_disallow {
        let _ = writeln!(out, "Disallow: {d}");
    }
    if site.crawl_delay {
        out.push_str("Crawl-delay: 2\n");
    }
    if site.has_sitemap {
        let _ = write!(out, "\nSitemap: http://{}/sitemap.xml\n", t.domain);
    }
    out
}

fn sitemap(t: &TruthCompany) -> String {
    let h = stable_hash(&[t.domain.as_bytes()]);
    let lastmod = format!("2024-{:02}-{:02}", 1 + h % 12, 1 + (h >> 8) % 28);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let news: &[&str] = if t.news.is_empty() { &[] } else { &["news"] };
    for p in ["", "about", "team", "careers", "contact"]
        .iter()
        .chain(news)
    {
        let _ = writeln!(
            out,
            "  <url><loc>http://{}/{p}</loc><lastmod>{lastmod}</lastmod></url>",
            t.domain
        );
    }
    out.push_str("</urlset>\n");
    out
}

fn address_html(t: &TruthCompany, site: &Site) -> String {
    let city = &CITIES[site.city];
    match city.locale {
        Locale::Us => format!(
            "{}<br>{}, {} {}",
            esc(&t.street),
            esc(&t.city),
            esc(&t.region),
            esc(&t.postal_code)
        ),
        Locale::Gb => format!(
            "{}<br>{} {}<br>{}",
            esc(&t.street),
            esc(&t.city),
            esc(&t.postal_code),
            city.country_name
        ),
        Locale::De | Locale::Fr => format!(
            "{}<br>{} {}<br>{}",
            esc(&t.street),
            esc(&t.postal_code),
            esc(&t.city),
            city.country_name
        ),
    }
}

fn microdata_address(t: &TruthCompany) -> String {
    let locality = format!("<span itemprop=\"addressLocality\">{}</span>", esc(&t.city));
    let postal = format!(
        "<span itemprop=\"postalCode\">{}</span>",
        esc(&t.postal_code)
    );
    let region = format!("<span itemprop=\"addressRegion\">{}</span>", esc(&t.region));
    let line2 = match t.country.as_str() {
        "US" => format!("{locality}, {region} {postal}"),
        "DE" => format!(
            "{postal} {locality}<meta itemprop=\"addressRegion\" content=\"{}\">",
            esc(&t.region)
        ),
        _ => format!(
            "{locality} {postal}<meta itemprop=\"addressRegion\" content=\"{}\">",
            esc(&t.region)
        ),
    };
    format!(
        "<div itemprop=\"address\" itemscope itemtype=\"https://schema.org/PostalAddress\">\
         <span itemprop=\"streetAddress\">{}</span><br>{line2}\
         <meta itemprop=\"addressCountry\" content=\"{}\"></div>",
        esc(&t.street),
        esc(&t.country)
    )
}

fn obfuscate(email: &str, variant: usize) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    match variant % 3 {
        0 => format!("{local} [at] {}", domain.replace('.', " [dot] ")),
        1 => format!("{local}(at){domain}"),
        _ => format!("{local} AT {}", domain.replace('.', " DOT ")),
    }
}

fn email_html(email: &str, obfuscated: bool, variant: usize, microdata: bool) -> String {
    if obfuscated {
        format!(
            "<span class=\"email\">{}</span>",
            esc(&obfuscate(email, variant))
        )
    } else if microdata {
        format!(
            "<a itemprop=\"email\" href=\"mailto:{0}\">{0}</a>",
            esc(email)
        )
    } else {
        format!("<a href=\"mailto:{0}\">{0}</a>", esc(email))
    }
}

fn social_label(url: &str) -> &'static str {
    if url.contains("linkedin") {
        "LinkedIn"
    } else if url.contains("twitter") {
        "Twitter"
    } else if url.contains("facebook") {
        "Facebook"
    } else {
        "Instagram"
    }
}

fn has_tech(t: &TruthCompany, name: &str) -> bool {
    t.technologies.iter().any(|x| x == name)
}

fn head(t: &TruthCompany, site: &Site, page: Page) -> String {
    let ind = &INDUSTRIES[site.industry];
    let id = stable_hash(&[t.domain.as_bytes()]);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} | {}</title>\n\
         <meta name=\"description\" content=\"{} – {} in {}.\">\n",
        page.title(),
        esc(&t.name),
        esc(&t.name),
        ind.pitch,
        esc(&t.city)
    );
    if has_tech(t, "WordPress") {
        let _ = write!(
            h,
            "<meta name=\"generator\" content=\"WordPress 6.4\">\n\
             <link rel=\"stylesheet\" href=\"/wp-content/themes/astra/style.css?ver=6.4\">\n"
        );
    }
    if has_tech(t, "Bootstrap") {
        h.push_str("<link rel=\"stylesheet\" href=\"/static/bootstrap-5.3.0.min.css\">\n");
    }
    if has_tech(t, "jQuery") {
        h.push_str("<script src=\"/static/jquery-3.6.0.min.js\"></script>\n");
    }
    if has_tech(t, "React") {
        h.push_str(
            "<script src=\"/static/react-18.2.0.production.min.js\"></script>\n\
             <script src=\"/static/react-dom-18.2.0.production.min.js\"></script>\n",
        );
    }
    if has_tech(t, "Google Analytics") {
        let ga = format!("G-{:010X}", id % 0xFF_FFFF_FFFF);
        let _ = write!(
            h,
            "<script async src=\"https://www.googletagmanager.com/gtag/js?id={ga}\"></script>\n\
             <script>window.dataLayer = window.dataLayer || [];\
             function gtag(){{dataLayer.push(arguments);}}\
             gtag('js', new Date()); gtag('config', '{ga}');</script>\n"
        );
    }
    if has_tech(t, "Shopify") {
        let _ = write!(
            h,
            "<script src=\"https://cdn.shopify.com/s/files/1/0{}/assets/storefront.js\"></script>\n\
             <script>window.Shopify = {{ shop: \"{}.myshopify.com\" }};</script>\n",
            id % 1_000_000,
            t.domain.trim_end_matches(".test")
        );
    }
    if has_tech(t, "Stripe") {
        h.push_str("<script src=\"https://js.stripe.com/v3/\"></script>\n");
    }
    if has_tech(t, "HubSpot") {
        let _ = writeln!(
            h,
            "<script id=\"hs-script-loader\" async defer src=\"//js.hs-scripts.com/{}.js\"></script>",
            id % 10_000_000
        );
    }
    if has_tech(t, "Intercom") {
        let app = format!("{:08x}", id >> 32);
        let _ = write!(
            h,
            "<script>window.intercomSettings = {{ app_id: \"{app}\" }};</script>\n\
             <script async src=\"https://widget.intercom.io/widget/{app}\"></script>\n"
        );
    }
    if t.markup == "json-ld" && matches!(page, Page::Home | Page::Contact | Page::About) {
        let _ = writeln!(
            h,
            "<script type=\"application/ld+json\">{}</script>",
            json_ld(t, site)
        );
    }
    h.push_str("</head>\n");
    h
}

fn json_ld(t: &TruthCompany, site: &Site) -> String {
    let mut v = serde_json::json!({
        "@context": "https://schema.org",
        "@type": INDUSTRIES[site.industry].schema_type,
        "name": t.name,
        "url": t.website,
        "telephone": site.phones[0].display(site.phone_style),
        "address": {
            "@type": "PostalAddress",
            "streetAddress": t.street,
            "addressLocality": t.city,
            "addressRegion": t.region,
            "postalCode": t.postal_code,
            "addressCountry": t.country,
        },
    });
    let obj = v.as_object_mut().expect("object literal");
    if let Some(email) = t
        .emails
        .iter()
        .zip(&site.obfuscated)
        .find(|(_, o)| !**o)
        .map(|(e, _)| e)
    {
        obj.insert("email".into(), email.clone().into());
    }
    if !t.socials.is_empty() {
        obj.insert("sameAs".into(), t.socials.clone().into());
    }
    if let Some(year) = t.founded_year {
        obj.insert("foundingDate".into(), year.to_string().into());
    }
    if let Some(n) = t.employee_count {
        obj.insert(
            "numberOfEmployees".into(),
            serde_json::json!({"@type": "QuantitativeValue", "value": n}),
        );
    }
    // "</" inside a script element would end it early.
    let text = v.to_string().replace("</", "<\\/");
    // Some site builders write JSON-LD that is not strict JSON: a comment, a trailing comma.
    if variant(t) % 4 == 1 {
        let body = text.strip_suffix('}').unwrap_or(&text);
        format!("/* structured data generated by the site builder */\n{body},\n}}")
    } else {
        text
    }
}

fn header(t: &TruthCompany) -> String {
    let news = if t.news.is_empty() {
        ""
    } else {
        " <a href=\"/news\">News</a>"
    };
    format!(
        "<header>\n<a class=\"logo\" href=\"/\">{}</a>\n<nav>\
         <a href=\"/\">Home</a> <a href=\"/about\">About us</a> <a href=\"/team\">Our team</a> \
         <a href=\"/careers\">Careers</a> <a href=\"/contact\">Contact</a>{news}</nav>\n</header>\n",
        esc(&t.name)
    )
}

fn footer(built: &Built, t: &TruthCompany, site: &Site) -> String {
    let microdata = t.markup == "microdata";
    let phone = &site.phones[0];
    let style = site.phone_style;
    let mut f = String::from("<footer>\n");
    if microdata {
        let _ = write!(
            f,
            "<div itemscope itemtype=\"https://schema.org/{}\">\n\
             <span itemprop=\"name\">{}</span>\n{}\n\
             <p>Call <a itemprop=\"telephone\" href=\"{}\">{}</a> · {}</p>\n",
            INDUSTRIES[site.industry].schema_type,
            esc(&t.name),
            microdata_address(t),
            esc(&phone.tel_href(style)),
            esc(&phone.display(style)),
            email_html(&t.emails[0], site.obfuscated[0], style, true)
        );
    } else {
        let _ = write!(
            f,
            "<p class=\"address\">{}</p>\n<p>Call <a href=\"{}\">{}</a> · {}</p>\n",
            address_html(t, site),
            esc(&phone.tel_href(style)),
            esc(&phone.display(style)),
            email_html(&t.emails[0], site.obfuscated[0], style, false)
        );
    }
    if !t.socials.is_empty() {
        f.push_str("<ul class=\"social\">");
        for s in &t.socials {
            let prop = if microdata {
                " itemprop=\"sameAs\""
            } else {
                ""
            };
            let _ = write!(
                f,
                "<li><a{prop} href=\"{}\" rel=\"noopener\">{}</a></li>",
                esc(s),
                social_label(s)
            );
        }
        f.push_str("</ul>\n");
    }
    if microdata {
        f.push_str("</div>\n");
    }
    if let Some(agency) = site.credit {
        let a = &built.truth[agency];
        let _ = writeln!(
            f,
            "<p class=\"credit\">Website by <a href=\"{}\">{}</a></p>",
            esc(&a.website),
            esc(&a.name)
        );
    }
    let _ = write!(
        f,
        "<p class=\"copyright\">© 2024 {}. All rights reserved.</p>\n</footer>\n",
        esc(&t.name)
    );
    f
}

fn main_home(built: &Built, t: &TruthCompany, site: &Site) -> String {
    let ind = &INDUSTRIES[site.industry];
    let mut m = format!(
        "<section class=\"hero\"><h1>{}</h1><p>{} offers {} in {}.</p>\
         <a class=\"cta\" href=\"/contact\">Get in touch</a></section>\n\
         <section class=\"services\"><h2>What we do</h2><ul>",
        esc(&t.name),
        esc(&t.name),
        ind.pitch,
        esc(&t.city)
    );
    for s in &site.services {
        let _ = write!(m, "<li>{s}</li>");
    }
    m.push_str("</ul></section>\n");
    if !site.testimonials.is_empty() {
        m.push_str("<section class=\"testimonials\"><h2>What our partners say</h2>\n");
        for q in &site.testimonials {
            let other = &built.truth[q.company];
            let reach = match &q.email {
                Some(e) => format!("call me at {} or write to {}", q.phone, e),
                None => format!("call me at {}", q.phone),
            };
            let _ = writeln!(
                m,
                "<blockquote class=\"testimonial\"><p>“{} If you want a reference, {}.”</p>\
                 <cite>— {}, {} at <a href=\"{}\">{}</a></cite></blockquote>",
                q.quote,
                esc(&reach),
                esc(&q.author),
                esc(&q.author_title),
                esc(&other.website),
                esc(&other.name)
            );
        }
        m.push_str("</section>\n");
    }
    m.push_str(
        "<section class=\"more\"><a href=\"/about\">About us</a> · <a href=\"/team\">Our team</a> · \
         <a href=\"/careers\">Careers</a> · <a href=\"/contact\">Contact</a></section>\n",
    );
    m
}

fn main_about(t: &TruthCompany, site: &Site) -> String {
    let ind = &INDUSTRIES[site.industry];
    let mut m = format!("<h1>About {}</h1>\n", esc(&t.name));
    match t.founded_year {
        Some(y) => {
            let _ = writeln!(
                m,
                "<p>Founded in {y}, {} has been providing {} to {} ever since.</p>",
                esc(&t.name),
                ind.pitch,
                esc(&t.city)
            );
        }
        None => {
            let _ = writeln!(
                m,
                "<p>{} provides {} to {} and the surrounding area.</p>",
                esc(&t.name),
                ind.pitch,
                esc(&t.city)
            );
        }
    }
    if let Some(n) = t.employee_count {
        let line = match site.phone_style % 3 {
            0 => format!("Today we are a team of {n} people who love what they do."),
            1 => format!("Our {n} employees serve clients across {}.", t.region),
            _ => format!("With {n} staff, we are big enough to deliver and small enough to care."),
        };
        let _ = writeln!(m, "<p>{}</p>", esc(&line));
    }
    m.push_str("<p>We believe in doing honest work at a fair price.</p>\n");
    m
}

/// A stable number from the domain, for choices that must not draw from the generator's random
/// sequence (drawing would change every company generated after this one).
fn variant(t: &TruthCompany) -> usize {
    t.domain.bytes().fold(0usize, |a, b| {
        a.wrapping_mul(31).wrapping_add(usize::from(b))
    })
}

/// The team page as a table with a header row: name, position, email.
fn team_table(t: &TruthCompany) -> String {
    let mut m = String::from(
        "<h1>Our team</h1>\n<table class=\"staff-list\">\n\
         <tr><th>Name</th><th>Position</th><th>Email</th></tr>\n",
    );
    for p in &t.people {
        let email = p
            .email
            .as_deref()
            .map(|e| format!("<a href=\"mailto:{0}\">{0}</a>", esc(e)))
            .unwrap_or_default();
        let _ = writeln!(
            m,
            "<tr><td>{}</td><td>{}</td><td>{email}</td></tr>",
            esc(&p.name),
            esc(&p.title)
        );
    }
    m.push_str("</table>\n");
    m
}

/// The team page as prose, one paragraph per person, in the ways people write it.
fn team_prose(t: &TruthCompany) -> String {
    let mut m = String::from("<h1>Our team</h1>\n<section class=\"about-us\">\n");
    for (k, p) in t.people.iter().enumerate() {
        let (name, title) = (esc(&p.name), esc(&p.title));
        let mut line = if title.contains(',') {
            format!("{name} ({title}) has been with us for years.")
        } else {
            match k % 3 {
                0 => format!("{name}, our {title}, looks after every client personally."),
                1 => format!("{name} is our {title} and the first person many clients meet."),
                _ => format!("{name} ({title}) joined the team recently."),
            }
        };
        if let Some(e) = &p.email {
            let _ = write!(line, " Write to <a href=\"mailto:{0}\">{0}</a>.", esc(e));
        }
        let _ = writeln!(m, "<p>{line}</p>");
    }
    m.push_str("</section>\n");
    m
}

fn main_team(t: &TruthCompany, site: &Site) -> String {
    let microdata = t.markup == "microdata";
    if !microdata {
        match variant(t) % 5 {
            3 => return team_table(t),
            4 => return team_prose(t),
            _ => {}
        }
    }
    let mut m = String::from("<h1>Our team</h1>\n<div class=\"team\">\n");
    for (k, p) in t.people.iter().enumerate() {
        if microdata {
            let _ = write!(
                m,
                "<div class=\"person\" itemscope itemtype=\"https://schema.org/Person\">\
                 <h3 class=\"name\" itemprop=\"name\">{}</h3>\
                 <p class=\"title\" itemprop=\"jobTitle\">{}</p>",
                esc(&p.name),
                esc(&p.title)
            );
        } else {
            let _ = write!(
                m,
                "<div class=\"person\"><h3 class=\"name\">{}</h3><p class=\"title\">{}</p>",
                esc(&p.name),
                esc(&p.title)
            );
        }
        if let Some(e) = &p.email {
            m.push_str(&email_html(e, false, k + site.phone_style, microdata));
        }
        m.push_str("</div>\n");
    }
    m.push_str("</div>\n");
    m
}

fn main_careers(t: &TruthCompany, site: &Site) -> String {
    let mut m = String::from("<h1>Careers</h1>\n");
    if site.roles.is_empty() {
        m.push_str("<p>We have no open positions right now. Check back soon!</p>\n");
        return m;
    }
    m.push_str("<p>We are hiring! Open positions:</p>\n");
    // Some sites group their openings under department headings.
    let grouped = site.roles.len() >= 2 && variant(t) % 3 == 1;
    let half = site.roles.len().div_ceil(2);
    for (k, r) in site.roles.iter().enumerate() {
        if k == 0 || (grouped && k == half) {
            if k > 0 {
                m.push_str("</ul>\n");
            }
            if grouped {
                let department = if k == 0 {
                    "Client services"
                } else {
                    "Operations"
                };
                let _ = writeln!(m, "<h3>{department}</h3>");
            }
            m.push_str("<ul class=\"jobs\">\n");
        }
        let kind = if k % 3 == 2 { "Part-time" } else { "Full-time" };
        let _ = writeln!(
            m,
            "<li class=\"job\"><a href=\"/careers#role-{}\">{r}</a> – {kind}, {}</li>",
            k + 1,
            esc(&t.city)
        );
    }
    m.push_str("</ul>\n");
    m
}

/// `2026-03-07` as `March 7, 2026` or `7 March 2026`, as the site's country writes dates.
fn written_date(iso: &str, british: bool) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let mut parts = iso.split('-').map(|p| p.parse::<usize>().unwrap_or(1));
    let (y, m, d) = (
        parts.next().unwrap_or(2024),
        parts.next().unwrap_or(1),
        parts.next().unwrap_or(1),
    );
    let month = MONTHS[(m + 11) % 12];
    if british {
        format!("{d} {month} {y}")
    } else {
        format!("{month} {d}, {y}")
    }
}

/// The news page: dated growth posts (funding, a new location, a press mention), an ordinary
/// post, and on most a press contact from the team with their address.
fn main_news(t: &TruthCompany, site: &Site) -> String {
    let ind = &INDUSTRIES[site.industry];
    let v = variant(t);
    let euro = matches!(CITIES[site.city].locale, Locale::De | Locale::Fr);
    let british = CITIES[site.city].locale != Locale::Us;
    let place = match ind.slug {
        "dentist" | "healthcare" => "practice",
        "restaurant" => "restaurant",
        "retail" => "store",
        _ => "office",
    };
    let mut m = String::from("<h1>News</h1>\n");
    for (k, post) in t.news.iter().enumerate() {
        let name = esc(&t.name);
        let (headline, body) = match post.kind.as_str() {
            "funding" if ind.slug == "software" || ind.slug == "marketing-agency" => (
                format!(
                    "{name} raises {}4.5M Series A",
                    if euro { "€" } else { "$" }
                ),
                "The round lets us grow the team and ship faster for our customers.".to_string(),
            ),
            "funding" => (
                format!(
                    "{name} secures {}750k to grow",
                    if euro { "€" } else { "$" }
                ),
                "The investment pays for new equipment and two more people.".to_string(),
            ),
            "new_location" if v.is_multiple_of(2) => (
                format!("We opened our second {place}"),
                format!("Our new {place} serves the north of {}.", esc(&t.city)),
            ),
            "new_location" => (
                format!("Now open in {} Heights", esc(&t.city)),
                "Drop by and say hello to the team.".to_string(),
            ),
            _ if v.is_multiple_of(3) => (
                format!("{name} featured in the {} Business Journal", esc(&t.city)),
                "A short piece on how we work with local customers.".to_string(),
            ),
            _ => (
                format!("{name} named one of the best in {}", esc(&t.city)),
                "Thank you to everyone who voted for us.".to_string(),
            ),
        };
        // Half the sites mark dates up, the others only write them.
        let date = if (v + k).is_multiple_of(2) {
            format!(
                "<time datetime=\"{}\">{}</time>",
                post.date,
                written_date(&post.date, british)
            )
        } else {
            written_date(&post.date, british)
        };
        let _ = writeln!(
            m,
            "<article class=\"post\"><h2>{headline}</h2><p class=\"date\">{date}</p><p>{body}</p></article>"
        );
    }
    m.push_str(
        "<article class=\"post\"><h2>Holiday opening hours</h2>\
         <p>We close for two days over the holidays; emergencies are answered as usual.</p></article>\n",
    );
    if let Some(p) = t.press_contact.and_then(|i| t.people.get(i)) {
        let mail = format!("<a href=\"mailto:{0}\">{0}</a>", esc(&p.mailbox));
        let line = if v.is_multiple_of(2) {
            format!(
                "For press enquiries, please contact our {}, {}, at {mail}.",
                esc(&p.title),
                esc(&p.name)
            )
        } else {
            format!(
                "Media contact: {} ({}) · {mail}",
                esc(&p.name),
                esc(&p.title)
            )
        };
        let _ = writeln!(m, "<p class=\"press\">{line}</p>");
    }
    m
}

fn main_contact(t: &TruthCompany, site: &Site) -> String {
    let microdata = t.markup == "microdata";
    let style = site.phone_style;
    let mut m = String::from("<h1>Contact us</h1>\n");
    if microdata {
        let _ = write!(
            m,
            "<div class=\"contact\" itemscope itemtype=\"https://schema.org/{}\">\
             <meta itemprop=\"name\" content=\"{}\">\n<h2>Visit</h2>{}\n",
            INDUSTRIES[site.industry].schema_type,
            esc(&t.name),
            microdata_address(t)
        );
    } else {
        let _ = write!(
            m,
            "<div class=\"contact\">\n<h2>Visit</h2><p class=\"address\">{}</p>\n",
            address_html(t, site)
        );
    }
    m.push_str("<h2>Call</h2><ul class=\"phones\">");
    for (p, label) in site.phones.iter().zip(&site.phone_labels) {
        let prop = if microdata {
            " itemprop=\"telephone\""
        } else {
            ""
        };
        let _ = write!(
            m,
            "<li>{label}: <a{prop} href=\"{}\">{}</a></li>",
            esc(&p.tel_href(style)),
            esc(&p.display(style))
        );
    }
    m.push_str("</ul>\n<h2>Write</h2><ul class=\"emails\">");
    for (k, (e, o)) in t.emails.iter().zip(&site.obfuscated).enumerate() {
        let _ = write!(m, "<li>{}</li>", email_html(e, *o, style + k, microdata));
    }
    let _ = write!(
        m,
        "</ul>\n<h2>Opening hours</h2><p class=\"hours\">{}</p>\n</div>\n\
         <form class=\"contact-form\" method=\"post\" action=\"/contact\">\
         <label>Name <input name=\"name\"></label> <label>Email <input name=\"email\" type=\"email\"></label> \
         <label>Message <textarea name=\"message\"></textarea></label> <button type=\"submit\">Send</button></form>\n",
        site.hours
    );
    m
}

fn render(built: &Built, t: &TruthCompany, site: &Site, page: Page) -> String {
    let main = match page {
        Page::Home => main_home(built, t, site),
        Page::About => main_about(t, site),
        Page::Team => main_team(t, site),
        Page::Careers => main_careers(t, site),
        Page::Contact => main_contact(t, site),
        Page::News => main_news(t, site),
    };
    let content = format!(
        "{}<main>\n{main}</main>\n{}",
        header(t),
        footer(built, t, site)
    );
    let mut html = head(t, site, page);
    if t.markup == "js-only" {
        // The visible content only exists after the script runs, and it is base64 so it does
        // not appear as text in the static HTML either.
        let _ = write!(
            html,
            "<body>\n<div id=\"app\"></div>\n\
             <noscript>Please enable JavaScript to view this website.</noscript>\n\
             <script>\nwindow.__SITE_DATA__ = {{\"page\": \"{}\", \"content\": \"{}\"}};\n\
             (function () {{\n\
             \x20 var data = window.__SITE_DATA__;\n\
             \x20 var bytes = Uint8Array.from(atob(data.content), function (c) {{ return c.charCodeAt(0); }});\n\
             \x20 document.getElementById(\"app\").innerHTML = new TextDecoder().decode(bytes);\n\
             }})();\n</script>\n</body>\n</html>\n",
            page.key(),
            base64(content.as_bytes())
        );
    } else {
        let _ = write!(html, "<body>\n{content}</body>\n</html>\n");
    }
    html
}
