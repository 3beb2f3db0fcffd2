//! The durable outbox and the mail transports, on SQLite and PostgreSQL, against a real SMTP
//! server on loopback (a small one written here with tokio: it speaks EHLO, MAIL, RCPT, DATA,
//! RSET, NOOP and QUIT, and keeps every message it accepts byte for byte): notices written in
//! a rolled-back transaction are never sent; four concurrent senders deliver every notice
//! exactly once (counted by Message-ID at the server); an attachment with a Chinese file name
//! arrives under that name; a 4xx answer is tried again later and a 5xx fails the notice; an
//! expired lease is taken over with the same Message-ID; the file transport writes a readable
//! `.eml`. The messages are taken apart here by hand (RFC 2047 words, RFC 2231 parameters,
//! base64, quoted-printable), not by lettre, which wrote them.
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use entity::outbox::{self as row, OutboxStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tongyao::config::{MailSettings, MailTls, MailTransport};
use tongyao::jobs::outbox::{self, Attachment, Notice, RenderFuture, Sender};
use tongyao::kernel::Ctx;
use tongyao_tests::*;

// ---------------------------------------------------------------------------------------------
// A real SMTP server on loopback

/// A message the server accepted.
#[derive(Clone, Debug)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// Recipients decide how the server answers: `nobody@…` is refused at RCPT with 550;
/// `greylist@…` gets 451 at the end of DATA the first time a Message-ID comes, 250 after;
/// `busy@…` always gets 451.
#[derive(Clone, Default)]
struct Smtp {
    port: u16,
    accepted: Arc<Mutex<Vec<Received>>>,
    greylisted: Arc<Mutex<HashSet<String>>>,
    refused: Arc<Mutex<usize>>,
}

impl Smtp {
    async fn start() -> Smtp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let server = Smtp {
            port: listener.local_addr().unwrap().port(),
            ..Smtp::default()
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        server
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 mail.test ESMTP tongyao test server\r\n")
            .await?;
        let (mut from, mut rcpts) = (String::new(), Vec::<String>::new());
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end();
            let verb = cmd
                .split([' ', ':'])
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            let answer: &[u8] = match verb.as_str() {
                "EHLO" => b"250-mail.test\r\n250-SIZE 10485760\r\n250 HELP\r\n",
                "HELO" => b"250 mail.test\r\n",
                "MAIL" => {
                    from = angle(cmd);
                    rcpts.clear();
                    b"250 2.1.0 Ok\r\n"
                }
                "RCPT" => {
                    let to = angle(cmd);
                    if to.starts_with("nobody@") {
                        b"550 5.1.1 <nobody@supplier.test>: Recipient address rejected: no such mailbox\r\n"
                    } else {
                        rcpts.push(to);
                        b"250 2.1.5 Ok\r\n"
                    }
                }
                "DATA" if rcpts.is_empty() => b"503 5.5.1 Error: no valid recipients\r\n",
                "DATA" => {
                    w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        if r.read_line(&mut l).await? == 0 {
                            return Ok(());
                        }
                        if l == ".\r\n" {
                            break;
                        }
                        // Dot-stuffing (RFC 5321 4.5.2).
                        data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    }
                    let id = header(&data, "message-id").unwrap_or_default();
                    let busy = rcpts.iter().any(|t| t.starts_with("busy@"));
                    let grey = rcpts.iter().any(|t| t.starts_with("greylist@"))
                        && self.greylisted.lock().unwrap().insert(id);
                    if busy || grey {
                        *self.refused.lock().unwrap() += 1;
                        b"451 4.7.1 Greylisted, please try again later\r\n"
                    } else {
                        self.accepted.lock().unwrap().push(Received {
                            mail_from: from.clone(),
                            rcpt_to: rcpts.clone(),
                            data,
                        });
                        b"250 2.0.0 Ok: queued\r\n"
                    }
                }
                "RSET" => {
                    rcpts.clear();
                    b"250 2.0.0 Ok\r\n"
                }
                "NOOP" => b"250 2.0.0 Ok\r\n",
                "QUIT" => {
                    w.write_all(b"221 2.0.0 Bye\r\n").await?;
                    return Ok(());
                }
                _ => b"502 5.5.2 Error: command not recognized\r\n",
            };
            w.write_all(answer).await?;
        }
    }

    fn accepted(&self) -> Vec<Received> {
        self.accepted.lock().unwrap().clone()
    }

    /// How many accepted copies each Message-ID has.
    fn by_message_id(&self) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for r in self.accepted() {
            *m.entry(header(&r.data, "message-id").expect("a Message-ID"))
                .or_insert(0) += 1;
        }
        m
    }
}

