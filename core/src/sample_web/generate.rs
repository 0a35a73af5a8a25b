//! Builds the companies, their site details and the directory listings from one seeded RNG.

use super::data::{
    ADJECTIVES, CITIES, FIRST_NAMES_DE, FIRST_NAMES_EN, FIRST_NAMES_FR, INDUSTRIES, Locale, NOUNS,
    SURNAMES_DE, SURNAMES_EN, SURNAMES_FR,
};
use super::phones::{Phone, PhoneAllocator};
use super::text::{slugify, stable_hash};
use super::{TruthCompany, TruthNews, TruthPerson};
use std::collections::HashSet;

/// Everything needed to render one company's website beyond its truth record.
pub(crate) struct Site {
    pub industry: usize,
    pub city: usize,
    pub phones: Vec<Phone>,
    /// Per phone: its label on the contact page.
    pub phone_labels: Vec<&'static str>,
    /// How this site writes numbers (see [`Phone::display`]).
    pub phone_style: usize,
    /// Per truth email: shown as "info [at] domain [dot] test" instead of a mailto link.
    pub obfuscated: Vec<bool>,
    pub services: Vec<&'static str>,
    pub roles: Vec<&'static str>,
    pub testimonials: Vec<Testimonial>,
    /// Index of the marketing agency credited in the footer ("Website by …").
    pub credit: Option<usize>,
    pub has_sitemap: bool,
    pub crawl_delay: bool,
    pub server: Option<&'static str>,
    pub powered_by: Option<&'static str>,
    pub hours: &'static str,
}

/// A quote on the home page by someone from another company, carrying that company's contact
/// details: a trap for extractors that take every phone or email on a page.
pub(crate) struct Testimonial {
    pub quote: &'static str,
    pub author: String,
    pub author_title: String,
    pub company: usize,
    pub phone: String,
    pub email: Option<String>,
}

/// One `div.listing` of the directory.
pub(crate) struct Listing {
    pub name: String,
    pub website: Option<String>,
    pub phone: String,
    pub street: String,
    pub city: usize,
    pub industry: usize,
}

/// Output of [`build`].
pub(crate) struct Built {
    pub truth: Vec<TruthCompany>,
    /// Aligned with `truth`; `None` for companies without a website.
    pub sites: Vec<Option<Site>>,
    pub duplicates: Vec<TruthCompany>,
    pub listings: Vec<Listing>,
}

const QUOTES: &[&str] = &[
    "They were responsive, friendly and genuinely cared about getting it right.",
    "We have worked with them for years and would not go anywhere else.",
    "Professional from the first call to the final invoice.",
    "They saved us weeks of work. Highly recommended!",
    "A true partner for our business.",
];

const HOURS: &[&str] = &[
    "Mon–Fri 8:00–17:00",
    "Mon–Fri 9:00–18:00, Sat 10:00–14:00",
    "Mon–Sat 7:00–19:00",
    "Tue–Sun 17:00–23:00",
    "24/7 emergency service",
];

pub(super) fn pick<T: Copy>(rng: &mut fastrand::Rng, items: &[T]) -> T {
    items[rng.usize(..items.len())]
}

pub(super) fn chance(rng: &mut fastrand::Rng, percent: u32) -> bool {
    rng.u32(0..100) < percent
}

