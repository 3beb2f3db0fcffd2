#[utoipa::path(post, path = "/api/v1/formulary/imports", tag = "formulary", operation_id = "import_formulary", responses((status = 200)))]
pub async fn import_formulary() -> &'static str { "" }
