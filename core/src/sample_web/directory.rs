//! The business directory at `directory.test`: a search form and paginated listings.

use super::SampleResponse;
use super::data::{CITIES, INDUSTRIES};
use super::generate::{Built, Listing};
use super::text::esc;
use std::fmt::Write;

/// Listings per search results page.
pub(crate) const PAGE_SIZE: usize = 10;

pub(crate) fn respond(built: &Built, path: &str, query: &str) -> SampleResponse {
    match path {
        "/robots.txt" => SampleResponse::text_plain(200, "User-agent: *\nDisallow:\n"),
        "/" | "/index.html" => SampleResponse::html(200, home()),
        "/search" | "/search/" => SampleResponse::html(200, search(built, query)),
        _ if path.starts_with("/listing/") => match path["/listing/".len()..]
            .parse::<usize>()
            .ok()
            .and_then(|i| built.listings.get(i))
        {
            Some(l) => SampleResponse::html(200, detail(l)),
            None => SampleResponse::html(404, super::site::error_page(404)),
        },
        _ => SampleResponse::html(404, super::site::error_page(404)),
    }
}

/// Which industries a free-text query means; `None` means no filter.
pub(crate) fn match_industries(q: &str) -> Option<Vec<usize>> {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return None;
    }
    let words: Vec<&str> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    Some(
        INDUSTRIES
            .iter()
            .enumerate()
            .filter(|(_, ind)| {
                q == ind.slug
                    || q == ind.label.to_lowercase()
                    || words.iter().any(|w| ind.synonyms.contains(w))
            })
            .map(|(i, _)| i)
            .collect(),
    )
}

/// Which cities a free-text location means; `None` means no filter.
pub(crate) fn match_cities(q: &str) -> Option<Vec<usize>> {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return None;
    }
    let words: Vec<&str> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    Some(
        CITIES
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let name = c.name.to_lowercase();
                words.iter().any(|w| *w == name)
            })
            .map(|(i, _)| i)
            .collect(),
    )
}

/// All listings matching the query, in directory order (the order pages show them).
pub(crate) fn matching<'a>(built: &'a Built, industry: &str, location: &str) -> Vec<&'a Listing> {
    let industries = match_industries(industry);
    let cities = match_cities(location);
    built
        .listings
        .iter()
        .filter(|l| industries.as_ref().is_none_or(|v| v.contains(&l.industry)))
        .filter(|l| cities.as_ref().is_none_or(|v| v.contains(&l.city)))
        .collect()
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{} | LocalFinder Business Directory</title>\n</head>\n<body>\n\
         <header><a class=\"logo\" href=\"/\">LocalFinder</a> – find local businesses</header>\n\
         <main>\n{body}</main>\n<footer><p>© 2024 LocalFinder. Listings are provided by businesses \
         and may be out of date.</p></footer>\n</body>\n</html>\n",
        esc(title)
    )
}

fn search_form(industry: &str, location: &str) -> String {
    format!(
        "<form class=\"search\" action=\"/search\" method=\"get\">\
         <label>What <input name=\"industry\" value=\"{}\" placeholder=\"e.g. dentist\"></label> \
         <label>Where <input name=\"location\" value=\"{}\" placeholder=\"e.g. Austin\"></label> \
         <button type=\"submit\">Search</button></form>\n",
        esc(industry),
        esc(location)
    )
}

fn home() -> String {
    let mut b = String::from("<h1>Find local businesses</h1>\n");
    b.push_str(&search_form("", ""));
    b.push_str("<h2>Browse by category</h2>\n<ul class=\"categories\">");
    for ind in INDUSTRIES {
        let _ = write!(
            b,
            "<li><a href=\"/search?industry={}\">{}</a></li>",
            ind.slug, ind.label
        );
    }
    b.push_str("</ul>\n<h2>Browse by city</h2>\n<ul class=\"cities\">");
    for c in CITIES {
        let _ = write!(
            b,
            "<li><a href=\"/search?location={}\">{}</a></li>",
            c.name, c.name
        );
    }
    b.push_str("</ul>\n");
    layout("Home", &b)
}

