//! Google Places (the seed's "Google My Business"): the Places API's Text Search, asked for
//! "<industry> in <location>" with a field mask naming only what a lead needs, 20 places per
//! page, following `nextPageToken`.

use crate::model::{Address, Candidate};
use serde_json::{Value, json};

/// The source's name.
pub const SOURCE: &str = "google_places";

/// The fields asked for (billing follows the field mask, so nothing more).
pub const FIELD_MASK: &str = "places.id,places.displayName,places.formattedAddress,\
places.addressComponents,places.location,places.types,places.primaryType,\
places.nationalPhoneNumber,places.internationalPhoneNumber,places.websiteUri,\
places.businessStatus,places.googleMapsUri,nextPageToken";

/// The Text Search endpoint under a base URL (`https://places.googleapis.com`).
pub fn search_url(base: &str) -> String {
    format!("{}/v1/places:searchText", base.trim_end_matches('/'))
}

/// The request body of one page.
pub fn search_body(industry: &str, location: &str, page_token: Option<&str>) -> Value {
    let query = match (industry.trim(), location.trim()) {
        ("", l) => l.to_string(),
        (i, "") => i.to_string(),
        (i, l) => format!("{i} in {l}"),
    };
    let mut body = json!({ "textQuery": query, "pageSize": 20 });
    if let Some(t) = page_token {
        body["pageToken"] = json!(t);
    }
    body
}

/// One page of places.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacesPage {
    /// Places that are operating, as candidates.
    pub candidates: Vec<Candidate>,
    /// Token of the next page.
    pub next: Option<String>,
}

/// An error answer of the API (`{"error": {"code", "message", "status"}}`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("Places API {code} {status}: {message}")]
pub struct PlacesError {
    /// HTTP-like code.
    pub code: u16,
    /// `RESOURCE_EXHAUSTED`, `PERMISSION_DENIED`, `INVALID_ARGUMENT`, …
    pub status: String,
    /// Why.
    pub message: String,
}

impl PlacesError {
    /// Quota or rate exhausted: try again later.
    pub fn is_rate_limit(&self) -> bool {
        self.code == 429 || self.status == "RESOURCE_EXHAUSTED"
    }

    /// The key is missing, invalid or not allowed: no retry helps.
    pub fn is_key_problem(&self) -> bool {
        self.status == "PERMISSION_DENIED"
            || self.message.contains("API key")
            || self.code == 401
            || self.code == 403
    }

    /// The server had a problem: try again later.
    pub fn is_transient(&self) -> bool {
        self.is_rate_limit() || self.code >= 500
    }
}

/// Reads an answer of status `status`.
pub fn parse_places(status: u16, body: &str) -> Result<PlacesPage, PlacesError> {
    let v: Value = serde_json::from_str(body).map_err(|e| PlacesError {
        code: status,
        status: "UNPARSEABLE".into(),
        message: format!("answer is not JSON: {e}"),
    })?;
    if let Some(err) = v.get("error") {
        return Err(PlacesError {
            code: err["code"].as_u64().map(|c| c as u16).unwrap_or(status),
            status: err["status"].as_str().unwrap_or("UNKNOWN").to_string(),
            message: err["message"].as_str().unwrap_or_default().to_string(),
        });
    }
    if status >= 400 {
        return Err(PlacesError {
            code: status,
            status: "UNKNOWN".into(),
            message: format!("HTTP {status}"),
        });
    }
    let candidates = v["places"]
        .as_array()
        .map(|a| a.iter().filter_map(place_candidate).collect())
        .unwrap_or_default();
    Ok(PlacesPage {
        candidates,
        next: v["nextPageToken"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_string),
    })
}

