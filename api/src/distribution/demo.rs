//! The demo's distribution, so far: the purchase orders of past months received at the central
//! warehouse through the receipt service — a few days after each was issued, one or two lots per
//! line, now and then a damaged pack, the invoice with the goods or (the latest ones) still to
//! come, damaged packs replaced a week later — one with a lot that is near its expiry today, and
//! one purchase order of the current month received in part and the rest left for the user;
//! every receipt allocates what it brought, and a last run allocates what approvals since left
//! waiting (the back orders: the current month's lines still to come, and the lines the lot near
//! its expiry cannot serve).
use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::receipts;
use super::views::{ReceiptInput, ReceiptLineInput};
use crate::capability::DemoArgs;
use crate::kernel::clock::china_day;
use crate::kernel::{Actor, Ctx};
use entity::purchase_order as po;
use entity::purchase_order_line as pol;
use entity::user::Role;

/// Load the demo's receipts into consortium `c` (nothing when it has receipts already).
pub async fn load(ctx: &Ctx, c: i64, today: NaiveDate) -> anyhow::Result<String> {
    let db = &ctx.db;
    if entity::receipt::Entity::find().filter(entity::receipt::Column::ConsortiumId.eq(c)).count(db).await? > 0 {
        return Ok("distribution present already".into());
    }
    let Some(clerk) = entity::user::Entity::find().filter(entity::user::Column::Username.eq("demo-distribution")).one(db).await? else {
        return Ok("no distribution clerk in the demo: no receipts".into());
    };
    let actor = Actor { user_id: Some(clerk.id), consortium_id: Some(c), roles: vec![Role::Distribution], ..Default::default() };
    let pos = po::Entity::find().filter(po::Column::ConsortiumId.eq(c)).order_by_asc(po::Column::Id).all(db).await?;
    let (mut received, mut lines_in, mut near) = (0usize, 0usize, None::<String>);
    let latest_past = pos.iter().filter(|p| china_day(p.created_at) < today - Duration::days(20)).map(|p| p.id).max();
    let mut partial_done = false;
    for (n, p) in pos.iter().enumerate() {
        let issued = china_day(p.created_at);
        let lines = pol::Entity::find().filter(pol::Column::PurchaseOrderId.eq(p.id)).order_by_asc(pol::Column::Id).all(db).await?;
        if lines.is_empty() {
            continue;
        }
        let past = issued < today - Duration::days(20);
        if !past && partial_done {
            continue; // the current month's others: for the user to receive
        }
        let day = if past { issued + Duration::days(3 + (n % 3) as i64) } else { today };
        let mut input = Vec::new();
        let mut replaced = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let k = n * 31 + i;
            let packs = if past { l.quantity } else { (l.quantity + 1) / 2 };
            // One line in three comes as two lots; one in nine has a damaged pack, replaced later.
            let lot = format!("{}{:02}{:03}", day.format("%y%m"), k % 97, l.entry_id % 1000);
            // The first purchase order's first line: a lot that is near its expiry today (it had
            // 200 days left at receipt, more than the minimum of 180).
            let expiry = if near.is_none() && past {
                near = Some(lot.clone());
                let soon = today + Duration::days(75);
                soon.max(day + Duration::days(181))
            } else {
                day + Duration::days(420 + (k % 5) as i64 * 90)
            };
            if packs >= 2 && k % 3 == 0 {
                let first = packs / 2;
                input.push(line(l.id, &format!("{lot}A"), expiry, first, 0));
                input.push(line(l.id, &format!("{lot}B"), expiry + Duration::days(60), packs - first, 0));
            } else {
                let damaged = i64::from(past && k % 9 == 4 && packs > 1);
                input.push(line(l.id, &lot, expiry, packs - damaged, damaged));
                if damaged > 0 {
                    replaced.push(line(l.id, &format!("{lot}R"), expiry + Duration::days(30), damaged, 0));
                }
            }
        }
        let invoice = (past && Some(p.id) != latest_past).then(|| format!("{:08}", 15_000_000 + p.id * 37));
        let r = receipts::create(
            ctx,
            &actor,
            ReceiptInput {
                purchase_order_id: p.id,
                version: p.version,
                received_on: Some(day),
                invoice_no: invoice,
                note: (!past).then(|| "首批到货，其余待供应商补送".to_owned()),
                lines: input,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo receipt of {}: {e}", p.po_no))?;
        received += 1;
        lines_in += r.lines.len();
        // The supplier replaces the damaged packs a week later.
        if !replaced.is_empty() {
            let r = receipts::create(
                ctx,
                &actor,
                ReceiptInput {
                    purchase_order_id: p.id,
                    version: p.version + 1,
                    received_on: Some((day + Duration::days(7)).min(today)),
                    invoice_no: None,
                    note: Some("补送破损".to_owned()),
                    lines: replaced,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo replacement of {}: {e}", p.po_no))?;
            lines_in += r.lines.len();
        }
        if !past {
            partial_done = true;
        }
    }
    // What receipts did not reach (orders approved after their goods came): allocated now, as
    // the warehouse would at the start of a day.
    let tx = ctx.write().await?;
    let run = super::allocation::allocate_in(&tx, c, ctx.clock.now(), today, None).await?;
    tx.commit().await?;
    let (allocations, short) = (
        entity::allocation::Entity::find().filter(entity::allocation::Column::ConsortiumId.eq(c)).count(db).await?,
        entity::back_order::Entity::find().filter(entity::back_order::Column::ConsortiumId.eq(c)).count(db).await?,
    );
    Ok(format!(
        "{received} purchase orders received at the central warehouse ({lines_in} receipt lines; lot {} near its expiry); {allocations} allocations first-expiry-first-out ({} packs in the last run), {short} back orders",
        near.unwrap_or_else(|| "none".into()),
        run.packs_allocated
    ))
}

fn line(po_line_id: i64, lot_no: &str, expiry: NaiveDate, quantity: i64, damaged: i64) -> ReceiptLineInput {
    ReceiptLineInput {
        po_line_id,
        lot_no: lot_no.to_owned(),
        expiry,
        quantity,
        damaged,
        damage_note: (damaged > 0).then(|| "外包装破损".to_owned()),
        trace_codes: Vec::new(),
    }
}

pub fn demo(a: DemoArgs<'_>) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<String>> + Send + '_>> {
    Box::pin(async move { load(a.ctx, a.ids.consortium, a.clock.today()).await })
}
