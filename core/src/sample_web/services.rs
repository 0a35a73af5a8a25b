//! The map and places services of the sample web, answering in the documented formats of the
//! real ones so that the product's clients can be exercised end to end:
//!
//! - `nominatim.test`: `GET /search?q=…&format=jsonv2` (Nominatim's search API).
//! - `overpass.test`: `POST /api/interpreter` with `data=<Overpass QL>` (or `GET ?data=`);
//!   understands tag filters `nwr["key"="value"]` / `nwr["key"]`, `area(id:…)` and bounding
//!   boxes, and answers with `out center tags` JSON.
//! - `places.test`: `POST /v1/places:searchText` (Places API, Text Search) with the
//!   `X-Goog-Api-Key` and `X-Goog-FieldMask` headers, 20 places per page and `nextPageToken`.
//!
//! Which companies each service knows is seeded: about 70% are on the map (a fifth of those
//! without a website tag), about 80% are in the places index. Errors such as rate limits or
//! Overpass runtime remarks are injected by tests with [`super::SampleWeb::inject`].

use super::data::{CITIES, City};
use super::generate::Built;
use super::text::stable_hash;
use super::{SampleRequest, SampleResponse, TruthCompany};
use serde_json::{Value, json};

/// Host of the geocoder.
pub const NOMINATIM_HOST: &str = "nominatim.test";
/// Host of the map query service.
pub const OVERPASS_HOST: &str = "overpass.test";
/// Host of the places service.
pub const PLACES_HOST: &str = "places.test";
/// The only API key the places service accepts.
pub const PLACES_KEY: &str = "sample-places-key";
/// Places per page of the places service (the real service's maximum).
const PLACES_PAGE: usize = 20;

/// The map tags a company of an industry carries (OpenStreetMap's tagging conventions).
fn industry_tags(slug: &str) -> (&'static str, &'static str) {
    match slug {
        "dentist" => ("amenity", "dentist"),
        "law-firm" => ("office", "lawyer"),
        "plumber" => ("craft", "plumber"),
        "restaurant" => ("amenity", "restaurant"),
        "accounting" => ("office", "accountant"),
        "software" => ("office", "it"),
        "marketing-agency" => ("office", "advertising_agency"),
        "real-estate" => ("office", "estate_agent"),
        "healthcare" => ("amenity", "clinic"),
        _ => ("shop", "yes"),
    }
}

/// The places types of an industry (Places API's table of types).
fn industry_types(slug: &str) -> &'static [&'static str] {
    match slug {
        "dentist" => &["dentist", "health"],
        "law-firm" => &["lawyer"],
        "plumber" => &["plumber"],
        "restaurant" => &["restaurant", "food"],
        "accounting" => &["accounting", "finance"],
        "real-estate" => &["real_estate_agency"],
        "healthcare" => &["doctor", "health"],
        "retail" => &["store"],
        _ => &["point_of_interest"],
    }
}

fn city_of(t: &TruthCompany) -> &'static City {
    CITIES
        .iter()
        .find(|c| c.name == t.city)
        .unwrap_or(&CITIES[0])
}

fn roll(t: &TruthCompany, what: &str) -> u64 {
    stable_hash(&[t.name.as_bytes(), t.city.as_bytes(), what.as_bytes()]) % 100
}

/// A company's position: near its city's centre, stable per company.
fn position(t: &TruthCompany) -> (f64, f64) {
    let city = city_of(t);
    let dy = (roll(t, "lat") as f64 - 50.0) / 500.0;
    let dx = (roll(t, "lon") as f64 - 50.0) / 500.0;
    (city.lat + dy, city.lon + dx)
}

pub(crate) fn respond(built: &Built, req: &SampleRequest<'_>) -> Option<SampleResponse> {
    let (path, query) = req
        .path_and_query
        .split_once('?')
        .unwrap_or((req.path_and_query, ""));
    let answer = match req.host {
        NOMINATIM_HOST => match path {
            "/robots.txt" => SampleResponse::text_plain(200, "User-agent: *\nDisallow: /\n"),
            "/search" => nominatim(query_param(query, "q").unwrap_or_default().as_str()),
            _ => json_error(404, json!({"error": "unknown endpoint"})),
        },
        OVERPASS_HOST => match path {
            "/api/interpreter" => {
                let data = if req.method.eq_ignore_ascii_case("POST") {
                    query_param(&String::from_utf8_lossy(req.body), "data")
                } else {
                    query_param(query, "data")
                };
                match data {
                    Some(q) => overpass(built, &q),
                    None => SampleResponse::new(
                        400,
                        "text/html; charset=utf-8",
                        "<p>Error: no query (data=) given</p>",
                    ),
                }
            }
            _ => json_error(404, json!({"error": "unknown endpoint"})),
        },
        PLACES_HOST => match path {
            "/v1/places:searchText" if req.method.eq_ignore_ascii_case("POST") => {
                places(built, req)
            }
            _ => google_error(404, "NOT_FOUND", "Requested entity was not found.", None),
        },
        _ => return None,
    };
    Some(answer)
}

