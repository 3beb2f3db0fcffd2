//! The demo's procurement: three suppliers, an ordinary contract for the year covering most of
//! the formulary at its contracted prices, a volume-based contract (带量采购) for the products the
//! formulary marks as VBP-selected with their annual volume split across the members, an open
//! cycle for the current month, and members' orders in every state up to purchase orders.
use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::views::{ApproveOrder, GeneratePurchaseOrders, LineAdjustment, ReturnOrder};
use super::{review, rules};
use crate::kernel::Ctx;
use crate::capability::DemoArgs;
use entity::contract_line as line;
use entity::contract_volume as volume;
use entity::formulary_version::{self as version, EntryStatus};
use entity::institution::{self, Level};
use entity::procurement_cycle::{self as cycle, CycleStatus};
use entity::supplier;
use entity::supply_contract::{self as contract, ContractKind};

/// (name, first 17 characters of the credit code, order e-mail).
const SUPPLIERS: [(&str, &str, &str); 3] = [
    ("国药控股内蒙古有限公司", "91150000MA0N1A2B3", "orders@sinopharm-nm.example.org"),
    ("华润鄂尔多斯医药有限公司", "91150600MA0Q4C5D6", "po@crpharm-ordos.example.org"),
    ("九州通医药集团内蒙古有限公司", "91150100MA0P7E8F9", "caigou@jzt-nm.example.org"),
];