/// `MAIL FROM:<a@b>` → `a@b`.
fn angle(cmd: &str) -> String {
    cmd.split_once('<')
        .and_then(|(_, r)| r.split_once('>'))
        .map(|(a, _)| a.to_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Taking a message apart

/// The header section and the body.
fn split(msg: &str) -> (&str, &str) {
    msg.split_once("\r\n\r\n").unwrap_or((msg, ""))
}

/// A header's value, unfolded (RFC 5322 2.2.3), from the head of `msg` (or of a part).
fn header(msg: &str, name: &str) -> Option<String> {
    let (head, _) = split(msg);
    let mut found: Option<String> = None;
    let mut current = false;
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if current && let Some(v) = found.as_mut() {
                v.push_str(line);
            }
            continue;
        }
        if found.is_some() && current {
            break;
        }
        current = match line.split_once(':') {
            Some((n, v)) if n.eq_ignore_ascii_case(name) => {
                found = Some(v.trim_start().to_owned());
                true
            }
            _ => false,
        };
    }
    found
}

fn base64(s: &str) -> Vec<u8> {
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue, // line breaks, padding
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        if b[i] == b'=' {
            if b[i + 1..].starts_with(b"\r\n") {
                i += 3; // soft line break
            } else {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("=XX"));
                i += 3;
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn percent(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("%XX"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// RFC 2047: `=?utf-8?b?…?=` words decoded; white space between two words dropped.
fn words(s: &str) -> String {
    let (mut out, mut rest, mut after_word) = (Vec::new(), s, false);
    while let Some(i) = rest.find("=?") {
        let between = &rest[..i];
        if !(after_word && between.trim().is_empty()) {
            out.extend_from_slice(between.as_bytes());
        }
        let mut it = rest[i + 2..].splitn(3, '?');
        let (_charset, enc, tail) = (it.next(), it.next().unwrap(), it.next().unwrap());
        let end = tail.find("?=").expect("an encoded word ends with ?=");
        let text = &tail[..end];
        match enc {
            "b" | "B" => out.extend(base64(text)),
            _ => out.extend(quoted_printable(&text.replace('_', " "))),
        }
        rest = &tail[end + 2..];
        after_word = true;
    }
    out.extend_from_slice(rest.as_bytes());
    String::from_utf8(out).expect("UTF-8 words")
}

/// A part's body decoded by its Content-Transfer-Encoding.
fn decoded_body(part: &str) -> Vec<u8> {
    let body = split(part).1;
    match header(part, "content-transfer-encoding")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => base64(body),
        "quoted-printable" => quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    }
}

/// The parts of a multipart message.
fn parts(msg: &str) -> Vec<String> {
    let ct = header(msg, "content-type").expect("a Content-Type");
    let boundary = ct
        .split("boundary=")
        .nth(1)
        .expect("a boundary")
        .trim_matches('"')
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    split(msg)
        .1
        .split(&format!("--{boundary}"))
        .skip(1)
        .filter(|p| !p.starts_with("--"))
        .map(|p| p.trim_start_matches("\r\n").to_owned())
        .collect()
}

/// The file name of a Content-Disposition: RFC 2231 (`filename*0*=utf-8''%E9…; filename*1*=…`)
/// or a plain quoted one.
fn file_name(disposition: &str) -> String {
    let mut pieces: Vec<(u32, bool, String)> = Vec::new();
    for param in disposition.split(';').skip(1) {
        let Some((k, v)) = param.trim().split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"').to_owned();
        if k == "filename" {
            return v;
        }
        if let Some(rest) = k.strip_prefix("filename*") {
            let encoded = rest.ends_with('*') || rest.is_empty();
            let n = rest.trim_end_matches('*').parse().unwrap_or(0);
            pieces.push((n, encoded, v));
        }
    }
    pieces.sort_by_key(|p| p.0);
    let mut bytes = Vec::new();
    for (i, (_, encoded, v)) in pieces.iter().enumerate() {
        let v = if i == 0 && *encoded {
            v.splitn(3, '\'').nth(2).expect("charset''value")
        } else {
            v.as_str()
        };
        if *encoded {
            bytes.extend(percent(v));
        } else {
            bytes.extend_from_slice(v.as_bytes());
        }
    }
    String::from_utf8(bytes).expect("a UTF-8 file name")
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// The app's context with other mail settings (the transport, the server's port …).
fn ctx_with(app: &TestApp, f: impl FnOnce(&mut MailSettings)) -> Ctx {
    let mut settings = (*app.state.ctx.settings).clone();
    f(&mut settings.mail);
    let mut ctx = app.state.ctx.clone();
    ctx.settings = Arc::new(settings);
    ctx
}

fn smtp_ctx(app: &TestApp, server: &Smtp) -> Ctx {
    let port = server.port;
    ctx_with(app, |m| {
        m.transport = MailTransport::Smtp;
        m.host = "127.0.0.1".into();
        m.port = port;
        m.tls = MailTls::None;
        m.timeout_secs = 5;
        m.lease_secs = 60;
        m.max_attempts = 2;
        m.retry_base_secs = 1;
        m.retry_max_secs = 2;
    })
}

fn notice(app: &TestApp, kind: &'static str, object_id: i64, to: &str) -> Notice {
    Notice {
        consortium_id: Some(app.consortium),
        kind,
        object_id,
        recipient: to.to_owned(),
        subject: format!("采购订单 PO20261204-{object_id:03} — 杭锦旗人民医院医共体"),
        body: format!(
            "您好：\n附件为采购订单 PO20261204-{object_id:03}，请按约定日期配送至中心库房。\n统药 tongyao（自动发送，请勿回复）\n"
        ),
    }
}

/// Write notices in one transaction, committed or rolled back; their ids.
async fn write(app: &TestApp, notices: Vec<Notice>, commit: bool) -> Vec<i64> {
    let txn = tongyao::db::begin_write(&app.db).await.unwrap();
    let mut ids = Vec::new();
    for n in notices {
        ids.push(outbox::enqueue(&txn, Utc::now(), n).await.unwrap());
    }
    if commit {
        txn.commit().await.unwrap();
    } else {
        txn.rollback().await.unwrap();
    }
    ids
}

async fn rows(app: &TestApp) -> Vec<row::Model> {
    row::Entity::find()
        .order_by_asc(row::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

async fn one(app: &TestApp, id: i64) -> row::Model {
    row::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the outbox row")
}

/// The Message-ID a row's notice carries (the domain of the default `mail.from`).
fn message_id(r: &row::Model) -> String {
    tongyao::mail::message_id(r.id, r.created_at, "localhost")
}

const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n\x00\x01\xff trailer\n%%EOF\n";

fn render_order<'a>(_: &'a Ctx, object_id: i64) -> RenderFuture<'a> {
    Box::pin(async move {
        Ok(Some(Attachment {
            filename: format!("采购订单-PO20261204-{object_id:03}.pdf"),
            content_type: "application/pdf".into(),
            bytes: PDF.to_vec(),
        }))
    })
}

fn render_broken<'a>(_: &'a Ctx, _: i64) -> RenderFuture<'a> {
    Box::pin(async { Err(tongyao::error::AppError::NotFound) })
}

// ---------------------------------------------------------------------------------------------
// Tests

both!(
    four_senders_deliver_every_notice_exactly_once,
    |app| async move {
        let server = Smtp::start().await;
        let ctx = smtp_ctx(&app, &server);
        let n = 24;
        let ids = write(
            &app,
            (1..=n)
                .map(|i| notice(&app, "test_notice", i, "供应商甲 <orders@supplier.test>"))
                .collect(),
            true,
        )
        .await;
        let mut gone = notice(&app, "test_notice", 999, "orders@supplier.test");
        gone.subject = "回滚的通知".into();
        write(&app, vec![gone], false).await;
        assert_eq!(
            app.count("outbox").await,
            n,
            "the rolled-back notice was never written"
        );

        // Four instances at once, each one pass, then each a second pass that finds nothing.
        let mut tasks = Vec::new();
        for i in 0..4 {
            let ctx = ctx.clone();
            tasks.push(tokio::spawn(async move {
                let owner = format!("instance-{i}");
                let first = outbox::send_due(&ctx, &owner).await.expect("a pass");
                let second = outbox::send_due(&ctx, &owner).await.expect("a pass");
                first + second
            }));
        }
        let mut delivered = 0;
        for t in tasks {
            delivered += t.await.unwrap();
        }
        assert_eq!(
            delivered as i64, n,
            "the senders together delivered each notice once"
        );

        let copies = server.by_message_id();
        let stored = rows(&app).await;
        assert_eq!(stored.len() as i64, n);
        for r in &stored {
            assert_eq!(r.status, OutboxStatus::Sent, "{r:?}");
            assert_eq!(r.attempts, 1, "one try each: {r:?}");
            assert!(r.sent_at.is_some() && r.lease_until.is_none(), "{r:?}");
            assert!(
                r.lease_owner
                    .as_deref()
                    .is_some_and(|o| o.starts_with("instance-")),
                "{r:?}"
            );
            assert_eq!(
                copies.get(&message_id(r)),
                Some(&1),
                "exactly one copy of {}",
                message_id(r)
            );
        }
        assert_eq!(copies.len() as i64, n, "no other message arrived");
        assert_eq!(server.accepted().len() as i64, n);
        let sample = &server.accepted()[0];
        assert_eq!(sample.mail_from, "tongyao@localhost");
        assert_eq!(sample.rcpt_to, ["orders@supplier.test"]);
        assert!(
            server
                .accepted()
                .iter()
                .all(|r| !words(&header(&r.data, "subject").unwrap()).contains("回滚"))
        );
        assert!(ids.iter().all(|id| stored.iter().any(|r| r.id == *id)));
    }
);

both!(
    an_attachment_arrives_under_its_chinese_name,
    |app| async move {
        let server = Smtp::start().await;
        let ctx = smtp_ctx(&app, &server);
        let [id, broken] = write(
            &app,
            vec![
                notice(&app, "test_order", 1, "供应商甲 <orders@supplier.test>"),
                notice(&app, "test_broken", 2, "orders@supplier.test"),
            ],
            true,
        )
        .await[..] else {
            unreachable!()
        };
        let sender = Sender::new(&ctx.settings.mail, "instance-a")
            .unwrap()
            .with_renderers(vec![
                ("test_order", render_order),
                ("test_broken", render_broken),
            ]);
        assert_eq!(sender.send_due(&ctx).await.unwrap(), 1);

        let got = server.accepted();
        assert_eq!(got.len(), 1);
        let msg = &got[0].data;
        assert!(msg.is_ascii(), "a 7-bit message any server takes");
        let n = notice(&app, "test_order", 1, "");
        assert_eq!(words(&header(msg, "subject").unwrap()), n.subject);
        let from = header(msg, "from").unwrap();
        assert_eq!(
            words(&from).replace('"', ""),
            "统药 tongyao <tongyao@localhost>",
            "{from}"
        );
        assert_eq!(
            words(&header(msg, "to").unwrap()),
            "供应商甲 <orders@supplier.test>"
        );
        assert_eq!(
            header(msg, "message-id").unwrap(),
            message_id(&one(&app, id).await)
        );
        assert!(
            header(msg, "content-type")
                .unwrap()
                .starts_with("multipart/mixed")
        );
        let ps = parts(msg);
        assert_eq!(ps.len(), 2, "the text and the attachment");
        assert!(
            header(&ps[0], "content-type")
                .unwrap()
                .starts_with("text/plain; charset=utf-8")
        );
        assert_eq!(
            String::from_utf8(decoded_body(&ps[0]))
                .unwrap()
                .replace("\r\n", "\n"),
            n.body
        );
        assert_eq!(header(&ps[1], "content-type").unwrap(), "application/pdf");
        let disposition = header(&ps[1], "content-disposition").unwrap();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        assert_eq!(
            file_name(&disposition),
            "采购订单-PO20261204-001.pdf",
            "{disposition}"
        );
        assert_eq!(
            decoded_body(&ps[1]),
            PDF,
            "the attachment's bytes, unchanged"
        );

        // A renderer that fails is a failed try, tried again later.
        let b = one(&app, broken).await;
        assert_eq!((b.status, b.attempts), (OutboxStatus::Pending, 1), "{b:?}");
        assert!(
            b.last_error.as_deref().unwrap_or("").contains("attachment"),
            "{b:?}"
        );
        assert!(b.next_attempt_at > Utc::now() - chrono::Duration::seconds(1));
        assert_eq!(
            outbox::status_of(&app.db, "test_order", 1)
                .await
                .unwrap()
                .map(|r| r.status),
            Some(OutboxStatus::Sent)
        );
        assert!(
            outbox::status_of(&app.db, "test_order", 77)
                .await
                .unwrap()
                .is_none()
        );
    }
);

both!(
    a_4xx_is_tried_again_later_and_a_5xx_fails,
    |app| async move {
        let server = Smtp::start().await;
        let ctx = smtp_ctx(&app, &server); // max_attempts 2, retries after 1 s
        let [grey, nobody, busy] = write(
            &app,
            vec![
                notice(&app, "test_notice", 1, "greylist@supplier.test"),
                notice(&app, "test_notice", 2, "nobody@supplier.test"),
                notice(&app, "test_notice", 3, "busy@supplier.test"),
            ],
            true,
        )
        .await[..] else {
            unreachable!()
        };
        assert_eq!(outbox::send_due(&ctx, "instance-a").await.unwrap(), 0);
        let g = one(&app, grey).await;
        assert_eq!((g.status, g.attempts), (OutboxStatus::Pending, 1), "{g:?}");
        assert!(g.last_error.as_deref().unwrap().contains("451"), "{g:?}");
        assert!(
            g.next_attempt_at > Utc::now(),
            "the next try is later: {g:?}"
        );
        assert!(g.lease_owner.is_none() && g.lease_until.is_none(), "{g:?}");
        let n = one(&app, nobody).await;
        assert_eq!(
            (n.status, n.attempts),
            (OutboxStatus::Failed, 1),
            "a 5xx fails at once: {n:?}"
        );
        assert!(n.last_error.as_deref().unwrap().contains("550"), "{n:?}");
        assert_eq!(
            *server.refused.lock().unwrap(),
            2,
            "greylist and busy answered 451"
        );

        // Not due yet: nothing is tried.
        assert_eq!(outbox::send_due(&ctx, "instance-b").await.unwrap(), 0);
        assert_eq!(*server.refused.lock().unwrap(), 2);
        assert_eq!(one(&app, grey).await.attempts, 1);

        tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
        assert_eq!(outbox::send_due(&ctx, "instance-b").await.unwrap(), 1);
        let g = one(&app, grey).await;
        assert_eq!((g.status, g.attempts), (OutboxStatus::Sent, 2), "{g:?}");
        assert_eq!(server.by_message_id().get(&message_id(&g)), Some(&1));
        let b = one(&app, busy).await;
        assert_eq!(
            (b.status, b.attempts),
            (OutboxStatus::Failed, 2),
            "the last try failed it: {b:?}"
        );
        assert!(
            b.last_error
                .as_deref()
                .unwrap()
                .contains("gave up after 2 tries"),
            "{b:?}"
        );
        assert_eq!(server.accepted().len(), 1);
        assert_eq!(
            outbox::send_due(&ctx, "instance-b").await.unwrap(),
            0,
            "failed notices stay failed"
        );
    }
);

both!(
    a_lease_is_respected_and_an_expired_one_taken_over_with_the_same_message_id,
    |app| async move {
        let server = Smtp::start().await;
        let ctx = smtp_ctx(&app, &server);
        let [id] = write(
            &app,
            vec![notice(&app, "test_notice", 5, "orders@supplier.test")],
            true,
        )
        .await[..] else {
            unreachable!()
        };
        // Another instance holds it (claimed, then stopped answering).
        let hold = |until: chrono::DateTime<Utc>| {
            row::Entity::update_many()
                .col_expr(
                    row::Column::LeaseOwner,
                    Expr::value(Some("crashed-instance/1".to_owned())),
                )
                .col_expr(row::Column::LeaseUntil, Expr::value(Some(until)))
                .col_expr(row::Column::Attempts, Expr::value(1))
                .col_expr(row::Column::Status, Expr::value(OutboxStatus::Pending))
                .filter(row::Column::Id.eq(id))
        };
        hold(Utc::now() + chrono::Duration::seconds(60))
            .exec(&app.db)
            .await
            .unwrap();
        assert_eq!(
            outbox::send_due(&ctx, "instance-a").await.unwrap(),
            0,
            "a running lease is left alone"
        );
        assert!(server.accepted().is_empty());
        hold(Utc::now() - chrono::Duration::seconds(1))
            .exec(&app.db)
            .await
            .unwrap();
        assert_eq!(
            outbox::send_due(&ctx, "instance-a").await.unwrap(),
            1,
            "an expired lease is taken over"
        );
        let r = one(&app, id).await;
        assert_eq!((r.status, r.attempts), (OutboxStatus::Sent, 2));

        // The documented window: sent, then the instance died before marking it. The lease expires
        // and the notice goes again — with the same Message-ID, so the copy is recognisable.
        hold(Utc::now() - chrono::Duration::seconds(1))
            .exec(&app.db)
            .await
            .unwrap();
        assert_eq!(outbox::send_due(&ctx, "instance-b").await.unwrap(), 1);
        let ids: Vec<String> = server
            .accepted()
            .iter()
            .map(|m| header(&m.data, "message-id").unwrap())
            .collect();
        assert_eq!(ids, [message_id(&r), message_id(&r)]);
    }
);

both!(the_file_transport_writes_a_readable_eml, |app| async move {
    let dir = std::env::temp_dir().join(format!("tongyao-mail-{}", uuid::Uuid::new_v4().simple()));
    let d = dir.clone();
    let ctx = ctx_with(&app, move |m| {
        m.transport = MailTransport::File;
        m.dir = d;
    });
    let [id] = write(
        &app,
        vec![notice(
            &app,
            "test_notice",
            12,
            "供应商乙 <sales@supplier.test>",
        )],
        true,
    )
    .await[..] else {
        unreachable!()
    };
    assert_eq!(outbox::send_due(&ctx, "instance-a").await.unwrap(), 1);
    let path = dir.join(format!("{id}-test_notice-12.eml"));
    let eml = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let _ = std::fs::remove_dir_all(&dir);
    let n = notice(&app, "test_notice", 12, "");
    assert_eq!(words(&header(&eml, "subject").unwrap()), n.subject);
    assert_eq!(
        words(&header(&eml, "to").unwrap()),
        "供应商乙 <sales@supplier.test>"
    );
    assert_eq!(
        header(&eml, "message-id").unwrap(),
        message_id(&one(&app, id).await)
    );
    assert!(header(&eml, "date").is_some());
    assert_eq!(
        String::from_utf8(decoded_body(&eml))
            .unwrap()
            .replace("\r\n", "\n"),
        n.body
    );
    assert_eq!(one(&app, id).await.status, OutboxStatus::Sent);
});

both!(
    the_instance_loop_sends_what_is_due_and_stops_on_shutdown,
    |app| async move {
        let dir =
            std::env::temp_dir().join(format!("tongyao-mail-{}", uuid::Uuid::new_v4().simple()));
        let d = dir.clone();
        let ctx = ctx_with(&app, move |m| {
            m.transport = MailTransport::File;
            m.dir = d;
            m.poll_interval_secs = 1;
        });
        // What `tongyao serve` starts once it listens, and stops after the last request.
        let jobs = tongyao::jobs::start(&ctx).expect("the jobs start");
        let [id] = write(
            &app,
            vec![notice(&app, "test_notice", 21, "orders@supplier.test")],
            true,
        )
        .await[..] else {
            unreachable!()
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while one(&app, id).await.status != OutboxStatus::Sent {
            assert!(
                std::time::Instant::now() < deadline,
                "the loop sent nothing within 15 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let started = std::time::Instant::now();
        jobs.stop().await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "an idle sender stops at once"
        );
        assert!(dir.join(format!("{id}-test_notice-21.eml")).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
);
