//! Mail: how a notice leaves the service. The transport is chosen by configuration (`[mail]`):
//!
//! * `smtp` — lettre's SMTP client over tokio: `tls` none, STARTTLS (required, never
//!   opportunistic) or TLS from the first byte (rustls, Mozilla's roots built in); credentials
//!   from the settings (the password only from `TONGYAO__MAIL__PASSWORD`). No connection pool
//!   (lettre's pooled idle connections can fail on reuse): one connection per notice. Every
//!   command has a timeout and the whole delivery a deadline, so a dead network cannot hold a
//!   notice past its lease (see `jobs::outbox`).
//! * `file` — each message written whole as `<dir>/<outbox id>-<kind>-<object id>.eml` (to a
//!   temporary name, then renamed), for development and for reading notices without a mail
//!   server. Sending a notice again overwrites its one file.
//!
//! Failures are classified: [`MailError::is_transient`] ones (a 4xx answer, no connection, a
//! timeout, a TLS failure, the server refusing our credentials) are tried again later with
//! backoff; [`MailError::is_permanent`] ones (a 5xx answer such as "no such mailbox", a
//! recipient that is not an address) fail the notice at once.
mod message;

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

pub use message::{Attachment, Letter, build, file_name, message_id, sender};

use crate::config::{MailSettings, MailTls, MailTransport};

/// Why a notice was not delivered, and whether trying again may help.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct MailError {
    transient: bool,
    message: String,
}

impl MailError {
    pub fn transient(message: impl Into<String>) -> Self {
        MailError {
            transient: true,
            message: message.into(),
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        MailError {
            transient: false,
            message: message.into(),
        }
    }

    /// Trying again later may succeed (4xx, network, timeout, TLS, our credentials refused).
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// Trying again cannot succeed (5xx about the message or the recipient, a bad address).
    pub fn is_permanent(&self) -> bool {
        !self.transient
    }

    fn from_smtp(e: &lettre::transport::smtp::Error) -> Self {
        let transient = match e.status() {
            Some(code) => transient_code(u16::from(code)),
            // No answer to classify: no connection, a timeout, TLS, an unreadable answer.
            None => true,
        };
        let mut message = format!("SMTP: {e}");
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            let s_text = s.to_string();
            if !message.contains(&s_text) {
                message.push_str(": ");
                message.push_str(&s_text);
            }
            source = s.source();
        }
        MailError { transient, message }
    }
}

/// Whether an SMTP reply code is worth trying again: every 4xx; and the 5xx codes refusing our
/// own sign-in (530 authentication required, 534 mechanism too weak, 535 credentials invalid,
/// 538 encryption required), which say nothing about the notice — once the configuration is
/// put right, the notices still waiting go out. Other 5xx (550 no such mailbox, 552, 554 …)
/// are permanent.
pub fn transient_code(code: u16) -> bool {
    matches!(code, 400..=499 | 530 | 534 | 535 | 538)
}

/// What the transport says about a delivery.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub message_id: String,
    /// The server's answer, or the file written.
    pub detail: String,
}

/// The configured transport, the sender and the Message-ID domain.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    domain: String,
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Smtp {
        client: AsyncSmtpTransport<Tokio1Executor>,
        /// The longest a whole delivery may take.
        deadline: Duration,
        server: String,
    },
    File {
        dir: PathBuf,
    },
}

impl Mailer {
    /// The transport of the settings (checked at start-up; an unusable TLS server name is a
    /// permanent error here).
    pub fn new(s: &MailSettings) -> Result<Self, MailError> {
        let from = sender(&s.from, &s.from_name)?;
        let domain = s
            .message_id_domain
            .clone()
            .unwrap_or_else(|| from.email.domain().to_owned());
        let transport = match s.transport {
            MailTransport::File => Transport::File { dir: s.dir.clone() },
            MailTransport::Smtp => {
                let tls = |host: &str| {
                    TlsParameters::new(host.to_owned()).map_err(|e| {
                        MailError::permanent(format!("mail.host {host:?} for TLS: {e}"))
                    })
                };
                let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
                    .port(s.port)
                    .timeout(Some(Duration::from_secs(s.timeout_secs)));
                b = match s.tls {
                    MailTls::None => b.tls(Tls::None),
                    MailTls::Starttls => b.tls(Tls::Required(tls(&s.host)?)),
                    MailTls::Tls => b.tls(Tls::Wrapper(tls(&s.host)?)),
                };
                if let Some(user) = &s.username {
                    let password = s.password.as_ref().map(|p| p.0.clone()).unwrap_or_default();
                    b = b.credentials(Credentials::new(user.clone(), password));
                }
                Transport::Smtp {
                    client: b.build(),
                    deadline: Duration::from_secs(3 * s.timeout_secs),
                    server: format!(
                        "{}:{} ({})",
                        s.host,
                        s.port,
                        match s.tls {
                            MailTls::None => "plain",
                            MailTls::Starttls => "STARTTLS",
                            MailTls::Tls => "TLS",
                        }
                    ),
                }
            }
        };
        Ok(Mailer {
            from,
            domain,
            transport,
        })
    }

