//! Validation of client input into domain types, with one error per offending field.

use crate::model::{SIZE_CATEGORIES, SearchCriteria, SearchFilters};
use serde::Serialize;
use serde_json::Value;

/// One field that was refused and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `filters.min_employees`.
    pub field: String,
    /// Why it was refused.
    pub message: String,
}

fn err(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// Largest `max_results` a single search may ask for.
pub const MAX_RESULTS_LIMIT: u32 = 1000;

/// Validates a search request body into criteria, or lists every problem found.
pub fn search_criteria(body: &Value) -> Result<SearchCriteria, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(vec![err("body", "must be a JSON object")]);
    };
    for key in obj.keys() {
        if ![
            "industry",
            "location",
            "company_size",
            "max_results",
            "filters",
            "domains",
        ]
        .contains(&key.as_str())
        {
            errors.push(err(key, "unknown field"));
        }
    }
    let text = |key: &str, required: bool, errors: &mut Vec<FieldError>| -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    errors.push(err(key, "field required"));
                }
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                errors.push(err(key, "must not be empty"));
                None
            }
            Some(Value::String(s)) if s.chars().count() > 200 => {
                errors.push(err(key, "must be at most 200 characters"));
                None
            }
            Some(Value::String(s)) => Some(s.trim().to_string()),
            Some(other) => {
                errors.push(err(
                    key,
                    format!("must be a string, got {}", type_name(other)),
                ));
                None
            }
        }
    };
    let domains = search_domains(obj.get("domains"), &mut errors);
    // A search that names its companies needs no industry or location to find them.
    let discovering = domains.is_empty();
    let industry = text("industry", discovering, &mut errors);
    let location = text("location", discovering, &mut errors);
    let company_size = text("company_size", false, &mut errors);
    if let Some(s) = &company_size
        && !SIZE_CATEGORIES.contains(&s.as_str())
    {
        errors.push(err(
            "company_size",
            format!("must be one of {}", SIZE_CATEGORIES.join(", ")),
        ));
    }
    let max_results = match obj.get("max_results") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_RESULTS_LIMIT as u64).contains(&n) => Some(n as u32),
            Some(_) => {
                errors.push(err(
                    "max_results",
                    format!("must be between 1 and {MAX_RESULTS_LIMIT}"),
                ));
                None
            }
            None if v.is_number() => {
                errors.push(err(
                    "max_results",
                    format!("must be between 1 and {MAX_RESULTS_LIMIT}"),
                ));
                None
            }
            None => {
                errors.push(err(
                    "max_results",
                    format!("must be an integer, got {}", type_name(v)),
                ));
                None
            }
        },
    };
    let filters = match obj.get("filters") {
        None | Some(Value::Null) => SearchFilters::default(),
        Some(Value::Object(f)) => {
            let mut out = SearchFilters::default();
            for (k, v) in f {
                let field = format!("filters.{k}");
                match k.as_str() {
                    "has_website" => match v {
                        Value::Bool(b) => out.has_website = Some(*b),
                        Value::Null => {}
                        _ => errors.push(err(
                            &field,
                            format!("must be a boolean, got {}", type_name(v)),
                        )),
                    },
                    "min_employees" => match v {
                        Value::Null => {}
                        _ => match v.as_u64() {
                            Some(n) if n <= 10_000_000 => out.min_employees = Some(n as u32),
                            _ => errors.push(err(&field, "must be a non-negative integer")),
                        },
                    },
                    "technologies" => match v {
                        Value::Array(items) => {
                            for (i, t) in items.iter().enumerate() {
                                match t.as_str().map(str::trim) {
                                    Some(s) if !s.is_empty() && s.len() <= 100 => {
                                        out.technologies.push(s.to_string())
                                    }
                                    _ => errors.push(err(
                                        &format!("{field}[{i}]"),
                                        "must be a non-empty string of at most 100 characters",
                                    )),
                                }
                            }
                        }
                        Value::Null => {}
                        _ => errors.push(err(
                            &field,
                            format!("must be an array of strings, got {}", type_name(v)),
                        )),
                    },
                    _ => errors.push(err(&field, "unknown filter")),
                }
            }
            out
        }
        Some(other) => {
            errors.push(err(
                "filters",
                format!("must be an object, got {}", type_name(other)),
            ));
            SearchFilters::default()
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(SearchCriteria {
        industry: industry.unwrap_or_default(),
        location: location.unwrap_or_default(),
        company_size,
        max_results: max_results.unwrap_or(if discovering {
            50
        } else {
            domains.len() as u32
        }),
        filters,
        domains,
    })
}

/// Checks a search's `domains` list into site URLs, naming each bad entry by its index.
fn search_domains(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Vec<String> {
    use crate::stages::discover::domains::{MAX_DOMAINS, parse_domain};
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            errors.push(err(
                "domains",
                format!("must be an array of domains, got {}", type_name(other)),
            ));
            return Vec::new();
        }
    };
    if items.is_empty() {
        errors.push(err("domains", "must list at least one domain"));
    }
    if items.len() > MAX_DOMAINS {
        errors.push(err(
            "domains",
            format!("must list at most {MAX_DOMAINS} domains"),
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("domains[{i}]");
        match item.as_str().map(parse_domain) {
            Some(Ok(site)) => {
                if !out.contains(&site) {
                    out.push(site);
                }
            }
            Some(Err(reason)) => errors.push(err(&field, reason)),
            None => errors.push(err(
                &field,
                format!("must be a string, got {}", type_name(item)),
            )),
        }
    }
    out
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_domain_list_replaces_industry_and_location() {
        let c = search_criteria(
            &json!({"domains": ["acme.test", "https://www.b.test/x", "acme.test"]}),
        )
        .unwrap();
        assert_eq!(c.domains, ["http://acme.test/", "https://www.b.test/"]);
        assert_eq!(c.max_results, 2);
        assert!(c.industry.is_empty());
        let e = search_criteria(&json!({"domains": ["ok.test", "not a domain", 5]})).unwrap_err();
        assert_eq!(e[0].field, "domains[1]");
        assert_eq!(e[1].field, "domains[2]");
        let e = search_criteria(&json!({"domains": []})).unwrap_err();
        assert!(e.iter().any(|f| f.field == "domains"));
        assert!(e.iter().any(|f| f.field == "industry"));
    }

    #[test]
    fn valid_request() {
        let c = search_criteria(&json!({"industry": "dentist", "location": "Austin",
            "company_size": "11-50", "max_results": 20,
            "filters": {"has_website": true, "min_employees": 10, "technologies": ["React"]}}))
        .unwrap();
        assert_eq!(c.max_results, 20);
        assert_eq!(c.filters.technologies, ["React"]);
    }

    #[test]
    fn names_every_bad_field() {
        let e = search_criteria(&json!({"location": 5, "max_results": "ten",
            "filters": {"min_employees": -1}}))
        .unwrap_err();
        let fields: Vec<_> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "industry",
                "location",
                "max_results",
                "filters.min_employees"
            ]
        );
        assert!(e[2].message.contains("integer"));
    }
}