pub(super) fn make_name(rng: &mut fastrand::Rng, industry: usize, city: usize) -> String {
    let ind = &INDUSTRIES[industry];
    let c = &CITIES[city];
    let surnames = match c.locale {
        Locale::De if chance(rng, 70) => SURNAMES_DE,
        Locale::Fr if chance(rng, 70) => SURNAMES_FR,
        _ => SURNAMES_EN,
    };
    let s = pick(rng, surnames);
    let mut s2 = pick(rng, surnames);
    while s2 == s {
        s2 = pick(rng, surnames);
    }
    let n = pick(rng, NOUNS);
    let mut n2 = pick(rng, NOUNS);
    while n2 == n {
        n2 = pick(rng, NOUNS);
    }
    let mut name = pick(rng, ind.name_patterns)
        .replace("{S2}", s2)
        .replace("{S}", s)
        .replace("{A}", pick(rng, ADJECTIVES))
        .replace("{N2}", n2)
        .replace("{N}", n)
        .replace("{P}", pick(rng, c.places));
    let legal = name.ends_with("LLP") || name.ends_with("CPA") || name.ends_with("Co.");
    if !legal {
        match c.locale {
            Locale::Gb if chance(rng, 40) => name.push_str(" Ltd"),
            Locale::De if chance(rng, 40) => name.push_str(" GmbH"),
            Locale::Fr if chance(rng, 40) => name.push_str(" SARL"),
            _ => {}
        }
    }
    name
}

/// The domain stem: the name without legal suffixes, sometimes with the city appended.
fn make_stem(rng: &mut fastrand::Rng, name: &str, city: usize) -> String {
    let mut base = name.to_string();
    for suffix in [" LLP", " Ltd", " GmbH", " SARL", " Co.", " CPA"] {
        if let Some(stripped) = base.strip_suffix(suffix) {
            base = stripped.to_string();
        }
    }
    let mut stem = slugify(&base);
    if chance(rng, 30) {
        stem.push('-');
        stem.push_str(&slugify(CITIES[city].name));
    }
    stem
}

fn make_street(rng: &mut fastrand::Rng, city: usize) -> String {
    let c = &CITIES[city];
    let street = pick(rng, c.streets);
    match c.locale {
        Locale::Us => {
            let mut s = format!("{} {}", rng.u32(100..4000), street);
            if chance(rng, 30) {
                s.push_str(&format!(", Suite {}", rng.u32(1..6) * 100 + rng.u32(0..20)));
            }
            s
        }
        Locale::Gb => format!("{} {}", rng.u32(1..240), street),
        Locale::De => format!("{} {}", street, rng.u32(1..180)),
        Locale::Fr => format!("{} {}", rng.u32(1..200), street),
    }
}

fn email_local(first: &str, last: &str, style: usize) -> String {
    let f = slugify(first).replace('-', "");
    let l = slugify(last).replace('-', "");
    match style % 3 {
        0 => f,
        1 => format!("{f}.{l}"),
        _ => format!("{}{l}", &f[..1]),
    }
}

/// The news page a third of the sites have: one or two dated growth posts and, on two of
/// three, a press contact from the team. Chosen by the domain, not drawn from the generator's
/// random sequence (a draw would change every company generated after this one).
fn make_news(t: &TruthCompany) -> (Vec<TruthNews>, Option<usize>) {
    let h = stable_hash(&[t.domain.as_bytes(), b"news"]);
    if !h.is_multiple_of(3) {
        return (Vec::new(), None);
    }
    const KINDS: [&str; 3] = ["funding", "new_location", "press_mention"];
    let posts = 1 + (h >> 8) as usize % 2;
    let mut news: Vec<TruthNews> = (0..posts)
        .map(|k| {
            let d = h >> (12 + 9 * k);
            TruthNews {
                kind: KINDS[((h >> 4) as usize + k) % KINDS.len()].to_string(),
                // Up to November 2026, so no post is dated in the future.
                date: format!(
                    "{}-{:02}-{:02}",
                    2024 + d % 3,
                    1 + (d >> 2) % 11,
                    1 + (d >> 6) % 28
                ),
            }
        })
        .collect();
    news.sort_by(|a, b| b.date.cmp(&a.date));
    // Titles with a comma ("Founder, DDS") would read as two phrases in the contact line.
    let with_contact = !(h >> 50).is_multiple_of(3);
    let press_contact = with_contact
        .then(|| {
            let start = (h >> 52) as usize % t.people.len().max(1);
            (0..t.people.len())
                .map(|k| (start + k) % t.people.len())
                .find(|&i| !t.people[i].title.contains(','))
        })
        .flatten();
    (news, press_contact)
}

