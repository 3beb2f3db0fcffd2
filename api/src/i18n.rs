//! Messages in the reader's language. Users of a consortium work in Chinese; other systems
//! usually want English. The language comes from the request's `Accept-Language` (the web app
//! sends the language the user chose) and is held in a task-local for the request, so a
//! refusal built anywhere inside the handler speaks it. Without a request (the CLI, tests of
//! pure functions) it is English.
use std::future::Future;

use axum::http::{HeaderMap, header};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

tokio::task_local! {
    static LANG: Lang;
}

/// The language of the request being served (English outside a request).
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or(Lang::En)
}

/// Run `f` speaking `lang`.
pub async fn scope<F: Future>(lang: Lang, f: F) -> F::Output {
    LANG.scope(lang, f).await
}

/// The preferred of Chinese and English in `Accept-Language` (highest q, then first listed);
/// English when neither is named.
pub fn from_headers(h: &HeaderMap) -> Lang {
    let Some(v) = h.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
        return Lang::En;
    };
    let mut best: Option<(f32, Lang)> = None;
    for part in v.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = if tag.starts_with("zh") {
            Lang::Zh
        } else if tag.starts_with("en") {
            Lang::En
        } else {
            continue;
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::En)
}

/// The text for the current language.
pub fn tr(zh: impl Into<String>, en: impl Into<String>) -> String {
    match current() {
        Lang::Zh => zh.into(),
        Lang::En => en.into(),
    }
}

/// The messages of request validation shared by every capability, keyed:
/// `#[validate(… message = "len_1_64")]` names a key of this table or of the capability's own
/// `messages`, never the English text. Custom checks put their key in the error's
/// `code` and any detail (the offending value) in its params.
pub const VALIDATION: &[(&str, &str, &str)] = &[
    ("len_1_32", "1 到 32 个字符", "1 to 32 characters"),
    ("len_1_64", "1 到 64 个字符", "1 to 64 characters"),
    ("len_1_100", "1 到 100 个字符", "1 to 100 characters"),
    ("len_1_256", "1 到 256 个字符", "1 to 256 characters"),
    ("len_3_64", "3 到 64 个字符", "3 to 64 characters"),
    ("len_10_256", "10 到 256 个字符", "10 to 256 characters"),
    ("len_2_2000", "2 到 2000 个字符", "2 to 2000 characters"),
    ("max_100", "最多 100 个字符", "at most 100 characters"),
    ("max_1000", "最多 1000 个字符", "at most 1000 characters"),
    (
        "reason",
        "请说明理由（2 到 1000 个字符）",
        "say why, in 2 to 1000 characters",
    ),
    (
        "percent",
        "0 到 100 之间的百分比",
        "a percentage from 0 to 100",
    ),
    ("roles", "至少选择一个角色", "give at least one role"),
    ("emails_max", "最多 10 个邮箱地址", "at most 10 addresses"),
    ("email", "不是有效的邮箱地址", "not an email address"),
    (
        "code_chars",
        "只能包含字母、数字、- 和 _",
        "letters, digits, - and _ only",
    ),
    (
        "username_chars",
        "只能包含字母、数字、.、- 和 _",
        "letters, digits, '.', '-' and '_' only",
    ),
];

/// The reader's message for one validation error: its key's text, with the offending `value`
/// param appended when the check gave one.
pub fn validation_message(e: &validator::ValidationError) -> String {
    let key = e.message.as_deref().unwrap_or(&e.code);
    let own = crate::CAPABILITIES.iter().flat_map(|c| c.messages.iter());
    let text = match VALIDATION.iter().chain(own).find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => tr(*zh, *en),
        None => {
            tracing::warn!(key, "a validation message without a translation key");
            tr("取值无效", "invalid value")
        }
    };
    match e.params.get("value").and_then(|v| v.as_str()) {
        Some(v) => format!("{text}: {v}"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn lang(v: &str) -> Lang {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(v).unwrap());
        from_headers(&h)
    }

    #[test]
    fn accept_language() {
        assert_eq!(lang("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(lang("en-US,en;q=0.9,zh-CN;q=0.8"), Lang::En);
        assert_eq!(lang("fr, zh;q=0.5"), Lang::Zh);
        assert_eq!(lang("en;q=0.2, zh-TW;q=0.7"), Lang::Zh);
        assert_eq!(lang("de"), Lang::En);
        assert_eq!(from_headers(&HeaderMap::new()), Lang::En);
    }

    /// Every `message = "…"` key used in a `#[validate]` attribute has its two texts.
    #[test]
    fn every_validation_key_is_translated() {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("i18n.rs") {
                    let s = std::fs::read_to_string(&p).unwrap();
                    for part in s.split("message = \"").skip(1) {
                        out.push(part.split('"').next().unwrap().to_string());
                    }
                    for part in s.split("ValidationError::new(\"").skip(1) {
                        out.push(part.split('"').next().unwrap().to_string());
                    }
                }
            }
        }
        let mut keys = Vec::new();
        walk(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src")
                .as_path(),
            &mut keys,
        );
        assert!(!keys.is_empty());
        for k in keys {
            let own = crate::CAPABILITIES.iter().flat_map(|c| c.messages.iter());
            assert!(
                VALIDATION.iter().chain(own).any(|(key, _, _)| *key == k),
                "validation key {k:?} has no entry in i18n::VALIDATION or a capability's messages"
            );
        }
    }

    #[tokio::test]
    async fn tr_follows_the_scope() {
        assert_eq!(tr("中", "en"), "en");
        assert_eq!(scope(Lang::Zh, async { tr("中", "en") }).await, "中");
        assert_eq!(scope(Lang::En, async { tr("中", "en") }).await, "en");
    }
}