/// A listing's own page: the address in parts and the business's description.
fn detail(l: &Listing) -> String {
    let city = &CITIES[l.city];
    let industry = &INDUSTRIES[l.industry];
    let mut b = format!(
        "<article class=\"business\">\n<h1 class=\"business-name\">{}</h1>\n\
         <p class=\"about\">{} in {}: {}.</p>\n<dl>\n",
        esc(&l.name),
        industry.label,
        city.name,
        industry.pitch
    );
    if let Some(w) = &l.website {
        let _ = writeln!(
            b,
            "<dt>Website</dt><dd><a class=\"site\" href=\"{0}\">{0}</a></dd>",
            esc(w)
        );
    }
    let _ = write!(
        b,
        "<dt>Phone</dt><dd class=\"tel\">{}</dd>\n<dt>Address</dt><dd class=\"adr\">\
         <span class=\"street\">{}</span>, <span class=\"locality\">{}</span>, \
         <span class=\"region\">{}</span>, \
         <span class=\"country\">{}</span></dd>\n</dl>\n</article>\n",
        esc(&l.phone),
        esc(&l.street),
        city.name,
        city.region,
        city.country
    );
    layout(&l.name, &b)
}

fn search_href(industry: Option<&str>, location: Option<&str>, page: usize) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    if let Some(i) = industry {
        ser.append_pair("industry", i);
    }
    if let Some(l) = location {
        ser.append_pair("location", l);
    }
    ser.append_pair("page", &page.to_string());
    format!("/search?{}", ser.finish())
}

fn search(built: &Built, query: &str) -> String {
    let mut industry = None;
    let mut location = None;
    let mut page = 1usize;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "industry" | "q" => industry = Some(v.into_owned()),
            "location" | "where" => location = Some(v.into_owned()),
            "page" => page = v.trim().parse().unwrap_or(1).max(1),
            _ => {}
        }
    }
    let results = matching(
        built,
        industry.as_deref().unwrap_or(""),
        location.as_deref().unwrap_or(""),
    );
    let pages = results.len().div_ceil(PAGE_SIZE).max(1);

    let what = match match_industries(industry.as_deref().unwrap_or("")) {
        Some(v) if v.len() == 1 => INDUSTRIES[v[0]].label.to_string(),
        _ => match industry.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => format!("“{s}”"),
            _ => "Businesses".to_string(),
        },
    };
    let where_ = match (
        match_cities(location.as_deref().unwrap_or("")),
        location.as_deref().map(str::trim),
    ) {
        (Some(v), _) if v.len() == 1 => CITIES[v[0]].name.to_string(),
        (_, Some(s)) if !s.is_empty() => s.to_string(),
        _ => "all cities".to_string(),
    };
    let title = format!("{what} in {where_}");
    let mut b = format!("<h1>{}</h1>\n", esc(&title));
    b.push_str(&search_form(
        industry.as_deref().unwrap_or(""),
        location.as_deref().unwrap_or(""),
    ));
    let _ = writeln!(
        b,
        "<p class=\"count\">{} results – page {page} of {pages}</p>",
        results.len()
    );
    b.push_str("<div class=\"results\">\n");
    let start = (page - 1).saturating_mul(PAGE_SIZE);
    let shown: Vec<&&Listing> = results.iter().skip(start).take(PAGE_SIZE).collect();
    if shown.is_empty() {
        b.push_str("<p class=\"empty\">No businesses found.</p>\n");
    }
    for l in shown {
        let index = built
            .listings
            .iter()
            .position(|x| std::ptr::eq(x, *l))
            .unwrap_or_default();
        let _ = write!(
            b,
            "<div class=\"listing\">\n<h2 class=\"name\">{}</h2>\n\
             <a class=\"details\" href=\"/listing/{index}\">Details</a>\n",
            esc(&l.name)
        );
        if let Some(w) = &l.website {
            let _ = writeln!(
                b,
                "<a class=\"website\" href=\"{}\" rel=\"nofollow\">Visit website</a>",
                esc(w)
            );
        }
        let _ = write!(
            b,
            "<span class=\"phone\">{}</span>\n<span class=\"address\">{}, {}</span>\n\
             <span class=\"category\">{}</span>\n</div>\n",
            esc(&l.phone),
            esc(&l.street),
            CITIES[l.city].name,
            INDUSTRIES[l.industry].label
        );
    }
    b.push_str("</div>\n<nav class=\"pagination\">");
    if page > 1 && start < results.len() + PAGE_SIZE {
        let _ = write!(
            b,
            "<a rel=\"prev\" class=\"prev\" href=\"{}\">Previous</a> ",
            esc(&search_href(
                industry.as_deref(),
                location.as_deref(),
                page - 1
            ))
        );
    }
    if start + PAGE_SIZE < results.len() {
        let _ = write!(
            b,
            "<a rel=\"next\" class=\"next\" href=\"{}\">Next</a>",
            esc(&search_href(
                industry.as_deref(),
                location.as_deref(),
                page + 1
            ))
        );
    }
    b.push_str("</nav>\n");
    layout(&title, &b)
}
