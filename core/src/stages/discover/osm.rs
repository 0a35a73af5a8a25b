//! OpenStreetMap: the search's location geocoded with Nominatim, its industry mapped to map
//! tags, and an Overpass query for the businesses inside the area.
//!
//! The industry → tag table ([`industry_tags`]) follows the OSM wiki's tagging conventions
//! (`amenity`, `office`, `craft`, `shop`, `healthcare`); it is documented in the README.

use super::squash;
use crate::model::{Address, Candidate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The source's name.
pub const SOURCE: &str = "osm";

/// Map tags (`key`, `value`; `None` = any value) that mean an industry of the taxonomy.
pub fn industry_tags(slug: &str) -> &'static [(&'static str, Option<&'static str>)] {
    match slug {
        "dentist" => &[
            ("amenity", Some("dentist")),
            ("healthcare", Some("dentist")),
        ],
        "law-firm" => &[("office", Some("lawyer")), ("office", Some("notary"))],
        "plumber" => &[("craft", Some("plumber"))],
        "hvac" => &[("craft", Some("hvac")), ("craft", Some("heating_engineer"))],
        "electrician" => &[("craft", Some("electrician"))],
        "construction" => &[
            ("office", Some("construction_company")),
            ("craft", Some("builder")),
            ("craft", Some("roofer")),
            ("craft", Some("carpenter")),
        ],
        "restaurant" => &[
            ("amenity", Some("restaurant")),
            ("amenity", Some("cafe")),
            ("amenity", Some("fast_food")),
        ],
        "hotel" => &[
            ("tourism", Some("hotel")),
            ("tourism", Some("guest_house")),
            ("tourism", Some("hostel")),
            ("tourism", Some("motel")),
        ],
        "accounting" => &[
            ("office", Some("accountant")),
            ("office", Some("tax_advisor")),
        ],
        "financial-services" => &[
            ("office", Some("financial")),
            ("office", Some("financial_advisor")),
            ("amenity", Some("bank")),
        ],
        "insurance" => &[("office", Some("insurance"))],
        "software" => &[("office", Some("software")), ("office", Some("it"))],
        "it-services" => &[
            ("office", Some("it")),
            ("office", Some("telecommunication")),
        ],
        "marketing-agency" => &[
            ("office", Some("advertising_agency")),
            ("office", Some("marketing")),
        ],
        "real-estate" => &[("office", Some("estate_agent"))],
        "healthcare" => &[
            ("amenity", Some("clinic")),
            ("amenity", Some("doctors")),
            ("healthcare", Some("clinic")),
            ("healthcare", Some("doctor")),
            ("healthcare", Some("physiotherapist")),
        ],
        "veterinary" => &[("amenity", Some("veterinary"))],
        "fitness" => &[
            ("leisure", Some("fitness_centre")),
            ("leisure", Some("sports_centre")),
        ],
        "beauty" => &[
            ("shop", Some("hairdresser")),
            ("shop", Some("beauty")),
            ("shop", Some("massage")),
        ],
        "automotive" => &[
            ("shop", Some("car_repair")),
            ("shop", Some("car")),
            ("shop", Some("tyres")),
        ],
        "education" => &[
            ("amenity", Some("school")),
            ("amenity", Some("college")),
            ("amenity", Some("university")),
            ("amenity", Some("language_school")),
            ("amenity", Some("driving_school")),
        ],
        "manufacturing" => &[("man_made", Some("works")), ("industrial", Some("factory"))],
        "logistics" => &[
            ("office", Some("logistics")),
            ("office", Some("moving_company")),
            ("office", Some("courier")),
        ],
        "architecture" => &[("office", Some("architect"))],
        "consulting" => &[("office", Some("consulting"))],
        "staffing" => &[("office", Some("employment_agency"))],
        "cleaning" => &[("craft", Some("cleaning"))],
        "nonprofit" => &[
            ("office", Some("ngo")),
            ("office", Some("charity")),
            ("office", Some("association")),
        ],
        "retail" => &[("shop", None)],
        _ => &[],
    }
}

/// The industry slug map tags point to (for a candidate's category).
pub fn tags_industry(tags: &serde_json::Map<String, Value>) -> Option<&'static str> {
    crate::industry::TAXONOMY
        .iter()
        .map(|i| i.slug)
        .find(|slug| {
            industry_tags(slug).iter().any(|(k, v)| {
                match (tags.get(*k).and_then(Value::as_str), v) {
                    (Some(_), None) => true,
                    (Some(have), Some(want)) => have == *want,
                    _ => false,
                }
            })
        })
}