fn make_people(
    rng: &mut fastrand::Rng,
    industry: usize,
    city: usize,
    domain: &str,
) -> Vec<TruthPerson> {
    let ind = &INDUSTRIES[industry];
    let locale = CITIES[city].locale;
    let count = rng.usize(2..=7);
    let deciders = if count > 3 && chance(rng, 50) { 2 } else { 1 };
    let email_style = rng.usize(0..3);
    let mut used = HashSet::new();
    let mut people = Vec::with_capacity(count);
    while people.len() < count {
        let (firsts, lasts) = match locale {
            Locale::De if chance(rng, 75) => (FIRST_NAMES_DE, SURNAMES_DE),
            Locale::Fr if chance(rng, 75) => (FIRST_NAMES_FR, SURNAMES_FR),
            _ => (FIRST_NAMES_EN, SURNAMES_EN),
        };
        let first = pick(rng, firsts);
        let last = pick(rng, lasts);
        if !used.insert(first) {
            // Distinct first names keep first-name email addresses unique within a company.
            continue;
        }
        let decision_maker = people.len() < deciders;
        let title = if decision_maker {
            if locale == Locale::De && chance(rng, 50) {
                "Geschäftsführer".to_string()
            } else if locale == Locale::Fr && chance(rng, 50) {
                "Gérant".to_string()
            } else {
                // Offset by position so two deciders never share a title.
                let k = rng.usize(..ind.decision_titles.len());
                ind.decision_titles[(k + people.len()) % ind.decision_titles.len()].to_string()
            }
        } else {
            pick(rng, ind.staff_titles).to_string()
        };
        let mailbox = format!("{}@{domain}", email_local(first, last, email_style));
        if people.iter().any(|p: &TruthPerson| p.mailbox == mailbox) {
            // Leah and Liam Fairbanks under `flast`: a real company would not give both one
            // mailbox, so the second is someone else.
            continue;
        }
        let email = chance(rng, if decision_maker { 70 } else { 35 }).then(|| mailbox.clone());
        people.push(TruthPerson {
            name: format!("{first} {last}"),
            title,
            email,
            mailbox,
            decision_maker,
        });
    }
    people
}

fn make_technologies(
    rng: &mut fastrand::Rng,
    markup: &str,
    industry: usize,
) -> (Vec<String>, Option<&'static str>, Option<&'static str>) {
    let wordpress = markup != "js-only" && chance(rng, 30);
    let react = chance(rng, if markup == "js-only" { 60 } else { 12 });
    let software = INDUSTRIES[industry].slug == "software";
    let candidates = [
        ("WordPress", wordpress),
        ("jQuery", chance(rng, if wordpress { 70 } else { 25 })),
        ("React", react),
        ("Bootstrap", chance(rng, 30)),
        ("Google Analytics", chance(rng, 50)),
        (
            "Shopify",
            !wordpress
                && chance(
                    rng,
                    if INDUSTRIES[industry].slug == "restaurant" {
                        25
                    } else {
                        5
                    },
                ),
        ),
        ("Stripe", chance(rng, if software { 40 } else { 8 })),
        ("HubSpot", chance(rng, 12)),
        ("Intercom", chance(rng, if software { 40 } else { 6 })),
    ];
    let mut tech: Vec<String> = candidates
        .iter()
        .filter(|(_, on)| *on)
        .map(|(t, _)| t.to_string())
        .collect();
    let server = chance(rng, 40).then_some("nginx");
    let powered_by = chance(rng, if wordpress { 70 } else { 10 }).then_some("PHP/8.1");
    if server.is_some() {
        tech.push("Nginx".to_string());
    }
    if powered_by.is_some() {
        tech.push("PHP".to_string());
    }
    (tech, server, powered_by)
}

