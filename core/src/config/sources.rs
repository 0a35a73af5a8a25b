//! Discovery sources: which are enabled, where they live and how fast they may be asked.
//!
//! - `LEADGEN_SOURCES`: enabled sources, comma-separated, of `directories`, `osm`,
//!   `google_places` (default: all three). A search that carries its own domain list uses only
//!   that list.
//! - `LEADGEN_DIRECTORIES`: a TOML directory definition, or a folder of them (`*.toml`), see
//!   [`crate::stages::discover::directory`]. Without it no directory is searched.
//! - `LEADGEN_NOMINATIM_URL` (default `https://nominatim.openstreetmap.org`) and
//!   `LEADGEN_OVERPASS_URL` (default `https://overpass-api.de/api/interpreter`): OpenStreetMap
//!   endpoints, overridable for self-hosted servers.
//! - `LEADGEN_GOOGLE_PLACES_KEY`: the Places API key; without it the source reports
//!   `needs_key`. `LEADGEN_GOOGLE_PLACES_URL` (default `https://places.googleapis.com`).
//! - `LEADGEN_SOURCE_INTERVALS_MS`: least time between two requests to a service, across all
//!   workers, e.g. `nominatim=1000,overpass=2000,google_places=100` (these are the defaults;
//!   Nominatim's usage policy asks for at most one request per second).

use super::{ConfigError, check_url};
use crate::stages::discover::directory::Directory;
use std::collections::BTreeMap;
use std::time::Duration;

/// OpenStreetMap endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsmConfig {
    /// Nominatim base URL.
    pub nominatim_url: String,
    /// Overpass interpreter URL.
    pub overpass_url: String,
}

/// Google Places endpoint and key.
#[derive(Clone, PartialEq, Eq)]
pub struct PlacesConfig {
    /// Base URL (`https://places.googleapis.com`).
    pub base_url: String,
    /// API key (secret: never logged).
    pub key: Option<String>,
}

impl std::fmt::Debug for PlacesConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlacesConfig")
            .field("base_url", &self.base_url)
            .field("key", &self.key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// The discovery sources in force.
#[derive(Debug, Clone)]
pub struct SourcesConfig {
    /// Business directories, in file-name order.
    pub directories: Vec<Directory>,
    /// OpenStreetMap, when enabled.
    pub osm: Option<OsmConfig>,
    /// Google Places, when enabled (with or without a key).
    pub places: Option<PlacesConfig>,
    /// Least time between two requests to a service (`nominatim`, `overpass`,
    /// `google_places`), across all workers.
    pub intervals: BTreeMap<String, Duration>,
}

impl Default for SourcesConfig {
    /// No source enabled, default intervals.
    fn default() -> Self {
        Self {
            directories: Vec::new(),
            osm: None,
            places: None,
            intervals: default_intervals(),
        }
    }
}

/// The quota keys and their default intervals.
const DEFAULT_INTERVALS: [(&str, u64); 3] = [
    ("nominatim", 1000),
    ("overpass", 2000),
    ("google_places", 100),
];

impl SourcesConfig {
    /// Least time between two requests to `service`.
    pub fn interval(&self, service: &str) -> Duration {
        self.intervals
            .get(service)
            .copied()
            .unwrap_or(Duration::from_secs(1))
    }

    /// Every source name that can appear in a search's plan.
    pub fn source_names(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .directories
            .iter()
            .map(Directory::source_name)
            .collect();
        if self.osm.is_some() {
            out.push("osm".into());
        }
        if self.places.is_some() {
            out.push("google_places".into());
        }
        out
    }
}

/// Default intervals, for configurations built in code.
pub fn default_intervals() -> BTreeMap<String, Duration> {
    DEFAULT_INTERVALS
        .iter()
        .map(|(k, ms)| (k.to_string(), Duration::from_millis(*ms)))
        .collect()
}

pub(super) fn sources_config(
    non_empty: &impl Fn(&str) -> Option<String>,
) -> Result<SourcesConfig, ConfigError> {
    let enabled: Vec<String> = non_empty("LEADGEN_SOURCES")
        .unwrap_or_else(|| "directories,osm,google_places".into())
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    for s in &enabled {
        if !["directories", "osm", "google_places"].contains(&s.as_str()) {
            return Err(ConfigError {
                var: "LEADGEN_SOURCES",
                reason: format!("`{s}` is not one of directories, osm, google_places"),
            });
        }
    }
    let on = |s: &str| enabled.iter().any(|e| e == s);
    let directories = match non_empty("LEADGEN_DIRECTORIES") {
        Some(path) if on("directories") => load_directories(&path)?,
        _ => Vec::new(),
    };
    let url = |var: &'static str, default: &str| -> Result<String, ConfigError> {
        let v = non_empty(var).unwrap_or_else(|| default.into());
        check_url(var, &v)?;
        Ok(v)
    };
    let osm = if on("osm") {
        Some(OsmConfig {
            nominatim_url: url(
                "LEADGEN_NOMINATIM_URL",
                "https://nominatim.openstreetmap.org",
            )?,
            overpass_url: url(
                "LEADGEN_OVERPASS_URL",
                "https://overpass-api.de/api/interpreter",
            )?,
        })
    } else {
        None
    };
    let places = if on("google_places") {
        Some(PlacesConfig {
            base_url: url("LEADGEN_GOOGLE_PLACES_URL", "https://places.googleapis.com")?,
            key: non_empty("LEADGEN_GOOGLE_PLACES_KEY").map(|k| k.trim().to_string()),
        })
    } else {
        None
    };
    let mut intervals = default_intervals();
    if let Some(list) = non_empty("LEADGEN_SOURCE_INTERVALS_MS") {
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = |reason: String| ConfigError {
                var: "LEADGEN_SOURCE_INTERVALS_MS",
                reason,
            };
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("`{part}` is not service=milliseconds")))?;
            let k = k.trim();
            if !intervals.contains_key(k) {
                return Err(bad(format!(
                    "`{k}` is not one of nominatim, overpass, google_places"
                )));
            }
            let ms: u64 = v
                .trim()
                .parse()
                .map_err(|_| bad(format!("`{v}` is not a number of milliseconds")))?;
            intervals.insert(k.to_string(), Duration::from_millis(ms));
        }
    }
    Ok(SourcesConfig {
        directories,
        osm,
        places,
        intervals,
    })
}

