//! Staff edits of a discovered lead's company fields, and the per-field provenance view: every
//! value each source gave, with the one chosen.

use super::shared_types::Timestamp;
use crate::error::ApiError;
use leadgen_core::repo::companies;
use leadgen_core::survivorship::{self, Field, FieldValue, STAFF};
use leadgen_core::validate;
use poem_openapi::Object;
use poem_openapi::types::MaybeUndefined;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// The staff values of one field: `Some` to set them, `None` to remove them.
pub type StaffValues = (Field, Option<Vec<Value>>);

/// Staff values for company fields. A value set here wins over every source until it is
/// removed with `null`; a list (phones, emails) replaces the sources' list.
#[derive(Debug, Clone, Default, Object)]
pub struct CompanyEdit {
    /// Company name.
    pub name: MaybeUndefined<String>,
    /// Website URL.
    pub website: MaybeUndefined<String>,
    /// Industry.
    pub industry: MaybeUndefined<String>,
    /// Size bucket: 1-10, 11-50, 51-200, 201-500, 501-1000 or 1000+.
    pub size_category: MaybeUndefined<String>,
    /// Description.
    pub description: MaybeUndefined<String>,
    /// Street line.
    pub address: MaybeUndefined<String>,
    /// City.
    pub city: MaybeUndefined<String>,
    /// Region or state.
    pub region: MaybeUndefined<String>,
    /// Postal code.
    pub postal_code: MaybeUndefined<String>,
    /// Two-letter country code.
    pub country: MaybeUndefined<String>,
    /// Year founded.
    pub founded_year: MaybeUndefined<i64>,
    /// Number of employees.
    pub employee_count: MaybeUndefined<i64>,
    /// Phone numbers (any format; stored in E.164).
    pub phones: MaybeUndefined<Vec<String>>,
    /// Email addresses.
    pub emails: MaybeUndefined<Vec<String>>,
}

impl CompanyEdit {
    /// Each field the edit names: `Some(values)` to set, `None` to remove the staff value.
    fn fields(&self) -> Vec<StaffValues> {
        fn one<T: Clone + Into<Value>>(v: &MaybeUndefined<T>) -> Option<Option<Vec<Value>>> {
            match v {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(x) => Some(Some(vec![x.clone().into()])),
            }
        }
        fn many(v: &MaybeUndefined<Vec<String>>) -> Option<Option<Vec<Value>>> {
            match v {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(xs) => {
                    Some(Some(xs.iter().cloned().map(Value::from).collect()))
                }
            }
        }
        [
            (Field::Name, one(&self.name)),
            (Field::Website, one(&self.website)),
            (Field::Industry, one(&self.industry)),
            (Field::SizeCategory, one(&self.size_category)),
            (Field::Description, one(&self.description)),
            (Field::Address, one(&self.address)),
            (Field::City, one(&self.city)),
            (Field::Region, one(&self.region)),
            (Field::PostalCode, one(&self.postal_code)),
            (Field::Country, one(&self.country)),
            (Field::FoundedYear, one(&self.founded_year)),
            (Field::EmployeeCount, one(&self.employee_count)),
            (Field::Phones, many(&self.phones)),
            (Field::Emails, many(&self.emails)),
        ]
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| (f, v)))
        .collect()
    }

    /// Whether the edit names no field.
    pub fn is_empty(&self) -> bool {
        self.fields().is_empty()
    }

    /// The names of the fields the edit changes, for the audit log.
    pub fn field_names(&self) -> Vec<&'static str> {
        self.fields().into_iter().map(|(f, _)| f.as_str()).collect()
    }
}