/// A geocoded search area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    /// How Nominatim names it.
    pub display_name: String,
    /// `node`, `way` or `relation`.
    pub osm_type: String,
    /// Its map id.
    pub osm_id: u64,
    /// South, west, north, east.
    pub bbox: (f64, f64, f64, f64),
}

impl Area {
    /// The Overpass area id: a relation's or way's id plus Overpass's offset. Nodes have none.
    pub fn overpass_area_id(&self) -> Option<u64> {
        match self.osm_type.as_str() {
            "relation" => Some(3_600_000_000 + self.osm_id),
            "way" => Some(2_400_000_000 + self.osm_id),
            _ => None,
        }
    }
}

/// The Nominatim search URL for a location (JSON v2, best match only).
pub fn nominatim_url(base: &str, location: &str) -> String {
    let mut u = format!("{}/search?", base.trim_end_matches('/'));
    u.push_str(
        &url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", location.trim())
            .append_pair("format", "jsonv2")
            .append_pair("limit", "1")
            .finish(),
    );
    u
}

/// Reads a Nominatim search answer: the best area, `None` when nothing matched.
pub fn parse_nominatim(body: &str) -> Result<Option<Area>, String> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| format!("geocoder answer is not JSON: {e}"))?;
    let Some(list) = v.as_array() else {
        return Err("geocoder answer is not a list of places".into());
    };
    let Some(first) = list.first() else {
        return Ok(None);
    };
    let num = |v: &Value| -> Option<f64> {
        v.as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v.as_f64())
    };
    let bb: Vec<f64> = first["boundingbox"]
        .as_array()
        .map(|a| a.iter().filter_map(num).collect())
        .unwrap_or_default();
    if bb.len() != 4 {
        return Err("geocoder answer has no bounding box".into());
    }
    Ok(Some(Area {
        display_name: first["display_name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        osm_type: first["osm_type"].as_str().unwrap_or_default().to_string(),
        osm_id: first["osm_id"].as_u64().unwrap_or_default(),
        // Nominatim's order is south, north, west, east.
        bbox: (bb[0], bb[2], bb[1], bb[3]),
    }))
}

/// The Overpass QL query for an industry's tags inside an area: nodes, ways and relations
/// (with their centre), tags only, at most `limit`.
pub fn overpass_query(
    tags: &[(&str, Option<&str>)],
    area: &Area,
    limit: u32,
    timeout_secs: u32,
) -> String {
    let (scope, filter) = match area.overpass_area_id() {
        Some(id) => (format!("area(id:{id})->.a;"), "(area.a)".to_string()),
        None => {
            let (s, w, n, e) = area.bbox;
            (String::new(), format!("({s},{w},{n},{e})"))
        }
    };
    let mut q = format!("[out:json][timeout:{timeout_secs}];{scope}(");
    for (k, v) in tags {
        match v {
            Some(v) => q.push_str(&format!("nwr[\"{k}\"=\"{v}\"]{filter};")),
            None => q.push_str(&format!("nwr[\"{k}\"]{filter};")),
        }
    }
    q.push_str(&format!(");out center tags {limit};"));
    q
}

/// Why an Overpass answer is not a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OverpassError {
    /// The server ran out of time or memory (`remark`); worth retrying later.
    #[error("Overpass: {0}")]
    Busy(String),
    /// The query or answer is unusable.
    #[error("Overpass: {0}")]
    Invalid(String),
}

/// Reads an Overpass JSON answer into candidates (elements without a name are skipped).
pub fn parse_overpass(body: &str) -> Result<Vec<Candidate>, OverpassError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| OverpassError::Invalid(format!("answer is not JSON: {e}")))?;
    if let Some(remark) = v["remark"].as_str()
        && remark.contains("error")
    {
        let r = squash(remark);
        // Timeouts and memory exhaustion are the server's load, not our query.
        return Err(
            if r.contains("timed out") || r.contains("out of memory") || r.contains("Dispatcher") {
                OverpassError::Busy(r)
            } else {
                OverpassError::Invalid(r)
            },
        );
    }
    let Some(elements) = v["elements"].as_array() else {
        return Err(OverpassError::Invalid("answer has no elements".into()));
    };
    let mut out: Vec<Candidate> = elements.iter().filter_map(element_candidate).collect();
    out.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    Ok(out)
}

