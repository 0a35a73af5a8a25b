//! The search request body: documented in OpenAPI with its full schema, but parsed by
//! [`leadgen_core::validate::search_criteria`] so that every invalid field is named with its
//! reason (the framework's own parser reports only the type that failed).

use crate::error::ApiError;
use leadgen_core::model::SearchCriteria;
use poem::{Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, Object};

/// Advanced filters of a search, applied after enrichment.
#[derive(Object)]
#[oai(rename = "SearchFilters")]
pub struct SearchFiltersDoc {
    /// Keep only companies with (true) or without (false) a website.
    pub has_website: Option<bool>,
    /// Keep only companies with at least this many employees.
    pub min_employees: Option<u32>,
    /// Keep only companies using at least one of these technologies (case-insensitive).
    pub technologies: Option<Vec<String>>,
}

/// A lead search request.
#[derive(Object)]
#[oai(rename = "SearchRequest")]
pub struct SearchRequestDoc {
    /// Industry in free text, e.g. "dentist"; required unless `domains` is given.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub industry: Option<String>,
    /// Location in free text, e.g. "Austin"; required unless `domains` is given.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub location: Option<String>,
    /// One of 1-10, 11-50, 51-200, 201-500, 501-1000, 1000+.
    pub company_size: Option<String>,
    /// Most companies to return (1–1000, default 50).
    #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
    pub max_results: Option<u32>,
    /// Advanced filters.
    pub filters: Option<SearchFiltersDoc>,
    /// Company domains or site URLs (`acme.com`, `https://www.acme.com/`) to enrich instead
    /// of discovering: the search then uses only these, and `max_results` defaults to
    /// their number. At most 1000.
    #[oai(validator(min_items = 1, max_items = 1000))]
    pub domains: Option<Vec<String>>,
}

/// The validated body of `POST /scrape/search`.
pub struct SearchBody(pub SearchCriteria);

impl Payload for SearchBody {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        content_type.starts_with("application/json")
            || (content_type.starts_with("application/") && content_type.contains("+json"))
    }

    fn schema_ref() -> MetaSchemaRef {
        SearchRequestDoc::schema_ref()
    }

    fn register(registry: &mut Registry) {
        SearchRequestDoc::register(registry);
    }
}

impl ParsePayload for SearchBody {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = <Vec<u8> as poem::FromRequest>::from_request(request, body).await?;
        let value: serde_json::Value = if data.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&data).map_err(|e| {
                poem_openapi::error::ParseRequestPayloadError {
                    reason: format!("not valid JSON: {e}"),
                }
            })?
        };
        leadgen_core::validate::search_criteria(&value)
            .map(SearchBody)
            .map_err(|fields| ApiError::Validation(fields).into())
    }
}

impl<'a> ApiExtractor<'a> for SearchBody {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: Self::CONTENT_TYPE,
                schema: Self::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(ct) if !Self::check_content_type(ct) => {
                Err(poem_openapi::error::ContentTypeError::NotSupported {
                    content_type: ct.to_string(),
                }
                .into())
            }
            _ => <Self as ParsePayload>::from_request(request, body).await,
        }
    }
}
