//! Building a notice's e-mail with lettre's builder: From with its display name, To, a Subject
//! and display names in any language (RFC 2047 encoded words), a text/plain UTF-8 body, the
//! attachments (file names in any language: RFC 2231), and a Message-ID derived from the outbox
//! row, so that a copy delivered twice (after a crash between the server's acceptance and the
//! row being marked) is recognisable as the same message.
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes, MultiPart, SinglePart};

use super::MailError;

/// A file sent with a notice (rendered when the notice is sent, never stored in the outbox).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// Shown to the recipient; may be Chinese, e.g. `采购订单-PO20261204-001.pdf`.
    pub filename: String,
    /// A MIME type such as `application/pdf`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One notice to deliver: the outbox row's content and the attachments rendered for it.
#[derive(Clone, Debug)]
pub struct Letter<'a> {
    pub outbox_id: i64,
    /// When the outbox row was written (part of the Message-ID).
    pub created_at: DateTime<Utc>,
    pub kind: &'a str,
    pub object_id: i64,
    /// One address, or several separated by commas; each may carry a name (`张三 <a@b.cn>`).
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachments: &'a [Attachment],
}

/// The Message-ID of an outbox row: the same for every try of that row, different for rows of
/// another database that happen to have the same id (the creation second is part of it).
pub fn message_id(outbox_id: i64, created_at: DateTime<Utc>, domain: &str) -> String {
    format!("<{outbox_id}.{}.outbox@{domain}>", created_at.timestamp())
}

/// The sender: the configured address with its display name.
pub fn sender(address: &str, name: &str) -> Result<Mailbox, MailError> {
    let address = address
        .parse()
        .map_err(|e| MailError::permanent(format!("mail.from {address:?}: {e}")))?;
    let name = name.trim();
    Ok(Mailbox::new(
        (!name.is_empty()).then(|| name.to_owned()),
        address,
    ))
}

/// The message for `letter`. An unusable recipient is a permanent error: trying again cannot
/// help.
pub fn build(letter: &Letter<'_>, from: &Mailbox, domain: &str) -> Result<Message, MailError> {
    let to: Mailboxes = letter.to.parse().map_err(|e| {
        MailError::permanent(format!(
            "the recipient {:?} is not an e-mail address: {e}",
            letter.to
        ))
    })?;
    if to.iter().next().is_none() {
        return Err(MailError::permanent("the notice has no recipient"));
    }
    let mut b = Message::builder()
        .from(from.clone())
        .subject(letter.subject)
        .message_id(Some(message_id(
            letter.outbox_id,
            letter.created_at,
            domain,
        )))
        // RFC 3834: an automatic message; auto-responders should not answer it.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
    for mb in to {
        b = b.to(mb);
    }
    let text = SinglePart::plain(letter.body.to_owned());
    let built = if letter.attachments.is_empty() {
        b.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for a in letter.attachments {
            // An unknown type still goes, as bytes.
            let ct = ContentType::parse(&a.content_type)
                .or_else(|_| ContentType::parse("application/octet-stream"))
                .map_err(|e| MailError::permanent(format!("content type: {e}")))?;
            parts = parts.singlepart(
                lettre::message::Attachment::new(a.filename.clone()).body(a.bytes.clone(), ct),
            );
        }
        b.multipart(parts)
    };
    built.map_err(|e| MailError::permanent(format!("the message cannot be built: {e}")))
}

/// `<outbox id>-<kind>-<object id>.eml`, the name of a notice written by the file transport
/// (the kind reduced to letters, digits, `_` and `-`).
pub fn file_name(outbox_id: i64, kind: &str, object_id: i64) -> String {
    let kind: String = kind
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{outbox_id}-{kind}-{object_id}.eml")
}
