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