    /// The longest one delivery may take (the file transport: a few seconds of disk).
    pub fn deadline(&self) -> Duration {
        match &self.transport {
            Transport::Smtp { deadline, .. } => *deadline,
            Transport::File { .. } => Duration::from_secs(5),
        }
    }

    /// Where notices go, for the logs.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp { server, .. } => format!("SMTP {server}"),
            Transport::File { dir } => format!("files in {}", dir.display()),
        }
    }

    /// The message of `letter`, as it would be sent.
    pub fn message(&self, letter: &Letter<'_>) -> Result<lettre::Message, MailError> {
        build(letter, &self.from, &self.domain)
    }

    /// Deliver one notice. Returns once the server accepted it (or the file is in place).
    pub async fn send(&self, letter: &Letter<'_>) -> Result<Delivered, MailError> {
        let msg = self.message(letter)?;
        let message_id = message_id(letter.outbox_id, letter.created_at, &self.domain);
        match &self.transport {
            Transport::Smtp {
                client, deadline, ..
            } => match tokio::time::timeout(*deadline, client.send(msg)).await {
                Ok(Ok(answer)) => Ok(Delivered {
                    message_id,
                    detail: format!(
                        "{} {}",
                        answer.code(),
                        answer.message().collect::<Vec<_>>().join(" ")
                    ),
                }),
                Ok(Err(e)) => Err(MailError::from_smtp(&e)),
                Err(_) => Err(MailError::transient(format!(
                    "SMTP: no complete answer within {} s",
                    deadline.as_secs()
                ))),
            },
            Transport::File { dir } => {
                let path = dir.join(file_name(letter.outbox_id, letter.kind, letter.object_id));
                write_whole(&path, &msg.formatted()).await.map_err(|e| {
                    MailError::transient(format!("cannot write {}: {e}", path.display()))
                })?;
                Ok(Delivered {
                    message_id,
                    detail: path.display().to_string(),
                })
            }
        }
    }
}

