#[derive(Default)]
pub struct SearchCache;