fn query_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn json_response(status: u16, body: &Value) -> SampleResponse {
    SampleResponse::new(status, "application/json", body.to_string())
}

fn json_error(status: u16, body: Value) -> SampleResponse {
    json_response(status, &body)
}

fn nominatim(q: &str) -> SampleResponse {
    let words: Vec<String> = q
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let hits: Vec<Value> = CITIES
        .iter()
        .filter(|c| words.iter().any(|w| *w == c.name.to_lowercase()))
        .take(1)
        .map(|c| {
            json!({
                "place_id": c.osm_relation * 7 + 11,
                "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
                "osm_type": "relation",
                "osm_id": c.osm_relation,
                "lat": format!("{:.7}", c.lat),
                "lon": format!("{:.7}", c.lon),
                "category": "boundary",
                "type": "administrative",
                "place_rank": 16,
                "importance": 0.75,
                "addresstype": "city",
                "name": c.name,
                "display_name": format!("{}, {}, {}", c.name, c.region, c.country_name),
                "boundingbox": [
                    format!("{:.7}", c.lat - 0.25),
                    format!("{:.7}", c.lat + 0.25),
                    format!("{:.7}", c.lon - 0.25),
                    format!("{:.7}", c.lon + 0.25),
                ],
            })
        })
        .collect();
    json_response(200, &Value::Array(hits))
}

/// What an Overpass query asks for, as far as the sample service understands it.
struct OverpassQuery {
    tags: Vec<(String, Option<String>)>,
    city: Option<&'static City>,
    bbox: Option<(f64, f64, f64, f64)>,
}

fn parse_overpass(q: &str) -> OverpassQuery {
    let mut tags = Vec::new();
    let mut rest = q;
    while let Some(i) = rest.find("[\"") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(']') else { break };
        let inner = &after[..end];
        let mut parts = inner.splitn(2, '=');
        let key = parts
            .next()
            .unwrap_or_default()
            .trim_matches('"')
            .to_string();
        let value = parts.next().map(|v| v.trim_matches('"').to_string());
        tags.push((key, value));
        rest = &after[end..];
    }
    let city = q.find("area(id:").and_then(|i| {
        let digits: String = q[i + 8..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let id: u64 = digits.parse().ok()?;
        CITIES.iter().find(|c| c.osm_relation + 3_600_000_000 == id)
    });
    let bbox = q.find("](").and_then(|i| {
        let inner = q[i + 2..].split(')').next()?;
        let n: Vec<f64> = inner
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        (n.len() == 4).then(|| (n[0], n[1], n[2], n[3]))
    });
    OverpassQuery { tags, city, bbox }
}

fn overpass(built: &Built, q: &str) -> SampleResponse {
    let query = parse_overpass(q);
    let in_area = |t: &TruthCompany| {
        if let Some(city) = query.city {
            return city.name == t.city;
        }
        if let Some((s, w, n, e)) = query.bbox {
            let (lat, lon) = position(t);
            return (s..=n).contains(&lat) && (w..=e).contains(&lon);
        }
        true
    };
    let mut elements = Vec::new();
    for (i, t) in built.truth.iter().enumerate() {
        if roll(t, "on-map") >= 70 || !in_area(t) {
            continue;
        }
        let (k, v) = industry_tags(&t.industry);
        let wanted = query
            .tags
            .iter()
            .any(|(qk, qv)| qk == k && qv.as_deref().is_none_or(|qv| qv == v || qv == "yes"));
        if !wanted {
            continue;
        }
        elements.push(map_element(i, t, k, v));
    }
    json_response(
        200,
        &json!({
            "version": 0.6,
            "generator": "Overpass API 0.7.62 (sample web)",
            "osm3s": {
                "timestamp_osm_base": "2026-11-30T12:00:00Z",
                "copyright": "The data included in this document is from www.openstreetmap.org. The data is made available under ODbL."
            },
            "elements": elements,
        }),
    )
}

