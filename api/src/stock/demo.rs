//! The demo's stock: opening stock at the central warehouse and at every member (several lots
//! of each product, one lot near its expiry and one expired at each institution), six months
//! of weekly consumption at the members, one stocktake counted and approved by a second person
//! at 独贵塔拉中心卫生院, and a disposal of its expired lot waiting for approval. Every movement
//! goes through the ledger (`service::record_in`), so balances and `tongyao stock verify` agree.
use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use super::service::{self, NewMovement};
use crate::capability::DemoArgs;
use entity::formulary_version::{self as version, EntryStatus};
use entity::institution::{self, Level};
use entity::stock_movement::{self as movement, AdjustmentReason, MovementKind};

/// A small deterministic generator (the demo is the same on every load).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// In `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
}

struct Product {
    entry: i64,
    pack: i64,
    scope: Level,
}

async fn user(db: &DatabaseConnection, name: &str) -> anyhow::Result<i64> {
    entity::user::Entity::find()
        .filter(entity::user::Column::Username.eq(name))
        .one(db)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("demo user {name} missing"))
}

fn opening(inst: i64, p: &Product, lot: String, expiry: NaiveDate, q: i64, on: NaiveDate) -> NewMovement {
    NewMovement {
        institution_id: inst,
        entry_id: p.entry,
        lot_no: lot,
        expiry,
        kind: MovementKind::Opening,
        quantity: q,
        reason: None,
        document: Some("期初库存（演示）".into()),
        occurred_on: Some(on),
    }
}