fn place_candidate(p: &Value) -> Option<Candidate> {
    let name = p["displayName"]["text"].as_str()?.trim().to_string();
    if name.is_empty() {
        return None;
    }
    if p["businessStatus"]
        .as_str()
        .is_some_and(|s| s.starts_with("CLOSED"))
    {
        return None;
    }
    let component = |kind: &str, short: bool| {
        p["addressComponents"].as_array().and_then(|list| {
            list.iter()
                .find(|c| {
                    c["types"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|t| t == kind))
                })
                .and_then(|c| c[if short { "shortText" } else { "longText" }].as_str())
                .map(str::to_string)
        })
    };
    let street = match (component("street_number", false), component("route", false)) {
        (Some(n), Some(r)) => Some(format!("{n} {r}")),
        (_, r) => r,
    };
    let parts = Address {
        street,
        city: component("locality", false).or_else(|| component("postal_town", false)),
        region: component("administrative_area_level_1", true),
        postal_code: component("postal_code", false),
        country: component("country", true),
    };
    let id = p["id"].as_str().unwrap_or_default();
    let category = p["primaryType"]
        .as_str()
        .map(|t| t.replace('_', " "))
        .or_else(|| p["types"][0].as_str().map(|t| t.replace('_', " ")));
    Some(Candidate {
        name,
        website: p["websiteUri"].as_str().map(str::to_string),
        phone: p["internationalPhoneNumber"]
            .as_str()
            .or(p["nationalPhoneNumber"].as_str())
            .map(str::to_string),
        address: p["formattedAddress"].as_str().map(str::to_string),
        category,
        source: SOURCE.into(),
        source_url: p["googleMapsUri"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("https://www.google.com/maps/place/?q=place_id:{id}")),
        email: None,
        description: None,
        address_parts: (parts != Address::default()).then_some(parts),
        coordinates: p["location"]["latitude"]
            .as_f64()
            .zip(p["location"]["longitude"].as_f64()),
        opening_hours: None,
        external_id: (!id.is_empty()).then(|| format!("place/{id}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_requests() {
        assert_eq!(
            search_body("dentist", "Austin", None),
            json!({"textQuery": "dentist in Austin", "pageSize": 20})
        );
        assert_eq!(search_body("", "Austin", Some("t"))["pageToken"], "t");
        assert_eq!(
            search_url("https://places.googleapis.com/"),
            "https://places.googleapis.com/v1/places:searchText"
        );
    }

    #[test]
    fn reads_places_and_errors() {
        let body = r#"{"places":[{"id":"ChIJ1","displayName":{"text":"Smile Dental","languageCode":"en"},
          "formattedAddress":"12 Main St, Austin, TX 78701, USA",
          "addressComponents":[{"longText":"12","shortText":"12","types":["street_number"]},
            {"longText":"Main Street","shortText":"Main St","types":["route"]},
            {"longText":"Austin","shortText":"Austin","types":["locality","political"]},
            {"longText":"Texas","shortText":"TX","types":["administrative_area_level_1","political"]},
            {"longText":"United States","shortText":"US","types":["country","political"]},
            {"longText":"78701","shortText":"78701","types":["postal_code"]}],
          "location":{"latitude":30.2,"longitude":-97.7},"primaryType":"dentist",
          "internationalPhoneNumber":"+1 512-555-0142","websiteUri":"https://smile.test/",
          "businessStatus":"OPERATIONAL"},
          {"id":"ChIJ2","displayName":{"text":"Gone"},"businessStatus":"CLOSED_PERMANENTLY"}],
          "nextPageToken":"abc"}"#;
        let page = parse_places(200, body).unwrap();
        assert_eq!(page.next.as_deref(), Some("abc"));
        assert_eq!(page.candidates.len(), 1);
        let c = &page.candidates[0];
        let a = c.address_parts.as_ref().unwrap();
        assert_eq!(a.street.as_deref(), Some("12 Main Street"));
        assert_eq!(
            (a.region.as_deref(), a.country.as_deref()),
            (Some("TX"), Some("US"))
        );
        assert_eq!(c.external_id.as_deref(), Some("place/ChIJ1"));
        assert_eq!(c.phone.as_deref(), Some("+1 512-555-0142"));

        let e = parse_places(
            429,
            r#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}"#,
        )
        .unwrap_err();
        assert!(e.is_rate_limit() && e.is_transient());
        let e = parse_places(
            400,
            r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}"#,
        )
        .unwrap_err();
        assert!(e.is_key_problem() && !e.is_transient());
    }
}