fn map_element(i: usize, t: &TruthCompany, k: &str, v: &str) -> Value {
    let mut tags = serde_json::Map::new();
    tags.insert("name".into(), json!(t.name));
    tags.insert(k.into(), json!(v));
    if !t.website.is_empty() && roll(t, "map-website") >= 20 {
        let key = if roll(t, "map-website-key") < 30 {
            "contact:website"
        } else {
            "website"
        };
        tags.insert(key.into(), json!(t.website));
    }
    if let Some(phone) = t.phones.first()
        && roll(t, "map-phone") < 60
    {
        tags.insert("phone".into(), json!(phone));
    }
    if roll(t, "map-address") < 80 {
        let (number, street) = split_street(&t.street);
        if let Some(n) = number {
            tags.insert("addr:housenumber".into(), json!(n));
        }
        tags.insert("addr:street".into(), json!(street));
        tags.insert("addr:city".into(), json!(t.city));
        tags.insert("addr:postcode".into(), json!(t.postal_code));
        tags.insert("addr:country".into(), json!(t.country));
    }
    if roll(t, "map-hours") < 50 {
        tags.insert("opening_hours".into(), json!("Mo-Fr 09:00-17:00"));
    }
    let (lat, lon) = position(t);
    let id = 4_000_000_000u64 + i as u64 * 13;
    match roll(t, "map-type") {
        0..=69 => json!({"type": "node", "id": id, "lat": lat, "lon": lon, "tags": tags}),
        70..=94 => {
            json!({"type": "way", "id": id, "center": {"lat": lat, "lon": lon}, "tags": tags})
        }
        _ => {
            json!({"type": "relation", "id": id, "center": {"lat": lat, "lon": lon}, "tags": tags})
        }
    }
}

/// `"1200 Congress Ave, Suite 300"` → (`Some("1200")`, `"Congress Ave"`); `"Torstraße 12"` →
/// (`Some("12")`, `"Torstraße"`).
fn split_street(street: &str) -> (Option<String>, String) {
    let main = street.split(',').next().unwrap_or(street).trim();
    let mut words: Vec<&str> = main.split_whitespace().collect();
    if words
        .first()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
    {
        let n = words.remove(0).to_string();
        return (Some(n), words.join(" "));
    }
    if words
        .last()
        .is_some_and(|w| w.chars().any(|c| c.is_ascii_digit()))
    {
        let n = words.pop().unwrap_or_default().to_string();
        return (Some(n), words.join(" "));
    }
    (None, main.to_string())
}

fn google_error(code: u16, status: &str, message: &str, reason: Option<&str>) -> SampleResponse {
    let mut error = json!({"code": code, "message": message, "status": status});
    if let Some(r) = reason {
        error["details"] = json!([{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": r,
            "domain": "googleapis.com",
            "metadata": {"service": "places.googleapis.com"}
        }]);
    }
    json_response(code, &json!({ "error": error }))
}