fn element_candidate(e: &Value) -> Option<Candidate> {
    let tags = e["tags"].as_object()?;
    let tag = |k: &str| {
        tags.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let name = tag("name")?;
    let kind = e["type"].as_str()?;
    let id = e["id"].as_u64()?;
    let (lat, lon) = match (e["lat"].as_f64(), e["lon"].as_f64()) {
        (Some(a), Some(b)) => (Some(a), Some(b)),
        _ => (e["center"]["lat"].as_f64(), e["center"]["lon"].as_f64()),
    };
    let street = match (tag("addr:street"), tag("addr:housenumber")) {
        (Some(s), Some(n)) => Some(format!("{n} {s}")),
        (s, _) => s,
    };
    let parts = Address {
        street,
        city: tag("addr:city"),
        region: tag("addr:state"),
        postal_code: tag("addr:postcode"),
        country: tag("addr:country").map(|c| c.to_ascii_uppercase()),
    };
    let has_parts = parts != Address::default();
    let address = has_parts.then(|| {
        [&parts.street, &parts.city, &parts.postal_code]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    });
    let website = tag("website")
        .or_else(|| tag("contact:website"))
        .or_else(|| tag("url"))
        .map(|w| {
            if w.contains("://") {
                w
            } else {
                format!("http://{w}")
            }
        });
    Some(Candidate {
        name,
        website,
        // A `;` separates several numbers in one tag; the first is the main one.
        phone: tag("phone")
            .or_else(|| tag("contact:phone"))
            .map(|p| p.split(';').next().unwrap_or_default().trim().to_string()),
        address,
        category: tags_industry(tags).map(str::to_string),
        source: SOURCE.into(),
        source_url: format!("https://www.openstreetmap.org/{kind}/{id}"),
        email: tag("email").or_else(|| tag("contact:email")),
        description: tag("description"),
        address_parts: has_parts.then_some(parts),
        coordinates: lat.zip(lon),
        opening_hours: tag("opening_hours"),
        external_id: Some(format!("{kind}/{id}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geocodes_and_builds_an_area_query() {
        let body = r#"[{"place_id":1,"osm_type":"relation","osm_id":113314,
            "lat":"30.27","lon":"-97.74","display_name":"Austin, Texas, United States",
            "boundingbox":["30.0986","30.5168","-97.9383","-97.5614"]}]"#;
        let area = parse_nominatim(body).unwrap().unwrap();
        assert_eq!(area.bbox, (30.0986, -97.9383, 30.5168, -97.5614));
        assert_eq!(area.overpass_area_id(), Some(3_600_113_314));
        let q = overpass_query(industry_tags("dentist"), &area, 100, 25);
        assert_eq!(
            q,
            "[out:json][timeout:25];area(id:3600113314)->.a;(nwr[\"amenity\"=\"dentist\"](area.a);\
             nwr[\"healthcare\"=\"dentist\"](area.a););out center tags 100;"
        );
        assert_eq!(parse_nominatim("[]").unwrap(), None);
        assert!(parse_nominatim("{}").is_err());
        let node = Area {
            osm_type: "node".into(),
            ..area
        };
        assert!(overpass_query(&[("shop", None)], &node, 5, 25).contains("nwr[\"shop\"](30.0986,"));
    }

    #[test]
    fn reads_nodes_ways_and_remarks() {
        let body = r#"{"version":0.6,"elements":[
          {"type":"way","id":7,"center":{"lat":30.1,"lon":-97.7},"tags":{"name":"Keller Plumbing",
            "craft":"plumber","contact:website":"keller.test","phone":"+1 512 555 0100;+1 512 555 0101",
            "addr:housenumber":"12","addr:street":"Main St","addr:city":"Austin","addr:postcode":"78701",
            "opening_hours":"Mo-Fr 08:00-17:00"}},
          {"type":"node","id":5,"lat":30.2,"lon":-97.6,"tags":{"amenity":"dentist"}},
          {"type":"node","id":3,"lat":30.2,"lon":-97.6,"tags":{"name":"Smile","amenity":"dentist","website":"https://smile.test/"}}
        ]}"#;
        let c = parse_overpass(body).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].external_id.as_deref(), Some("node/3"));
        assert_eq!(c[0].category.as_deref(), Some("dentist"));
        let k = &c[1];
        assert_eq!(k.website.as_deref(), Some("http://keller.test"));
        assert_eq!(k.phone.as_deref(), Some("+1 512 555 0100"));
        assert_eq!(k.address.as_deref(), Some("12 Main St, Austin, 78701"));
        assert_eq!(k.coordinates, Some((30.1, -97.7)));
        assert_eq!(k.category.as_deref(), Some("plumber"));
        assert_eq!(k.source_url, "https://www.openstreetmap.org/way/7");

        let busy = r#"{"elements":[],"remark":"runtime error: Query timed out in \"query\" at line 1 after 26 seconds."}"#;
        assert!(matches!(parse_overpass(busy), Err(OverpassError::Busy(_))));
        let bad = r#"{"elements":[],"remark":"runtime error: unknown type \"nwx\""}"#;
        assert!(matches!(
            parse_overpass(bad),
            Err(OverpassError::Invalid(_))
        ));
    }
}
