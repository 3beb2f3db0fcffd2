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

/// Chinese for the fixed messages of request validation (`#[validate(… message = …)]`).
pub fn validation_zh(en: &str) -> Option<&'static str> {
    Some(match en {
        "a percentage from 0 to 100" => "0 到 100 之间的百分比",
        "10 to 256 characters" => "10 到 256 个字符",
        "1 to 64 characters" => "1 到 64 个字符",
        "1 to 100 characters" => "1 到 100 个字符",
        "1 to 32 characters" => "1 到 32 个字符",
        "1 to 256 characters" => "1 到 256 个字符",
        "3 to 64 characters" => "3 到 64 个字符",
        "2 to 2000 characters" => "2 到 2000 个字符",
        "say why, in 2 to 1000 characters" => "请说明理由（2 到 1000 个字符）",
        "give at least one role" => "至少选择一个角色",
        "at most 10 addresses" => "最多 10 个邮箱地址",
        "at most 1000 characters" => "最多 1000 个字符",
        "at most 100 characters" => "最多 100 个字符",
        "letters, digits, - and _ only" => "只能包含字母、数字、- 和 _",
        "letters, digits, '.', '-' and '_' only" => "只能包含字母、数字、.、- 和 _",
        _ => return None,
    })
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

    #[tokio::test]
    async fn tr_follows_the_scope() {
        assert_eq!(tr("中", "en"), "en");
        assert_eq!(scope(Lang::Zh, async { tr("中", "en") }).await, "中");
        assert_eq!(scope(Lang::En, async { tr("中", "en") }).await, "en");
    }
}