/// Reads one definition file, or every `*.toml` in a folder (in name order).
fn load_directories(path: &str) -> Result<Vec<Directory>, ConfigError> {
    let bad = |reason: String| ConfigError {
        var: "LEADGEN_DIRECTORIES",
        reason,
    };
    let p = std::path::Path::new(path);
    let files = if p.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(p)
            .map_err(|e| bad(format!("`{path}`: {e}")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        files
    } else if p.is_file() {
        vec![p.to_path_buf()]
    } else {
        return Err(bad(format!("`{path}` is neither a file nor a folder")));
    };
    let mut out: Vec<Directory> = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let text = std::fs::read_to_string(&f).map_err(|e| bad(format!("`{name}`: {e}")))?;
        let d = Directory::from_toml(&text, &name).map_err(bad)?;
        if out.iter().any(|o| o.def.name == d.def.name) {
            return Err(bad(format!(
                "`{name}`: another definition is also named `{}`",
                d.def.name
            )));
        }
        out.push(d);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> Result<SourcesConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        sources_config(&|k: &str| map.get(k).cloned())
    }

    #[test]
    fn defaults_and_overrides() {
        let c = cfg(&[]).unwrap();
        assert!(c.directories.is_empty());
        assert_eq!(
            c.osm.as_ref().unwrap().overpass_url,
            "https://overpass-api.de/api/interpreter"
        );
        assert_eq!(c.places.as_ref().unwrap().key, None);
        assert_eq!(c.interval("nominatim"), Duration::from_secs(1));
        let c = cfg(&[
            ("LEADGEN_SOURCES", "osm"),
            ("LEADGEN_SOURCE_INTERVALS_MS", "overpass=500"),
        ])
        .unwrap();
        assert!(c.places.is_none());
        assert_eq!(c.interval("overpass"), Duration::from_millis(500));
        assert!(
            !format!(
                "{:?}",
                cfg(&[("LEADGEN_GOOGLE_PLACES_KEY", "secret")]).unwrap()
            )
            .contains("secret")
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = cfg(&[("LEADGEN_SOURCES", "osm,linkedin")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_SOURCES");
        let e = cfg(&[("LEADGEN_SOURCE_INTERVALS_MS", "overpass=fast")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_SOURCE_INTERVALS_MS");
        let e = cfg(&[("LEADGEN_OVERPASS_URL", "ftp://x")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_OVERPASS_URL");
        let e = cfg(&[("LEADGEN_DIRECTORIES", "/no/such/place")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_DIRECTORIES");
    }

    #[test]
    fn reads_a_folder_of_definitions() {
        let dir = std::env::temp_dir().join(format!("leadgen-dirs-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let sample = crate::sample_web::SampleWeb::DIRECTORY_DEFINITION;
        std::fs::write(dir.join("a.toml"), sample).unwrap();
        std::fs::write(
            dir.join("b.toml"),
            sample.replace("\"localfinder\"", "\"other\""),
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
        let c = cfg(&[("LEADGEN_DIRECTORIES", dir.to_str().unwrap())]).unwrap();
        assert_eq!(
            c.source_names()[..2],
            ["directory:localfinder", "directory:other"]
        );
        std::fs::write(dir.join("c.toml"), sample).unwrap();
        let e = cfg(&[("LEADGEN_DIRECTORIES", dir.to_str().unwrap())]).unwrap_err();
        assert!(e.reason.contains("also named `localfinder`"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