/// An email address: trimmed, lower-cased and checked against RFC 5322 (no display
/// name), at most 254 characters.
pub fn email_address(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim().to_lowercase();
    let err = |m: &str| FieldError {
        field: field.into(),
        message: m.into(),
    };
    if v.is_empty() {
        return Err(err("is required"));
    }
    if v.len() > 254 {
        return Err(err("must be at most 254 characters"));
    }
    email_address::EmailAddress::parse_with_options(&v, Default::default())
        .map_err(|e| err(&format!("is not an email address: {e}")))?;
    Ok(v)
}

/// A person's first or last name: trimmed, 1 to 100 characters, no control characters.
pub fn person_name(field: &str, value: Option<&str>) -> Result<String, FieldError> {
    let v = value.unwrap_or("").trim();
    let err = |m: &str| FieldError {
        field: field.into(),
        message: m.into(),
    };
    if v.is_empty() {
        return Err(err("is required"));
    }
    if v.chars().count() > 100 {
        return Err(err("must be at most 100 characters"));
    }
    if v.chars().any(char::is_control) {
        return Err(err("must not contain control characters"));
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod email_address_tests {
    use super::*;

    #[test]
    fn emails_are_normalised_or_refused_with_the_field() {
        assert_eq!(
            email_address("email", " Jane@Acme.TEST ").unwrap(),
            "jane@acme.test"
        );
        let e = email_address("email", "jane").unwrap_err();
        assert_eq!(e.field, "email");
        assert!(e.message.contains("not an email"));
        assert_eq!(
            email_address("email", "").unwrap_err().message,
            "is required"
        );
        assert_eq!(person_name("first_name", Some(" Zoë ")).unwrap(), "Zoë");
        assert_eq!(
            person_name("last_name", None).unwrap_err().field,
            "last_name"
        );
        assert!(person_name("x", Some("a\nb")).is_err());
    }
}

/// A value staff enter for a company field (`company.<field>` in errors), cleaned: text
/// trimmed and free of control characters, websites as URLs, phones in E.164 (read in the
/// company's country), emails checked, sizes from the fixed buckets, years and counts in range.
pub fn company_field(
    field: crate::survivorship::Field,
    value: &Value,
    country: Option<&str>,
) -> Result<Value, FieldError> {
    use crate::survivorship::Field as F;
    let path = format!("company.{}", field.as_str());
    let bad = |m: &str| err(&path, m);
    if matches!(field, F::FoundedYear | F::EmployeeCount) {
        let n = value
            .as_i64()
            .ok_or_else(|| bad("must be a whole number"))?;
        return match field {
            F::FoundedYear if !(1000..=2100).contains(&n) => {
                Err(bad("must be a year between 1000 and 2100"))
            }
            F::EmployeeCount if !(0..=10_000_000).contains(&n) => {
                Err(bad("must be between 0 and 10,000,000"))
            }
            _ => Ok(Value::from(n)),
        };
    }
    let text = value
        .as_str()
        .map(str::trim)
        .ok_or_else(|| bad("must be text"))?;
    if text.is_empty() {
        return Err(bad(
            "must not be empty (send null to remove the staff value)",
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(bad("must not contain control characters"));
    }
    let limit = if field == F::Description { 5000 } else { 500 };
    if text.chars().count() > limit {
        return Err(bad(&format!("must be at most {limit} characters")));
    }
    let cleaned = match field {
        F::Website => crate::stages::fetch::normalize_website(text)
            .filter(|u| u.host_str().is_some_and(|h| h.contains('.')))
            .map(|u| u.to_string())
            .ok_or_else(|| bad("is not a website address"))?,
        F::Phones => {
            let region = country.unwrap_or("US");
            crate::stages::extract::normalize_phone(text, region)
                .ok_or_else(|| bad(&format!("is not a valid phone number (read in {region})")))?
        }
        F::Emails => email_address(&path, text)?,
        F::SizeCategory if !SIZE_CATEGORIES.contains(&text) => {
            return Err(bad(&format!(
                "must be one of {}",
                SIZE_CATEGORIES.join(", ")
            )));
        }
        F::Country => {
            if text.len() != 2 || !text.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(bad("must be a two-letter ISO 3166-1 country code"));
            }
            text.to_ascii_uppercase()
        }
        _ => text.to_string(),
    };
    Ok(Value::from(cleaned))
}
