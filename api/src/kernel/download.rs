//! A file a service hands back (an export, a template, a printout): bytes, content type and the
//! name the user's browser saves it under. The web edge turns it into an attachment.
pub struct Download {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub filename: String,
}

impl Download {
    pub fn new(bytes: Vec<u8>, content_type: &'static str, filename: impl Into<String>) -> Self {
        Download {
            bytes,
            content_type,
            filename: filename.into(),
        }
    }
}

/// A file's bytes in the document (a download's content; documentation only).
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Binary,
            )))
            .into()
    }
}

impl utoipa::ToSchema for FileBytes {}