/// Load the demo's stock into consortium `c` (nothing when it has stock already).
pub async fn load(db: &DatabaseConnection, c: i64, today: NaiveDate, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<String> {
    if movement::Entity::find().filter(movement::Column::ConsortiumId.eq(c)).count(db).await? > 0 {
        return Ok("stock present already".into());
    }
    let mut products: Vec<Product> = version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(version::Column::Status.eq(EntryStatus::Active))
        .filter(version::Column::ValidFrom.lte(today))
        .all(db)
        .await?
        .into_iter()
        .filter(|v| v.valid_to.is_none_or(|t| t > today))
        .map(|v| Product { entry: v.entry_id, pack: i64::from(v.pack_size.max(1)), scope: v.level_scope })
        .collect();
    products.sort_by_key(|p| p.entry);
    let mut insts = institution::Entity::find()
        .filter(institution::Column::ConsortiumId.eq(c))
        .filter(institution::Column::Active.eq(true))
        .all(db)
        .await?;
    insts.sort_by_key(|i| i.id);
    let (pharmacist, distribution) = (user(db, "demo-pharmacist").await?, user(db, "demo-distribution").await?);
    let mut rng = Rng(20_261_204);
    let start = today - Duration::days(182);
    let mut moves: Vec<NewMovement> = Vec::new();
    let mut used: Vec<NewMovement> = Vec::new();
    let mut lot_no = 0u32;
    let mut next_lot = |prefix: &str| {
        lot_no += 1;
        format!("{prefix}{:02}{lot_no:04}", (today.format("%y").to_string()))
    };
    for inst in &insts {
        let usable: Vec<&Product> = products.iter().filter(|p| inst.level.may_use(p.scope)).collect();
        if usable.is_empty() {
            continue;
        }
        // The warehouse holds every product in whole packs; a township about 30, a village 12.
        let (share, prefix) = match inst.level {
            Level::Lead => (usable.len(), "K"),
            Level::Secondary | Level::Township => (30.min(usable.len()), "T"),
            Level::Village => (12.min(usable.len()), "V"),
        };
        let step = (usable.len() / share).max(1);
        let held: Vec<&Product> = usable.iter().step_by(step).take(share).copied().collect();
        for (n, p) in held.iter().enumerate() {
            let fresh = today + Duration::days(rng.between(400, 900));
            if inst.level == Level::Lead {
                moves.push(opening(inst.id, p, next_lot(prefix), fresh, p.pack * rng.between(20, 200), start));
                if n % 3 == 0 {
                    let sooner = today + Duration::days(rng.between(220, 380));
                    moves.push(opening(inst.id, p, next_lot(prefix), sooner, p.pack * rng.between(10, 60), start));
                }
            } else {
                // Six months of weekly consumption, and what is left on hand at the end.
                let weekly = rng.between(p.pack / 2 + 1, p.pack * 3);
                let mut total = 0;
                let mut week = start + Duration::days(3);
                while week < today {
                    let q = (weekly * rng.between(60, 140) / 100).max(1);
                    total += q;
                    used.push(NewMovement {
                        institution_id: inst.id,
                        entry_id: p.entry,
                        lot_no: String::new(),
                        expiry: fresh,
                        kind: MovementKind::Consumption,
                        quantity: -q,
                        reason: None,
                        document: Some(format!("领用 {week}")),
                        occurred_on: Some(week),
                    });
                    week += Duration::days(7);
                }
                let left = p.pack * rng.between(1, 8) + rng.between(0, p.pack - 1);
                let lot = next_lot(prefix);
                for u in used.iter_mut().filter(|u| u.lot_no.is_empty()) {
                    u.lot_no = lot.clone();
                }
                moves.push(opening(inst.id, p, lot, fresh, total + left, start));
            }
        }
        // One lot near its expiry and one expired at every institution.
        if let (Some(a), Some(b)) = (held.first(), held.get(1)) {
            let near = today + Duration::days(rng.between(40, 120));
            let gone = today - Duration::days(rng.between(5, 40));
            moves.push(opening(inst.id, a, next_lot(prefix), near, a.pack * rng.between(2, 6), start));
            moves.push(opening(inst.id, b, next_lot(prefix), gone, b.pack * rng.between(1, 3), start));
        }
    }
    let tx = crate::db::begin_write(db).await?;
    let written = service::record_in(&tx, c, Some(distribution), now, today, &moves).await?.len();
    // Consumption is recorded in date order, after the opening stock it draws on.
    used.sort_by_key(|u| u.occurred_on);
    let consumed = service::record_in(&tx, c, Some(pharmacist), now, today, &used).await?.len();
    let town = insts.iter().find(|i| i.code == "DGTL").map(|i| i.id);
    let mut report = format!("stock movements: {written} opening, {consumed} consumption");
    if let Some(town) = town {
        stocktake(&tx, c, town, pharmacist, distribution, today, now).await?;
        disposal(&tx, c, town, pharmacist, today, now).await?;
        report.push_str("; a stocktake approved and a disposal pending at DGTL");
    }
    tx.commit().await?;
    Ok(report)
}

/// A stocktake at the institution a week ago: counted by the pharmacist with two differences
/// (one lost pack's worth of tablets, one found), approved by distribution staff.
async fn stocktake(
    tx: &sea_orm::DatabaseTransaction,
    c: i64,
    inst: i64,
    counter: i64,
    approver: i64,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    use entity::stock_balance as balance;
    use entity::stocktake::{self as take, StocktakeStatus};
    use entity::stocktake_line as line;
    let at = now - Duration::days(7);
    let st = take::Entity::insert(take::ActiveModel {
        consortium_id: Set(c),
        institution_id: Set(inst),
        status: Set(StocktakeStatus::Approved),
        note: Set(Some("季度盘点（演示）".into())),
        started_by: Set(Some(counter)),
        started_at: Set(at),
        submitted_by: Set(Some(counter)),
        submitted_at: Set(Some(at + Duration::hours(3))),
        decided_by: Set(Some(approver)),
        decided_at: Set(Some(at + Duration::hours(5))),
        version: Set(3),
        ..Default::default()
    })
    .exec_with_returning(tx)
    .await?;
    let mut held = balance::Entity::find()
        .filter(balance::Column::InstitutionId.eq(inst))
        .filter(balance::Column::Quantity.gt(0))
        .all(tx)
        .await?;
    held.sort_by_key(|b| b.lot_id);
    let lots: HashMap<i64, entity::stock_lot::Model> = entity::stock_lot::Entity::find()
        .filter(entity::stock_lot::Column::Id.is_in(held.iter().map(|b| b.lot_id)))
        .all(tx)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let mut diffs = Vec::new();
    for (n, b) in held.iter().enumerate() {
        let (counted, reason) = match n {
            0 if b.quantity > 3 => (b.quantity - 3, Some(AdjustmentReason::Loss)),
            1 => (b.quantity + 2, Some(AdjustmentReason::Correction)),
            _ => (b.quantity, None),
        };
        if counted != b.quantity {
            let l = &lots[&b.lot_id];
            diffs.push(NewMovement {
                institution_id: inst,
                entry_id: b.entry_id,
                lot_no: l.lot_no.clone(),
                expiry: l.expiry,
                kind: MovementKind::Stocktake,
                quantity: counted - b.quantity,
                reason,
                document: Some(format!("盘点 #{}", st.id)),
                occurred_on: Some(today - Duration::days(7)),
            });
        }
        line::Entity::insert(line::ActiveModel {
            stocktake_id: Set(st.id),
            entry_id: Set(b.entry_id),
            lot_id: Set(b.lot_id),
            book_quantity: Set(b.quantity),
            counted: Set(Some(counted)),
            book_at_count: Set(Some(b.quantity)),
            reason: Set(reason.map(|r| entity::codes::Coded::code(r).to_owned())),
            counted_by: Set(Some(counter)),
            counted_at: Set(Some(at + Duration::hours(2))),
            ..Default::default()
        })
        .exec_without_returning(tx)
        .await?;
    }
    service::record_in(tx, c, Some(approver), now, today, &diffs).await?;
    Ok(())
}

/// The institution's expired lots, asked to be disposed of by its pharmacist (pending).
async fn disposal(
    tx: &sea_orm::DatabaseTransaction,
    c: i64,
    inst: i64,
    by: i64,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    use entity::stock_balance as balance;
    use entity::stock_disposal::{self as disposal, DisposalStatus};
    use entity::stock_disposal_line as dline;
    let expired: Vec<i64> = entity::stock_lot::Entity::find()
        .filter(entity::stock_lot::Column::ConsortiumId.eq(c))
        .filter(entity::stock_lot::Column::Expiry.lt(today))
        .all(tx)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let held = balance::Entity::find()
        .filter(balance::Column::InstitutionId.eq(inst))
        .filter(balance::Column::LotId.is_in(expired))
        .filter(balance::Column::Quantity.gt(0))
        .all(tx)
        .await?;
    if held.is_empty() {
        return Ok(());
    }
    let d = disposal::Entity::insert(disposal::ActiveModel {
        consortium_id: Set(c),
        institution_id: Set(inst),
        status: Set(DisposalStatus::Pending),
        reason: Set(AdjustmentReason::Expiry),
        note: Set(Some("过期药品报损（演示）".into())),
        requested_by: Set(Some(by)),
        requested_at: Set(now - Duration::hours(2)),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(tx)
    .await?;
    for b in held {
        dline::Entity::insert(dline::ActiveModel {
            disposal_id: Set(d.id),
            entry_id: Set(b.entry_id),
            lot_id: Set(b.lot_id),
            quantity: Set(b.quantity),
            ..Default::default()
        })
        .exec_without_returning(tx)
        .await?;
    }
    Ok(())
}

pub fn demo(
    a: DemoArgs<'_>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<String>> + Send + '_>> {
    Box::pin(async move { load(a.db, a.ids.consortium, a.clock.today(), a.clock.now()).await })
}