/// Generates `count` companies. Companies walk the industry × city grid in a shuffled order so
/// every combination is represented before any repeats.
pub(crate) fn build(seed: u64, count: usize) -> Built {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut phones = PhoneAllocator::new(&mut rng);
    let mut combos: Vec<(usize, usize)> = (0..INDUSTRIES.len())
        .flat_map(|i| (0..CITIES.len()).map(move |c| (i, c)))
        .collect();
    rng.shuffle(&mut combos);

    let mut names = HashSet::new();
    let mut domains = HashSet::new();
    let mut truth = Vec::with_capacity(count);
    let mut sites = Vec::with_capacity(count);

    for i in 0..count {
        let (industry, city) = combos[i % combos.len()];
        let c = &CITIES[city];
        let mut name = make_name(&mut rng, industry, city);
        let mut tries = 0;
        while names.contains(&name) {
            tries += 1;
            // Small name spaces (one industry in one city) run out in large webs.
            let fresh = make_name(&mut rng, industry, city);
            name = match tries {
                0..20 => fresh,
                20..40 => format!("{fresh} of {}", c.name),
                _ => format!("{fresh} {tries}"),
            };
        }
        names.insert(name.clone());

        let has_website = !chance(&mut rng, 8);
        let mut domain = String::new();
        if has_website {
            let stem = make_stem(&mut rng, &name, city);
            let mut candidate = format!("{stem}.test");
            let mut n = 2;
            while domains.contains(&candidate) {
                candidate = format!("{stem}-{n}.test");
                n += 1;
            }
            domains.insert(candidate.clone());
            domain = candidate;
        }

        let mut company_phones = vec![phones.allocate(&mut rng, city)];
        if has_website && chance(&mut rng, 30) {
            company_phones.push(phones.allocate(&mut rng, city));
        }
        let street = make_street(&mut rng, city);
        let postal_code = pick(&mut rng, c.postal_codes).to_string();
        let ind = &INDUSTRIES[industry];

        let mut t = TruthCompany {
            name,
            domain: domain.clone(),
            website: String::new(),
            industry: ind.slug.to_string(),
            street,
            city: c.name.to_string(),
            region: c.region.to_string(),
            postal_code,
            country: c.country.to_string(),
            phones: company_phones.iter().map(|p| p.e164.clone()).collect(),
            emails: Vec::new(),
            socials: Vec::new(),
            people: Vec::new(),
            founded_year: None,
            employee_count: None,
            open_roles: 0,
            technologies: Vec::new(),
            markup: "none".to_string(),
            robots_disallow: Vec::new(),
            behaviour: "normal".to_string(),
            duplicate_of: None,
            news: Vec::new(),
            press_contact: None,
        };

        if !has_website {
            // Only the directory knows these; there is nothing to crawl.
            truth.push(t);
            sites.push(None);
            continue;
        }
        t.website = format!("http://{domain}/");

        let generic = ["info", "contact", "hello", "office", "team"];
        let first = pick(&mut rng, &generic);
        t.emails.push(format!("{first}@{domain}"));
        if chance(&mut rng, 35) {
            let extra = match ind.slug {
                "restaurant" => "reservations",
                "software" => "sales",
                "plumber" => "service",
                _ => "billing",
            };
            t.emails.push(format!("{extra}@{domain}"));
        }
        let obfuscated: Vec<bool> = t.emails.iter().map(|_| chance(&mut rng, 25)).collect();

        let handle = domain.trim_end_matches(".test").to_string();
        let compact = handle.replace('-', "");
        if chance(&mut rng, 75) {
            t.socials
                .push(format!("https://www.linkedin.com/company/{handle}"));
        }
        if chance(&mut rng, 40) {
            t.socials.push(format!("https://twitter.com/{compact}"));
        }
        if chance(&mut rng, 50) {
            t.socials
                .push(format!("https://www.facebook.com/{compact}"));
        }
        if chance(&mut rng, if ind.slug == "restaurant" { 80 } else { 30 }) {
            t.socials
                .push(format!("https://www.instagram.com/{compact}"));
        }

        t.people = make_people(&mut rng, industry, city, &domain);
        t.founded_year = chance(&mut rng, 80).then(|| {
            if ind.slug == "software" || ind.slug == "marketing-agency" {
                rng.i32(2005..=2022)
            } else {
                rng.i32(1965..=2021)
            }
        });
        t.employee_count = chance(&mut rng, 70).then(|| {
            let n = if ind.slug == "software" {
                rng.u32(5..=400)
            } else {
                rng.u32(3..=60)
            };
            n.max(t.people.len() as u32)
        });
        t.open_roles = if chance(&mut rng, 40) {
            0
        } else {
            rng.u32(1..=6)
        };
        let mut roles: Vec<&'static str> = ind.roles.to_vec();
        rng.shuffle(&mut roles);
        roles.truncate(t.open_roles as usize);

        let m = rng.u32(0..100);
        t.markup = match m {
            0..35 => "json-ld",
            35..60 => "microdata",
            60..90 => "plain",
            _ => "js-only",
        }
        .to_string();
        let b = rng.u32(0..100);
        t.behaviour = match b {
            0..5 => "flaky",
            5..10 => "slow",
            10..13 => "down",
            13..18 => "rate-limited",
            _ => "normal",
        }
        .to_string();

        let (tech, server, powered_by) = make_technologies(&mut rng, &t.markup, industry);
        t.technologies = tech;
        if t.technologies.iter().any(|x| x == "WordPress") {
            t.robots_disallow.push("/wp-admin/".to_string());
        }
        if chance(&mut rng, 15) {
            let path = if chance(&mut rng, 50) {
                "/team"
            } else {
                "/careers"
            };
            t.robots_disallow.push(path.to_string());
        }
        let crawl_delay = chance(&mut rng, 5);
        let has_sitemap = chance(&mut rng, 50);

        let mut services = ind.services.to_vec();
        rng.shuffle(&mut services);
        services.truncate(rng.usize(3..=5));
        let phone_labels = if company_phones.len() > 1 {
            vec![
                "Main office",
                pick(&mut rng, &["Sales", "Emergencies", "Bookings"]),
            ]
        } else {
            vec!["Phone"]
        };

        sites.push(Some(Site {
            industry,
            city,
            phones: company_phones,
            phone_labels,
            phone_style: rng.usize(0..12),
            obfuscated,
            services,
            roles,
            testimonials: Vec::new(),
            credit: None,
            has_sitemap,
            crawl_delay,
            server,
            powered_by,
            hours: pick(&mut rng, HOURS),
        }));
        (t.news, t.press_contact) = make_news(&t);
        truth.push(t);
    }

    add_cross_links(&mut rng, &truth, &mut sites);
    let duplicates = make_duplicates(&mut rng, &truth);
    let listings = make_listings(&mut rng, &truth, &sites, &duplicates);
    Built {
        truth,
        sites,
        duplicates,
        listings,
    }
}