/// Write a file so that a reader never sees half of it: to a temporary name, then renamed.
async fn write_whole(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        tokio::fs::create_dir_all(dir).await?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, path).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, crate::config::ConfigError> {
        Settings::load_from(
            std::path::Path::new("/nonexistent"),
            "development",
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn defaults_write_files_and_bad_mail_settings_name_their_key() {
        let s = settings(&[]).expect("defaults");
        assert_eq!(s.mail.transport, MailTransport::File);
        assert_eq!(s.mail.dir, PathBuf::from("data/mail"));
        assert!(s.mail.timeout_secs > 0, "a timeout is always set");
        for (key, value, named) in [
            ("TONGYAO__MAIL__FROM", "not an address", "mail.from"),
            ("TONGYAO__MAIL__TIMEOUT_SECS", "0", "mail.timeout_secs"),
            ("TONGYAO__MAIL__LEASE_SECS", "20", "mail.lease_secs"),
            ("TONGYAO__MAIL__MAX_ATTEMPTS", "0", "mail.max_attempts"),
            (
                "TONGYAO__MAIL__POLL_INTERVAL_SECS",
                "0",
                "mail.poll_interval_secs",
            ),
            ("TONGYAO__MAIL__RETRY_MAX_SECS", "1", "mail.retry_max_secs"),
            (
                "TONGYAO__MAIL__MESSAGE_ID_DOMAIN",
                "a b",
                "mail.message_id_domain",
            ),
            ("TONGYAO__MAIL__TRANSPORT", "pigeon", "transport"),
            ("TONGYAO__MAIL__TLS", "maybe", "tls"),
        ] {
            let e = settings(&[(key, value)]).unwrap_err();
            assert!(e.0.contains(named), "{key}={value}: {}", e.0);
        }
        let e = settings(&[("TONGYAO__MAIL__COLOUR", "blue")]).unwrap_err();
        assert!(e.0.contains("colour"), "unknown keys are refused: {}", e.0);
    }

    #[test]
    fn smtp_settings_need_a_password_from_the_environment_and_tls_off_this_machine() {
        let smtp = [
            ("TONGYAO__MAIL__TRANSPORT", "smtp"),
            ("TONGYAO__MAIL__HOST", "smtp.example.gov.cn"),
            ("TONGYAO__MAIL__PORT", "587"),
            ("TONGYAO__MAIL__TLS", "starttls"),
            ("TONGYAO__MAIL__USERNAME", "tongyao"),
        ];
        let e = settings(&smtp).unwrap_err();
        assert!(
            e.0.contains("mail.password") && e.0.contains("TONGYAO__MAIL__PASSWORD"),
            "{}",
            e.0
        );
        let mut with_pw = smtp.to_vec();
        with_pw.push(("TONGYAO__MAIL__PASSWORD", "s3cret"));
        let s = settings(&with_pw).expect("complete SMTP settings");
        assert_eq!(s.mail.tls, MailTls::Starttls);
        assert!(
            !format!("{s:?}").contains("s3cret"),
            "the password is never shown"
        );
        assert!(Mailer::new(&s.mail).is_ok());
        with_pw.push(("TONGYAO__MAIL__TLS", "none"));
        let e = settings(&with_pw).unwrap_err();
        assert!(e.0.contains("mail.tls"), "{}", e.0);
        let e = settings(&[
            ("TONGYAO__MAIL__TRANSPORT", "smtp"),
            ("TONGYAO__MAIL__PORT", "0"),
        ])
        .unwrap_err();
        assert!(e.0.contains("mail.port"), "{}", e.0);
    }

    #[test]
    fn reply_codes_are_classified() {
        for c in [421, 450, 451, 452, 454, 530, 535] {
            assert!(transient_code(c), "{c}");
        }
        for c in [500, 501, 503, 550, 551, 552, 553, 554] {
            assert!(!transient_code(c), "{c}");
        }
        assert!(MailError::transient("x").is_transient());
        assert!(MailError::permanent("x").is_permanent());
    }

    fn letter<'a>(attachments: &'a [Attachment], to: &'a str) -> Letter<'a> {
        Letter {
            outbox_id: 42,
            created_at: "2026-12-04T02:00:00Z".parse().unwrap(),
            kind: "purchase_order",
            object_id: 7,
            to,
            subject: "采购订单 PO20261204-001 — 杭锦旗人民医院医共体",
            body: "您好：\n附件为采购订单，请按期配送。\n",
            attachments,
        }
    }

    #[test]
    fn a_message_has_its_id_encoded_headers_and_a_chinese_attachment_name() {
        let s = settings(&[]).unwrap();
        let mailer = Mailer::new(&s.mail).unwrap();
        let att = [Attachment {
            filename: "采购订单-PO20261204-001.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.7 \xe9\x87\x87".to_vec(),
        }];
        let raw = mailer
            .message(&letter(&att, "供应商 <orders@supplier.example.cn>"))
            .unwrap()
            .formatted();
        let text = String::from_utf8(raw).expect("7-bit clean");
        assert!(text.is_ascii(), "every header and part is encoded:\n{text}");
        assert!(
            text.contains("Message-ID: <42.1796349600.outbox@localhost>"),
            "{text}"
        );
        assert!(text.contains("Subject: =?utf-8?"), "{text}");
        assert!(text.contains("Auto-Submitted: auto-generated"), "{text}");
        assert!(text.contains("multipart/mixed"), "{text}");
        assert!(
            text.contains("filename*0*=utf-8''%E9%87%87%E8%B4%AD"),
            "{text}"
        );
        assert!(
            text.contains("Content-Type: text/plain; charset=utf-8"),
            "{text}"
        );
        let plain = mailer
            .message(&letter(&[], "orders@supplier.example.cn"))
            .unwrap();
        let plain = String::from_utf8(plain.formatted()).unwrap();
        assert!(!plain.contains("multipart"), "{plain}");
        let e = mailer.message(&letter(&[], "not an address")).unwrap_err();
        assert!(e.is_permanent(), "{e}");
    }

    #[test]
    fn file_names_stay_in_the_folder() {
        assert_eq!(file_name(3, "purchase_order", 9), "3-purchase_order-9.eml");
        assert_eq!(file_name(3, "../x y", 9), "3-___x_y-9.eml");
    }
}