fn places(built: &Built, req: &SampleRequest<'_>) -> SampleResponse {
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    match header("x-goog-api-key") {
        Some(PLACES_KEY) => {}
        _ => {
            return google_error(
                400,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
                Some("API_KEY_INVALID"),
            );
        }
    }
    let Some(mask) = header("x-goog-fieldmask").filter(|m| !m.trim().is_empty()) else {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "FieldMask is a required parameter. See https://cloud.google.com/apis/docs/system-parameters on how to provide it.",
            None,
        );
    };
    let body: Value = match serde_json::from_slice(req.body) {
        Ok(v) => v,
        Err(e) => {
            return google_error(
                400,
                "INVALID_ARGUMENT",
                &format!("Invalid JSON payload: {e}"),
                None,
            );
        }
    };
    let Some(text) = body["textQuery"].as_str().filter(|t| !t.trim().is_empty()) else {
        return google_error(400, "INVALID_ARGUMENT", "Empty text_query.", None);
    };
    let size = body["pageSize"]
        .as_u64()
        .unwrap_or(PLACES_PAGE as u64)
        .clamp(1, 20) as usize;
    let offset: usize = body["pageToken"]
        .as_str()
        .and_then(|t| t.strip_prefix("page-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let industries = super::directory::match_industries(text);
    let cities = super::directory::match_cities(text);
    let hits: Vec<(usize, &TruthCompany)> = built
        .truth
        .iter()
        .enumerate()
        .filter(|(_, t)| roll(t, "in-places") < 80)
        .filter(|(_, t)| {
            let ind = super::data::INDUSTRIES
                .iter()
                .position(|i| i.slug == t.industry)
                .unwrap_or(usize::MAX);
            industries.as_ref().is_none_or(|v| v.contains(&ind))
        })
        .filter(|(_, t)| {
            let city = CITIES
                .iter()
                .position(|c| c.name == t.city)
                .unwrap_or(usize::MAX);
            cities.as_ref().is_none_or(|v| v.contains(&city))
        })
        .collect();
    // The real service returns at most 60 results over three pages.
    let hits: Vec<_> = hits.into_iter().take(60).collect();
    let page: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(size)
        .map(|(i, t)| masked(&place(*i, t), mask))
        .collect();
    let mut out = json!({ "places": page });
    if offset + size < hits.len() && mask.contains("nextPageToken") {
        out["nextPageToken"] = json!(format!("page-{}", offset + size));
    }
    json_response(200, &out)
}

fn place(i: usize, t: &TruthCompany) -> Value {
    let city = city_of(t);
    let (lat, lon) = position(t);
    let (number, street) = split_street(&t.street);
    let mut components = Vec::new();
    if let Some(n) = &number {
        components.push(json!({"longText": n, "shortText": n, "types": ["street_number"], "languageCode": "en"}));
    }
    components.push(
        json!({"longText": street, "shortText": street, "types": ["route"], "languageCode": "en"}),
    );
    components.push(json!({"longText": t.city, "shortText": t.city, "types": ["locality", "political"], "languageCode": "en"}));
    components.push(json!({"longText": t.region, "shortText": t.region, "types": ["administrative_area_level_1", "political"], "languageCode": "en"}));
    components.push(json!({"longText": city.country_name, "shortText": t.country, "types": ["country", "political"], "languageCode": "en"}));
    components.push(json!({"longText": t.postal_code, "shortText": t.postal_code, "types": ["postal_code"], "languageCode": "en"}));
    let types = industry_types(&t.industry);
    let mut p = json!({
        "id": format!("ChIJsample{i:06}"),
        "displayName": {"text": t.name, "languageCode": "en"},
        "formattedAddress": format!("{}, {}, {} {}, {}", t.street, t.city, t.region, t.postal_code, city.country_name),
        "addressComponents": components,
        "location": {"latitude": lat, "longitude": lon},
        "types": types.iter().chain(&["point_of_interest", "establishment"]).collect::<Vec<_>>(),
        "primaryType": types[0],
        "businessStatus": "OPERATIONAL",
        "googleMapsUri": format!("https://maps.google.com/?cid={}", 1_000_000 + i),
    });
    if let Some(phone) = t.phones.first()
        && roll(t, "places-phone") < 90
    {
        p["internationalPhoneNumber"] = json!(phone);
        p["nationalPhoneNumber"] = json!(phone);
    }
    if !t.website.is_empty() && roll(t, "places-website") < 90 {
        p["websiteUri"] = json!(t.website);
    }
    p
}

/// Keeps only the fields the field mask names (`places.id,places.displayName,…` or `*`).
fn masked(place: &Value, mask: &str) -> Value {
    let fields: Vec<&str> = mask
        .split(',')
        .map(str::trim)
        .filter_map(|f| f.strip_prefix("places.").or((f == "*").then_some("*")))
        .collect();
    if fields.contains(&"*") {
        return place.clone();
    }
    let mut out = serde_json::Map::new();
    for f in fields {
        if let Some(v) = place.get(f) {
            out.insert(f.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tags_area_and_bbox_from_a_query() {
        let q = parse_overpass(
            "[out:json][timeout:25];area(id:3600113314)->.a;(nwr[\"amenity\"=\"dentist\"](area.a);nwr[\"healthcare\"](area.a););out center tags 100;",
        );
        assert_eq!(q.tags[0], ("amenity".into(), Some("dentist".into())));
        assert_eq!(q.tags[1], ("healthcare".into(), None));
        assert_eq!(q.city.map(|c| c.name), Some("Austin"));
        let q = parse_overpass(
            "[out:json];(nwr[\"office\"=\"lawyer\"](30.0,-98.0,30.5,-97.5););out center;",
        );
        assert_eq!(q.bbox, Some((30.0, -98.0, 30.5, -97.5)));
    }

    #[test]
    fn splits_street_numbers() {
        assert_eq!(
            split_street("1200 Congress Ave, Suite 300"),
            (Some("1200".into()), "Congress Ave".into())
        );
        assert_eq!(
            split_street("Torstraße 12"),
            (Some("12".into()), "Torstraße".into())
        );
    }
}