/// Checks an edit without writing anything: every bad value is named (`company.phones`, …).
/// Returns the cleaned staff values by field.
pub fn validate_edit(
    edit: &CompanyEdit,
    country: Option<&str>,
) -> Result<Vec<StaffValues>, ApiError> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (field, values) in edit.fields() {
        let Some(values) = values else {
            out.push((field, None));
            continue;
        };
        if field.is_list() && values.is_empty() {
            errors.push(validate::FieldError {
                field: format!("company.{}", field.as_str()),
                message: "must not be empty (send null to remove the staff values)".into(),
            });
            continue;
        }
        let mut clean = Vec::new();
        for v in &values {
            match validate::company_field(field, v, country) {
                Ok(v) => clean.push(v),
                Err(e) => errors.push(e),
            }
        }
        out.push((field, Some(clean)));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Stores validated staff values of a company (inside the caller's transaction) and chooses its
/// columns again.
pub async fn apply_edit(
    tx: &mut PgConnection,
    company: Uuid,
    edits: Vec<StaffValues>,
) -> Result<(), ApiError> {
    let now = chrono::Utc::now();
    companies::lock(&mut *tx, company).await?;
    for (field, values) in edits {
        companies::remove_values(&mut *tx, company, field, STAFF).await?;
        if let Some(values) = values {
            let rows: Vec<FieldValue> = values
                .into_iter()
                .map(|value| FieldValue {
                    field,
                    value,
                    source: STAFF.into(),
                    url: None,
                    confidence: 1.0,
                    seen_at: now,
                })
                .collect();
            companies::add_values(&mut *tx, company, &rows).await?;
        }
    }
    companies::refresh(&mut *tx, company, now).await?;
    Ok(())
}

/// One value a source gave for a field.
#[derive(Debug, Clone, Object)]
pub struct ProvenanceValue {
    /// The value (text, or a number for founded year and employee count).
    pub value: Value,
    /// Source: `staff`, `company_website`, `enrichment`, `google_places`, `osm`,
    /// `directory:<name>`, `domains` or `stored`.
    pub source: String,
    /// Page or record it was read from.
    #[oai(nullable)]
    pub url: Option<String>,
    /// The source's confidence, 0–1.
    pub confidence: f64,
    /// When it was last seen.
    pub seen_at: Timestamp,
    /// Trust of the source × confidence × recency; staff values are above 10 and always win.
    pub weight: f64,
    /// Whether the company record uses this value.
    pub chosen: bool,
}

/// Every value known for one field, heaviest first.
#[derive(Debug, Clone, Object)]
pub struct FieldProvenance {
    /// Field name, e.g. `phones`.
    pub field: String,
    /// Whether the field keeps a list of values.
    pub is_list: bool,
    /// The candidates.
    pub values: Vec<ProvenanceValue>,
}

/// Where each field of a lead's company came from.
#[derive(Debug, Clone, Object)]
pub struct LeadProvenance {
    /// The lead.
    pub lead_id: Uuid,
    /// Its company.
    pub company_id: Uuid,
    /// One entry per field with values.
    pub fields: Vec<FieldProvenance>,
    /// Earlier leads merged into this one by staff.
    pub merged_leads: Vec<MergedLead>,
}

/// A lead merged into another by hand.
#[derive(Debug, Clone, Object)]
pub struct MergedLead {
    /// The merge record.
    pub merge_id: Uuid,
    /// The lead merged away.
    pub merged_lead_id: Uuid,
    /// Who merged it.
    #[oai(nullable)]
    pub merged_by: Option<Uuid>,
    /// When.
    pub merged_at: Timestamp,
}

/// The provenance of a company's fields.
pub fn provenance(
    lead_id: Uuid,
    company_id: Uuid,
    values: &[FieldValue],
    merges: Vec<leadgen_core::repo::merges::MergeRow>,
) -> LeadProvenance {
    let now = chrono::Utc::now();
    let chosen = survivorship::choose(values, now);
    let fields = Field::ALL
        .into_iter()
        .filter_map(|field| {
            let mut vs: Vec<&FieldValue> = values.iter().filter(|v| v.field == field).collect();
            if vs.is_empty() {
                return None;
            }
            vs.sort_by(|a, b| {
                survivorship::weight(b, now).total_cmp(&survivorship::weight(a, now))
            });
            Some(FieldProvenance {
                field: field.as_str().into(),
                is_list: field.is_list(),
                values: vs
                    .into_iter()
                    .map(|v| ProvenanceValue {
                        value: v.value.clone(),
                        source: v.source.clone(),
                        url: v.url.clone(),
                        confidence: (f64::from(v.confidence) * 100.0).round() / 100.0,
                        seen_at: v.seen_at.into(),
                        weight: (survivorship::weight(v, now) * 1000.0).round() / 1000.0,
                        chosen: chosen.is_chosen(v)
                            && chosen.fields.get(&field).is_some_and(|c| {
                                c.iter().any(|c| c.value == v.value && c.source == v.source)
                                    || field.is_list()
                            }),
                    })
                    .collect(),
            })
        })
        .collect();
    LeadProvenance {
        lead_id,
        company_id,
        fields,
        merged_leads: merges
            .into_iter()
            .map(|m| MergedLead {
                merge_id: m.id,
                merged_lead_id: m.merged_lead_id,
                merged_by: m.merged_by,
                merged_at: m.created_at.into(),
            })
            .collect(),
    }
}
