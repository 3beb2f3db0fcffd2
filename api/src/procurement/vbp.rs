//! Volume-based procurement progress (带量采购执行进度, O5): per volume-based contract and
//! product, for the consortium and per member, the packs bought in purchase orders so far this
//! contract year against the agreed annual volume and against the pro-rata point (序时进度 =
//! days elapsed ÷ days in the contract year); behind the pro-rata point is a warning.
use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::purchase_orders::sources;
use super::rules;
use super::views::*;
use crate::error::{AppError, AppResult};
use crate::formulary::service::products;
use crate::kernel::{Actor, Ctx};
use crate::stock::reads::{brief, institutions};
use crate::stock::service::institution_in_scope;
use entity::contract_line as cline;
use entity::contract_volume as volume;
use entity::purchase_order::{self as po, PurchaseOrderStatus};
use entity::purchase_order_line as pol;
use entity::supply_contract::{self as contract, ContractKind};

/// Who sees every member's progress (a member's pharmacist sees their own).
const VBP_WIDE: &[entity::user::Role] = &[
    entity::user::Role::Procurement,
    entity::user::Role::Distribution,
    entity::user::Role::ConsortiumAdmin,
    entity::user::Role::Auditor,
    entity::user::Role::Committee,
];

/// The first instant of a China calendar day, in UTC.
fn day_start(d: NaiveDate) -> chrono::DateTime<Utc> {
    let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    crate::kernel::clock::china().from_local_datetime(&local).single().map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

fn figure(purchased: i64, agreed: i64, elapsed: i64, days: i64) -> VbpFigure {
    let (progress, _, behind) = rules::o5_progress(purchased, agreed, elapsed, days);
    VbpFigure { agreed, purchased, progress, behind }
}

pub async fn progress(ctx: &Ctx, actor: &Actor, q: &VbpQuery) -> AppResult<VbpProgress> {
    let c = actor.consortium()?;
    let on = q.on.unwrap_or_else(|| ctx.clock.today());
    let only = institution_in_scope(ctx, actor, VBP_WIDE, q.institution_id).await?;
    let mut sel = contract::Entity::find().filter(contract::Column::ConsortiumId.eq(c)).filter(contract::Column::Kind.eq(ContractKind::Vbp));
    sel = match q.contract_id {
        Some(k) => sel.filter(contract::Column::Id.eq(k)),
        None => sel.filter(contract::Column::ValidFrom.lte(on)).filter(contract::Column::ValidTo.gte(on)),
    };
    let ks = sel.order_by_asc(contract::Column::ValidFrom).order_by_asc(contract::Column::Id).all(&ctx.db).await?;
    if q.contract_id.is_some() && ks.is_empty() {
        return Err(AppError::NotFound);
    }
    let insts = institutions(&ctx.db, c).await?;
    let names = super::contracts::contract_suppliers(&ctx.db, ks.iter().map(|k| k.id).collect()).await?;
    let lines = cline::Entity::find().filter(cline::Column::ContractId.is_in(ks.iter().map(|k| k.id))).all(&ctx.db).await?;
    let entries: HashSet<i64> = lines.iter().map(|l| l.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), on).await?;
    let vols = volume::Entity::find().filter(volume::Column::LineId.is_in(lines.iter().map(|l| l.id))).all(&ctx.db).await?;
    let mut contracts = Vec::with_capacity(ks.len());
    for k in ks {
        let (year_from, year_to) = rules::o5_contract_year(k.valid_from, k.valid_to, on);
        let (elapsed, days) = rules::o5_pro_rata(year_from, year_to, on);
        let (_, pro_rata, _) = rules::o5_progress(0, 0, elapsed, days);
        // The purchase orders of the contract year (up to the day measured on).
        let until = year_to.min(on) + chrono::Days::new(1);
        let pos: HashSet<i64> = po::Entity::find()
            .filter(po::Column::ConsortiumId.eq(c))
            .filter(po::Column::Status.ne(PurchaseOrderStatus::Cancelled))
            .filter(po::Column::CreatedAt.gte(day_start(year_from)))
            .filter(po::Column::CreatedAt.lt(day_start(until)))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let bought: Vec<pol::Model> = if pos.is_empty() {
            Vec::new()
        } else {
            pol::Entity::find()
                .filter(pol::Column::ContractId.eq(k.id))
                .filter(pol::Column::PurchaseOrderId.is_in(pos))
                .all(&ctx.db)
                .await?
        };
        let keys: Vec<(i64, i64)> = bought.iter().map(|l| (l.aggregation_id, l.entry_id)).collect();
        let src = sources(&ctx.db, &keys).await?;
        // Per entry: the consortium's packs and each member's.
        let mut total: HashMap<i64, i64> = HashMap::new();
        let mut by_member: HashMap<(i64, i64), i64> = HashMap::new();
        for l in &bought {
            *total.entry(l.entry_id).or_default() += l.quantity;
            for (i, _, _, packs) in src.get(&(l.aggregation_id, l.entry_id)).into_iter().flatten() {
                *by_member.entry((l.entry_id, *i)).or_default() += packs;
            }
        }
        let mut out_lines = Vec::new();
        for l in lines.iter().filter(|l| l.contract_id == k.id) {
            let agreed_by: HashMap<i64, i64> = vols.iter().filter(|v| v.line_id == l.id).map(|v| (v.institution_id, v.packs)).collect();
            let mut member_ids: Vec<i64> = agreed_by.keys().copied().chain(by_member.keys().filter(|(e, _)| *e == l.entry_id).map(|(_, i)| *i)).collect();
            member_ids.sort();
            member_ids.dedup();
            let mut members: Vec<VbpMember> = member_ids
                .into_iter()
                .filter(|i| only.is_none_or(|o| o == *i))
                .map(|i| VbpMember {
                    institution_id: i,
                    institution_name: insts.get(&i).map(|x| x.name.clone()).unwrap_or_default(),
                    figure: figure(by_member.get(&(l.entry_id, i)).copied().unwrap_or(0), agreed_by.get(&i).copied().unwrap_or(0), elapsed, days),
                })
                .collect();
            members.sort_by(|a, b| a.institution_name.cmp(&b.institution_name));
            let consortium = match only {
                // One member's view: its own figure stands for the line.
                Some(i) => figure(by_member.get(&(l.entry_id, i)).copied().unwrap_or(0), agreed_by.get(&i).copied().unwrap_or(0), elapsed, days),
                None => figure(total.get(&l.entry_id).copied().unwrap_or(0), l.annual_volume.unwrap_or(0), elapsed, days),
            };
            out_lines.push((
                prods.get(&l.entry_id).map_or(u32::MAX, |p| p.name_pos),
                VbpLine { entry_id: l.entry_id, product: brief(prods.get(&l.entry_id), l.entry_id), figure: consortium, members },
            ));
        }
        out_lines.sort_by_key(|(pos, l)| (*pos, l.entry_id));
        let lines: Vec<VbpLine> = out_lines.into_iter().map(|(_, l)| l).collect();
        let behind = u32::try_from(lines.iter().filter(|l| l.figure.behind).count()).unwrap_or(u32::MAX);
        let (contract_no, supplier_name) = names.get(&k.id).cloned().unwrap_or_default();
        contracts.push(VbpContract {
            contract_id: k.id,
            contract_no,
            supplier_name,
            valid_from: k.valid_from,
            valid_to: k.valid_to,
            year_from,
            year_to,
            elapsed_days: elapsed,
            year_days: days,
            pro_rata,
            lines,
            behind,
        });
    }
    Ok(VbpProgress { on, contracts })
}