/// Testimonials and agency credits point at other generated companies.
fn add_cross_links(rng: &mut fastrand::Rng, truth: &[TruthCompany], sites: &mut [Option<Site>]) {
    let with_site: Vec<usize> = (0..truth.len()).filter(|&i| sites[i].is_some()).collect();
    let agencies: Vec<usize> = with_site
        .iter()
        .copied()
        .filter(|&i| truth[i].industry == "marketing-agency")
        .collect();
    for i in 0..truth.len() {
        let Some(site) = sites[i].as_ref() else {
            continue;
        };
        let style = site.phone_style;
        let mut testimonials = Vec::new();
        if with_site.len() > 1 && chance(rng, 30) {
            let n = rng.usize(1..=2);
            while testimonials.len() < n {
                let other = with_site[rng.usize(..with_site.len())];
                if other == i {
                    continue;
                }
                let o = &truth[other];
                let Some(osite) = sites[other].as_ref() else {
                    continue;
                };
                let person = &o.people[0];
                testimonials.push(Testimonial {
                    quote: pick(rng, QUOTES),
                    author: person.name.clone(),
                    author_title: person.title.clone(),
                    company: other,
                    phone: osite.phones[0].display(style),
                    email: person.email.clone().or_else(|| o.emails.first().cloned()),
                });
            }
        }
        let credit = if !agencies.is_empty() && chance(rng, 20) {
            let a = agencies[rng.usize(..agencies.len())];
            (a != i).then_some(a)
        } else {
            None
        };
        let site = sites[i].as_mut().expect("checked above");
        site.testimonials = testimonials;
        site.credit = credit;
    }
}