/// Load the demo's procurement into consortium `c` (nothing when it has suppliers already).
pub async fn load(ctx: &Ctx, c: i64, today: NaiveDate, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<String> {
    let db = &ctx.db;
    if supplier::Entity::find().filter(supplier::Column::ConsortiumId.eq(c)).count(db).await? > 0 {
        return Ok("procurement present already".into());
    }
    let buyer = entity::user::Entity::find()
        .filter(entity::user::Column::Username.eq("demo-procurement"))
        .one(db)
        .await?
        .map(|u| u.id);
    let mut ids = Vec::new();
    for (name, first17, email) in SUPPLIERS {
        let check = rules::uscc_check_char(first17).ok_or_else(|| anyhow::anyhow!("bad demo code {first17}"))?;
        let code = rules::uscc(&format!("{first17}{check}")).map_err(anyhow::Error::msg)?;
        let s = supplier::Entity::insert(supplier::ActiveModel {
            consortium_id: Set(c),
            name: Set(name.into()),
            uscc: Set(code),
            order_email: Set(email.into()),
            invoice_email: Set(Some(email.replace("orders@", "invoices@").replace("po@", "invoices@").replace("caigou@", "fapiao@"))),
            contact: Set(Some("销售内勤".into())),
            phone: Set(Some("0477-8123456".into())),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(db)
        .await?;
        ids.push(s.id);
    }
    let mut products: Vec<version::Model> = version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(version::Column::Status.eq(EntryStatus::Active))
        .filter(version::Column::ValidFrom.lte(today))
        .all(db)
        .await?
        .into_iter()
        .filter(|v| v.valid_to.is_none_or(|t| t > today))
        .collect();
    products.sort_by_key(|v| v.entry_id);
    // The contract year: from the first of the month about seven months ago, for a year.
    let back = today - Duration::days(200);
    let from = NaiveDate::from_ymd_opt(back.year(), back.month(), 1).unwrap_or(back);
    let to = NaiveDate::from_ymd_opt(from.year() + 1, from.month(), 1).unwrap_or(from + Duration::days(365)) - Duration::days(1);
    let members: Vec<institution::Model> = institution::Entity::find()
        .filter(institution::Column::ConsortiumId.eq(c))
        .filter(institution::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter(|i| i.level != Level::Lead)
        .collect();
    let new_contract = |supplier_id: i64, no: String, kind: ContractKind, note: &str| contract::ActiveModel {
        consortium_id: Set(c),
        supplier_id: Set(supplier_id),
        contract_no: Set(no),
        kind: Set(kind),
        valid_from: Set(from),
        valid_to: Set(to),
        note: Set(Some(note.into())),
        created_by: Set(buyer),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    let year = from.year();
    let vbp = contract::Entity::insert(new_contract(ids[0], format!("HJQ-JC-{year}-01"), ContractKind::Vbp, "第十批国家组织药品集采，医共体统一签约"))
        .exec_with_returning(db)
        .await?;
    let ordinary: Vec<contract::Model> = {
        let mut out = Vec::new();
        for (n, s) in ids.iter().enumerate() {
            let k = contract::Entity::insert(new_contract(*s, format!("HJQ-PS-{year}-{:02}", n + 1), ContractKind::Ordinary, "年度药品配送合同"))
                .exec_with_returning(db)
                .await?;
            out.push(k);
        }
        out
    };
    let (mut vbp_lines, mut ordinary_lines) = (0, 0);
    let share_of: HashMap<Level, i64> = [(Level::Secondary, 5), (Level::Township, 4), (Level::Village, 1)].into_iter().collect();
    for (n, v) in products.iter().enumerate() {
        // Every fifth product is left without a contract: aggregation reports it.
        if n % 5 == 4 && !v.vbp {
            continue;
        }
        let price = if v.unit_price_e4 > 0 { v.unit_price_e4 } else { 10_000 + (v.entry_id % 50) * 2_500 };
        if v.vbp {
            let takers: Vec<&institution::Model> = members.iter().filter(|m| m.level.may_use(v.level_scope)).collect();
            let weights: Vec<i64> = takers.iter().map(|m| share_of.get(&m.level).copied().unwrap_or(1)).collect();
            let per_weight = 40 + v.entry_id % 60;
            let shares: Vec<i64> = weights.iter().map(|w| w * per_weight).collect();
            let annual: i64 = shares.iter().sum();
            if annual > 0 {
                let l = line::Entity::insert(line::ActiveModel {
                    contract_id: Set(vbp.id),
                    entry_id: Set(v.entry_id),
                    price: Set(price),
                    annual_volume: Set(Some(annual)),
                    ..Default::default()
                })
                .exec_with_returning(db)
                .await?;
                volume::Entity::insert_many(takers.iter().zip(shares).map(|(m, p)| volume::ActiveModel {
                    line_id: Set(l.id),
                    institution_id: Set(m.id),
                    packs: Set(p),
                }))
                .exec_without_returning(db)
                .await?;
                vbp_lines += 1;
                continue;
            }
        }
        line::Entity::insert(line::ActiveModel {
            contract_id: Set(ordinary[n % ordinary.len()].id),
            entry_id: Set(v.entry_id),
            price: Set(price),
            annual_volume: Set(None),
            ..Default::default()
        })
        .exec_without_returning(db)
        .await?;
        ordinary_lines += 1;
    }
    let month_start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let next = NaiveDate::from_ymd_opt(
        if today.month() == 12 { today.year() + 1 } else { today.year() },
        if today.month() == 12 { 1 } else { today.month() + 1 },
        1,
    )
    .unwrap_or(today + Duration::days(30));
    let open = cycle::Entity::insert(cycle::ActiveModel {
        consortium_id: Set(c),
        name: Set(format!("{}年{}月", today.year(), today.month())),
        starts_on: Set(month_start),
        ends_on: Set(next - Duration::days(1)),
        status: Set(CycleStatus::Open),
        opened_by: Set(buyer),
        opened_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await?;
    let history = demo_history(ctx, c, vbp.id, from, today, buyer).await?;
    let orders = demo_orders(ctx, c, open.id, today, now, &products).await?;
    Ok(format!(
        "{} suppliers, {} contracts ({vbp_lines} VBP lines, {ordinary_lines} ordinary lines), {history}, an open cycle, {orders}",
        ids.len(),
        ordinary.len() + 1
    ))
}

/// The first of the month after `d`'s.
fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d + Duration::days(31))
}

/// The procurement officer of the demo, as the services see them.
async fn officer(db: &sea_orm::DatabaseConnection, c: i64) -> anyhow::Result<crate::kernel::Actor> {
    let id = entity::user::Entity::find().filter(entity::user::Column::Username.eq("demo-procurement")).one(db).await?.map(|u| u.id);
    Ok(crate::kernel::Actor {
        user_id: id,
        username: Some("demo-procurement".into()),
        display_name: Some("演示采购员".into()),
        consortium_id: Some(c),
        roles: vec![entity::user::Role::Procurement],
        ..Default::default()
    })
}

/// The months of the contract year before this one, each a closed cycle whose members ordered
/// the volume-based products at their own pace — some ahead of their agreed monthly share, some
/// on it, some behind, one far behind — approved and aggregated into purchase orders dated in
/// that month (their e-mails sent then), so that VBP progress (O5) has a story to tell.
async fn demo_history(ctx: &Ctx, c: i64, vbp: i64, from: NaiveDate, today: NaiveDate, buyer: Option<i64>) -> anyhow::Result<String> {
    use entity::member_order::{self as order, OrderStatus};
    use entity::member_order_line as oline;
    let db = &ctx.db;
    let officer = officer(db, c).await?;
    let lines = line::Entity::find().filter(line::Column::ContractId.eq(vbp)).all(db).await?;
    let entry_of: HashMap<i64, i64> = lines.iter().map(|l| (l.id, l.entry_id)).collect();
    let mut shares: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for v in volume::Entity::find().filter(volume::Column::LineId.is_in(lines.iter().map(|l| l.id))).all(db).await? {
        shares.entry(v.institution_id).or_default().push((entry_of[&v.line_id], v.packs));
    }
    let mut members: Vec<i64> = shares.keys().copied().collect();
    members.sort();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let (mut month, mut months, mut pos) = (from, 0, 0);
    while month < this_month {
        let end = next_month(month) - Duration::days(1);
        let at = |d: NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).unwrap_or_default().and_utc();
        let k = cycle::Entity::insert(cycle::ActiveModel {
            consortium_id: Set(c),
            name: Set(format!("{}年{}月", month.year(), month.month())),
            starts_on: Set(month),
            ends_on: Set(end),
            status: Set(CycleStatus::Closed),
            opened_by: Set(buyer),
            opened_at: Set(at(month, 1)),
            closed_by: Set(buyer),
            closed_at: Set(Some(at(end, 9))),
            version: Set(2),
            ..Default::default()
        })
        .exec_with_returning(db)
        .await?;
        let mut ids = Vec::new();
        for (n, m) in members.iter().enumerate() {
            let o = order::Entity::insert(order::ActiveModel {
                consortium_id: Set(c),
                institution_id: Set(*m),
                cycle_id: Set(Some(k.id)),
                urgent: Set(false),
                status: Set(OrderStatus::Approved),
                note: Set(Some("月度请领（演示历史）".into())),
                created_at: Set(at(month, 2)),
                updated_at: Set(at(month + Duration::days(6), 3)),
                submitted_at: Set(Some(at(month + Duration::days(5), 3))),
                reviewed_by: Set(officer.user_id),
                reviewed_at: Set(Some(at(month + Duration::days(6), 3))),
                version: Set(3),
                ..Default::default()
            })
            .exec_with_returning(db)
            .await?;
            let rows: Vec<oline::ActiveModel> = shares[m]
                .iter()
                // Percent of the monthly share, by member and product: well ahead, ahead, on
                // it, a little behind, far behind — a consortium just about on the pro-rata
                // point, with members and products either side of it.
                .map(|(e, packs)| (e, (packs * [160, 125, 105, 85, 45][(n + *e as usize) % 5] + 600) / 1200))
                .filter(|(_, q)| *q > 0)
                .map(|(e, q)| oline::ActiveModel { order_id: Set(o.id), entry_id: Set(*e), quantity: Set(Some(q)), typed: Set(true), ..Default::default() })
                .collect();
            if rows.is_empty() {
                order::Entity::delete_by_id(o.id).exec(db).await?;
                continue;
            }
            oline::Entity::insert_many(rows).exec_without_returning(db).await?;
            super::approved::add_order(db, c, o.id).await?;
            ids.push(o.id);
        }
        if !ids.is_empty() {
            let made = super::purchase_orders::generate(ctx, &officer, GeneratePurchaseOrders { order_ids: ids }).await?;
            // Dated on the 8th of that month, numbered as they would have been then, their
            // e-mails sent then.
            let day = month + Duration::days(7);
            for (n, p) in made.purchase_orders.iter().enumerate() {
                let no = format!("PO{}-{:03}", day.format("%Y%m%d"), n + 1);
                entity::purchase_order::Entity::update_many()
                    .col_expr(entity::purchase_order::Column::PoNo, sea_orm::sea_query::Expr::value(no))
                    .col_expr(entity::purchase_order::Column::CreatedAt, sea_orm::sea_query::Expr::value(at(day, 2)))
                    .filter(entity::purchase_order::Column::Id.eq(p.id))
                    .exec(db)
                    .await?;
                entity::outbox::Entity::update_many()
                    .col_expr(entity::outbox::Column::Status, sea_orm::sea_query::Expr::value(entity::outbox::OutboxStatus::Sent))
                    .col_expr(entity::outbox::Column::Attempts, sea_orm::sea_query::Expr::value(1))
                    .col_expr(entity::outbox::Column::SentAt, sea_orm::sea_query::Expr::value(Some(at(day, 2))))
                    .col_expr(entity::outbox::Column::CreatedAt, sea_orm::sea_query::Expr::value(at(day, 2)))
                    .filter(entity::outbox::Column::Kind.eq(super::purchase_orders::NOTICE_KIND))
                    .filter(entity::outbox::Column::ObjectId.eq(p.id))
                    .exec(db)
                    .await?;
            }
            entity::aggregation::Entity::update_many()
                .col_expr(entity::aggregation::Column::CreatedAt, sea_orm::sea_query::Expr::value(at(day, 2)))
                .col_expr(entity::aggregation::Column::PricedOn, sea_orm::sea_query::Expr::value(day))
                .filter(entity::aggregation::Column::Id.eq(made.aggregation_id))
                .exec(db)
                .await?;
            pos += made.purchase_orders.len();
        }
        months += 1;
        month = next_month(month);
    }
    Ok(format!("{months} closed monthly cycles of volume-based orders bought on {pos} purchase orders"))
}

/// Orders in the open cycle, each member's lines the products it used with their suggestions from
/// the demo's stock and six months of consumption: a draft at 独贵塔拉镇杭锦淖村卫生室 (DGTL-1);
/// submitted orders waiting for review at 独贵塔拉中心卫生院 (DGTL, one quantity typed) and
/// 乌兰村卫生室 (DGTL-2); one returned to 巴拉贡中心卫生院 (BLG) with the reason; one approved
/// but not yet aggregated (BLG-2); one approved with an adjusted line and aggregated into
/// purchase orders (BLG-1), whose e-mails to the suppliers wait in the outbox. The reviews and
/// the aggregation go through the services, as the procurement officer's would.
async fn demo_orders(
    ctx: &Ctx,
    c: i64,
    cycle_id: i64,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    products: &[version::Model],
) -> anyhow::Result<String> {
    use entity::member_order::{self as order, OrderStatus};
    use entity::member_order_line as oline;
    let db = &ctx.db;
    let user = |name: &'static str| async move {
        entity::user::Entity::find().filter(entity::user::Column::Username.eq(name)).one(db).await.map(|u| u.map(|u| u.id))
    };
    #[derive(Clone, Copy, PartialEq)]
    enum Fate {
        Draft,
        Submitted,
        Returned,
        Approved,
        Purchased,
    }
    let pack: HashMap<i64, i32> = products.iter().map(|v| (v.entry_id, v.pack_size.max(1))).collect();
    let officer = officer(db, c).await?;
    let mut made = Vec::new();
    let mut to_buy = Vec::new();
    for (code, username, fate) in [
        ("DGTL-1", "demo-village", Fate::Draft),
        ("DGTL", "demo-pharmacist", Fate::Submitted),
        ("DGTL-2", "demo-pharmacist", Fate::Submitted),
        ("BLG", "demo-pharmacist", Fate::Returned),
        ("BLG-2", "demo-pharmacist", Fate::Approved),
        ("BLG-1", "demo-pharmacist", Fate::Purchased),
    ] {
        let Some(inst) = institution::Entity::find()
            .filter(institution::Column::ConsortiumId.eq(c))
            .filter(institution::Column::Code.eq(code))
            .one(db)
            .await?
        else {
            continue;
        };
        let who = user(username).await?;
        let amc = crate::stock::consumption::average_monthly(db, c, inst.id, today, super::orders::DEFAULT_LOOKBACK).await?;
        let mut used: Vec<(i64, rust_decimal::Decimal)> = amc.into_iter().filter(|(e, a)| pack.contains_key(e) && *a > rust_decimal::Decimal::ZERO).collect();
        used.sort_by_key(|(e, _)| *e);
        if used.is_empty() {
            continue;
        }
        let submitted = fate != Fate::Draft;
        let o = order::Entity::insert(order::ActiveModel {
            consortium_id: Set(c),
            institution_id: Set(inst.id),
            cycle_id: Set(Some(cycle_id)),
            urgent: Set(false),
            urgent_reason: Set(None),
            status: Set(if submitted { OrderStatus::Submitted } else { OrderStatus::Draft }),
            note: Set(Some("本月请领（演示）".into())),
            created_by: Set(who),
            created_at: Set(now),
            updated_at: Set(now),
            submitted_by: Set(if submitted { who } else { None }),
            submitted_at: Set(submitted.then_some(now)),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(db)
        .await?;
        let balances = entity::stock_balance::Entity::find()
            .filter(entity::stock_balance::Column::InstitutionId.eq(inst.id))
            .all(db)
            .await?;
        let mut held: HashMap<i64, i64> = HashMap::new();
        for b in balances {
            *held.entry(b.entry_id).or_default() += b.quantity;
        }
        let lines = used.iter().enumerate().map(|(n, (e, a))| {
            let suggested = rules::o3_suggested(*a, super::orders::DEFAULT_COVER, held.get(e).copied().unwrap_or(0), 0, 0, pack[e]);
            let (quantity, typed) = match (submitted, n) {
                (true, 0) => (Some(suggested + 2), true),
                (true, _) => (Some(suggested.max(1)), false),
                (false, _) => (None, false),
            };
            oline::ActiveModel { order_id: Set(o.id), entry_id: Set(*e), quantity: Set(quantity), typed: Set(typed), ..Default::default() }
        });
        let n = used.len();
        oline::Entity::insert_many(lines).exec_without_returning(db).await?;
        let said = match fate {
            Fate::Draft => "a draft",
            Fate::Submitted => "a submitted",
            Fate::Returned => {
                let req = ReturnOrder { version: 1, reason: "请核对库存后重新提交：部分品种的请领量超过三个月用量。".into() };
                review::return_order(ctx, &officer, o.id, req).await?;
                "a returned"
            }
            Fate::Approved | Fate::Purchased => {
                // The first line is halved, with the reason the member sees.
                let first = oline::Entity::find().filter(oline::Column::OrderId.eq(o.id)).one(db).await?;
                let adjustments = first
                    .filter(|l| fate == Fate::Purchased && l.quantity.unwrap_or(0) > 1)
                    .map(|l| LineAdjustment {
                        line_id: l.id,
                        quantity: l.quantity.unwrap_or(0) / 2,
                        reason: Some("库存尚可，本月减半请领".into()),
                    })
                    .into_iter()
                    .collect();
                review::approve(ctx, &officer, o.id, ApproveOrder { version: 1, adjustments }).await?;
                if fate == Fate::Purchased {
                    to_buy.push(o.id);
                    "a purchased"
                } else {
                    "an approved"
                }
            }
        };
        made.push(format!("{said} order of {n} lines at {code}"));
    }
    if !to_buy.is_empty() {
        let done = super::purchase_orders::generate(ctx, &officer, GeneratePurchaseOrders { order_ids: to_buy }).await?;
        made.push(format!("{} purchase orders", done.purchase_orders.len()));
    }
    Ok(made.join(", "))
}

pub fn demo(a: DemoArgs<'_>) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<String>> + Send + '_>> {
    Box::pin(async move { load(a.ctx, a.ids.consortium, a.clock.today(), a.clock.now()).await })
}