/// About one directory listing in twenty is the same business listed again under a variant
/// name; only companies with a website are duplicated so `duplicate_of` can name a domain.
fn make_duplicates(rng: &mut fastrand::Rng, truth: &[TruthCompany]) -> Vec<TruthCompany> {
    let candidates: Vec<usize> = (0..truth.len())
        .filter(|&i| !truth[i].domain.is_empty())
        .collect();
    let wanted = (truth.len() as f64 * 0.05 / 0.95).round() as usize;
    let mut chosen: Vec<usize> = Vec::new();
    let mut pool = candidates;
    rng.shuffle(&mut pool);
    chosen.extend(pool.into_iter().take(wanted));
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|i| {
            let canon = &truth[i];
            let mut d = canon.clone();
            let country = canon.country.as_str();
            d.name = match (rng.u32(0..3), country) {
                (0, "US") => format!("{} LLC", canon.name),
                (0, "GB") => format!("{} Limited", canon.name),
                (0, _) => format!("{} Berlin", canon.name),
                (1, _) if !canon.name.starts_with("The ") => format!("The {}", canon.name),
                _ => format!("{} ({})", canon.name, canon.city),
            };
            if chance(rng, 50) {
                d.website = format!("http://www.{}/", canon.domain);
            }
            d.duplicate_of = Some(canon.domain.clone());
            d
        })
        .collect()
}

fn make_listings(
    rng: &mut fastrand::Rng,
    truth: &[TruthCompany],
    sites: &[Option<Site>],
    duplicates: &[TruthCompany],
) -> Vec<Listing> {
    let city_of = |t: &TruthCompany| CITIES.iter().position(|c| c.name == t.city).unwrap_or(0);
    let industry_of = |t: &TruthCompany| {
        INDUSTRIES
            .iter()
            .position(|x| x.slug == t.industry)
            .unwrap_or(0)
    };
    let listing = |t: &TruthCompany, phone: String| Listing {
        name: t.name.clone(),
        website: (!t.website.is_empty()).then(|| t.website.clone()),
        phone,
        street: t.street.clone(),
        city: city_of(t),
        industry: industry_of(t),
    };
    let directory_phone =
        |t: &TruthCompany, i: Option<usize>| match i.and_then(|i| sites[i].as_ref()) {
            Some(site) => site.phones[0].display(0),
            None => local_format(&t.phones[0]),
        };
    let mut out: Vec<Listing> = truth
        .iter()
        .enumerate()
        .map(|(i, t)| listing(t, directory_phone(t, Some(i))))
        .collect();
    rng.shuffle(&mut out);
    for d in duplicates {
        let pos = rng.usize(..=out.len());
        let canon = truth
            .iter()
            .position(|t| Some(&t.domain) == d.duplicate_of.as_ref());
        out.insert(pos, listing(d, directory_phone(d, canon)));
    }
    out
}

/// National format for numbers of companies without a site (no [`Phone`] kept for them).
fn local_format(e164: &str) -> String {
    if let Some(n) = e164.strip_prefix("+1") {
        format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..])
    } else if let Some(n) = e164.strip_prefix("+44") {
        format!("0{} {} {}", &n[..2], &n[2..6], &n[6..])
    } else if let Some(n) = e164.strip_prefix("+49") {
        format!("0{} {}", &n[..2], &n[2..])
    } else {
        e164.to_string()
    }
}
