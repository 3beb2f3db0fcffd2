//! Supply contracts: a supplier's price per pack for formulary entries over a period; a
//! volume-based one (带量采购) also carries each line's agreed annual volume split per member
//! (O5). One entry has at most one contract on any day, so "the contracted price" of a product
//! on a day is never ambiguous.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::rules;
use super::suppliers;
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::formulary::service::products;
use crate::i18n::tr;
use crate::kernel::money::SCALE_PRICE;
use crate::kernel::paging::Page;
use crate::kernel::versioned::{expect_version, guarded_update};
use crate::kernel::{Actor, Ctx, Money};
use crate::stock::reads::{brief, institutions, user_names};
use entity::contract_line as line;
use entity::contract_volume as volume;
use entity::supplier;
use entity::supply_contract::{self as contract, ContractKind};

pub fn state_on(from: NaiveDate, to: NaiveDate, d: NaiveDate) -> ContractState {
    if d < from {
        ContractState::Future
    } else if d > to {
        ContractState::Ended
    } else {
        ContractState::Current
    }
}

async fn find(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<contract::Model> {
    contract::Entity::find_by_id(id)
        .filter(contract::Column::ConsortiumId.eq(c))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Contracts as the API shows them; with their lines when `with_lines`.
async fn views(ctx: &Ctx, conn: &impl ConnectionTrait, c: i64, rows: Vec<contract::Model>, with_lines: bool) -> AppResult<Vec<Contract>> {
    let today = ctx.clock.today();
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let suppliers: HashMap<i64, String> = supplier::Entity::find()
        .filter(supplier::Column::ConsortiumId.eq(c))
        .select_only()
        .column(supplier::Column::Id)
        .column(supplier::Column::Name)
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let people: Vec<i64> = rows.iter().filter_map(|r| r.created_by).collect();
    let names = user_names(conn, people).await?;
    let mut lines_of: HashMap<i64, Vec<ContractLine>> = HashMap::new();
    let mut counts: HashMap<i64, u32> = HashMap::new();
    if with_lines {
        let lines = line::Entity::find()
            .filter(line::Column::ContractId.is_in(ids.iter().copied()))
            .all(conn)
            .await?;
        let vols = volume::Entity::find()
            .filter(volume::Column::LineId.is_in(lines.iter().map(|l| l.id)))
            .all(conn)
            .await?;
        let insts = institutions(conn, c).await?;
        let mut vols_of: HashMap<i64, Vec<MemberVolume>> = HashMap::new();
        for v in vols {
            vols_of.entry(v.line_id).or_default().push(MemberVolume {
                institution_id: v.institution_id,
                institution_name: insts.get(&v.institution_id).map(|i| i.name.clone()).unwrap_or_default(),
                packs: v.packs,
            });
        }
        let entries: HashSet<i64> = lines.iter().map(|l| l.entry_id).collect();
        let prods = products(ctx, c, Some(&entries), today).await?;
        for l in lines {
            let p = prods.get(&l.entry_id);
            let mut volumes = vols_of.remove(&l.id).unwrap_or_default();
            volumes.sort_by_key(|v| v.institution_id);
            lines_of.entry(l.contract_id).or_default().push(ContractLine {
                id: l.id,
                entry_id: l.entry_id,
                product: brief(p, l.entry_id),
                price: Money::from_minor(l.price, SCALE_PRICE),
                annual_volume: l.annual_volume,
                volumes,
            });
        }
        // name order (拼音) within a contract
        for (cid, ls) in lines_of.iter_mut() {
            ls.sort_by_key(|l| (prods.get(&l.entry_id).map_or(u32::MAX, |p| p.name_pos), l.entry_id));
            counts.insert(*cid, u32::try_from(ls.len()).unwrap_or(u32::MAX));
        }
    } else if !ids.is_empty() {
        let rows: Vec<(i64, i64)> = line::Entity::find()
            .filter(line::Column::ContractId.is_in(ids.iter().copied()))
            .select_only()
            .column(line::Column::ContractId)
            .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
            .group_by(line::Column::ContractId)
            .into_tuple()
            .all(conn)
            .await?;
        counts = rows.into_iter().map(|(id, n)| (id, u32::try_from(n).unwrap_or(0))).collect();
    }
    Ok(rows
        .into_iter()
        .map(|r| Contract {
            id: r.id,
            supplier_name: suppliers.get(&r.supplier_id).cloned().unwrap_or_default(),
            supplier_id: r.supplier_id,
            contract_no: r.contract_no,
            kind: r.kind,
            state: state_on(r.valid_from, r.valid_to, today),
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            note: r.note,
            line_count: counts.get(&r.id).copied().unwrap_or(0),
            lines: lines_of.remove(&r.id).unwrap_or_default(),
            created_by: r.created_by.and_then(|u| names.get(&u).cloned()),
            updated_at: r.updated_at,
            version: r.version,
        })
        .collect())
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Contract> {
    let c = actor.consortium()?;
    let r = find(&ctx.db, c, id).await?;
    views(ctx, &ctx.db, c, vec![r], true).await?.pop().ok_or(AppError::NotFound)
}

/// Contracts, newest first, with the filters.
pub async fn list(ctx: &Ctx, actor: &Actor, q: &ContractQuery) -> AppResult<ContractPage> {
    let c = actor.consortium()?;
    let today = ctx.clock.today();
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let mut sel = contract::Entity::find().filter(contract::Column::ConsortiumId.eq(c));
    if let Some(s) = q.supplier_id {
        sel = sel.filter(contract::Column::SupplierId.eq(s));
    }
    if let Some(k) = q.kind {
        sel = sel.filter(contract::Column::Kind.eq(k));
    }
    if let Some(a) = page.after {
        sel = sel.filter(contract::Column::Id.lt(a));
    }
    let with_entry: Option<HashSet<i64>> = match q.entry_id {
        Some(e) => Some(
            line::Entity::find()
                .filter(line::Column::EntryId.eq(e))
                .select_only()
                .column(line::Column::ContractId)
                .into_tuple::<i64>()
                .all(&ctx.db)
                .await?
                .into_iter()
                .collect(),
        ),
        None => None,
    };
    let suppliers: HashMap<i64, String> = supplier::Entity::find()
        .filter(supplier::Column::ConsortiumId.eq(c))
        .select_only()
        .column(supplier::Column::Id)
        .column(supplier::Column::Name)
        .into_tuple()
        .all(&ctx.db)
        .await?
        .into_iter()
        .collect();
    if q.q.as_deref().is_some_and(|t| t.chars().count() > 100) {
        return Err(AppError::field("q", tr("搜索文字最多 100 个字", "search text is at most 100 characters")));
    }
    let needle = q.q.as_deref().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let mut rows: Vec<contract::Model> = sel
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|r| with_entry.as_ref().is_none_or(|w| w.contains(&r.id)))
        .filter(|r| q.state.is_none_or(|s| state_on(r.valid_from, r.valid_to, today) == s))
        .filter(|r| {
            needle.as_ref().is_none_or(|n| {
                r.contract_no.to_lowercase().contains(n)
                    || suppliers.get(&r.supplier_id).is_some_and(|s| s.to_lowercase().contains(n))
            })
        })
        .collect();
    rows.sort_unstable_by_key(|r| std::cmp::Reverse(r.id));
    rows.truncate(page.fetch() as usize);
    let (rows, next_cursor) = page.finish(rows, |r| r.id);
    Ok(ContractPage {
        items: views(ctx, &ctx.db, c, rows, false).await?,
        next_cursor,
    })
}

/// A line ready to write: entry, price (scale 4), annual volume, members' shares.
struct NewLine {
    entry_id: i64,
    price: i64,
    annual_volume: Option<i64>,
    volumes: Vec<(i64, i64)>,
}

/// A contract's lines checked against the formulary, the rules and the other contracts.
struct Checked {
    lines: Vec<NewLine>,
}

/// `current`: the contract being changed (its id and supplier), none for a new one.
async fn check(ctx: &Ctx, conn: &impl ConnectionTrait, c: i64, req: &ContractInput, current: Option<(i64, i64)>) -> AppResult<Checked> {
    let except = current.map(|k| k.0);
    rules::contract_period(req.valid_from, req.valid_to).map_err(|m| AppError::field("valid_to", m))?;
    let s = suppliers::find(conn, c, req.supplier_id)
        .await
        .map_err(|_| AppError::field("supplier_id", tr("没有这个供应商", "no such supplier")))?;
    // An inactive supplier takes no new contract; one it has can still be corrected.
    if !s.active && current.is_none_or(|k| k.1 != s.id) {
        return Err(AppError::field(
            "supplier_id",
            tr(format!("供应商“{}”已停用", s.name), format!("the supplier \"{}\" is inactive", s.name)),
        ));
    }
    let no = req.contract_no.trim();
    let mut same_no = contract::Entity::find()
        .filter(contract::Column::ConsortiumId.eq(c))
        .filter(contract::Column::ContractNo.eq(no));
    if let Some(id) = except {
        same_no = same_no.filter(contract::Column::Id.ne(id));
    }
    if same_no.one(conn).await?.is_some() {
        return Err(AppError::taken(
            "contract_no",
            tr(format!("合同编号 {no} 已存在"), format!("contract number {no} exists already")),
        ));
    }
    let entries: HashSet<i64> = req.lines.iter().map(|l| l.entry_id).collect();
    if entries.len() != req.lines.len() {
        return Err(AppError::field("lines", tr("同一药品在合同中只能出现一次", "each product appears once in a contract")));
    }
    let prods = products(ctx, c, Some(&entries), ctx.clock.today()).await?;
    let insts = institutions(conn, c).await?;
    let vbp = req.kind == ContractKind::Vbp;
    let mut out = Vec::with_capacity(req.lines.len());
    for (i, l) in req.lines.iter().enumerate() {
        let Some(p) = prods.get(&l.entry_id) else {
            return Err(AppError::field(
                format!("lines[{i}].entry_id"),
                tr(format!("目录中没有条目 {}", l.entry_id), format!("the formulary has no entry {}", l.entry_id)),
            ));
        };
        let name = format!("{} {}", p.name_zh, p.strength);
        let price = l
            .price
            .to_minor(SCALE_PRICE)
            .map_err(|e| AppError::field(format!("lines[{i}].price"), e.message()))?;
        if price <= 0 {
            return Err(AppError::field(
                format!("lines[{i}].price"),
                tr(format!("{name}：单价须大于 0"), format!("{name}: the price is more than 0")),
            ));
        }
        let mut seen = HashSet::new();
        for v in &l.volumes {
            if !insts.contains_key(&v.institution_id) {
                return Err(AppError::field(
                    format!("lines[{i}].volumes"),
                    tr(format!("本医共体没有机构 {}", v.institution_id), format!("the consortium has no institution {}", v.institution_id)),
                ));
            }
            if !seen.insert(v.institution_id) {
                return Err(AppError::field(
                    format!("lines[{i}].volumes"),
                    tr("同一成员单位只能出现一次", "each member appears once"),
                ));
            }
        }
        let shares: Vec<i64> = l.volumes.iter().map(|v| v.packs).collect();
        rules::o5_volume_split(vbp, l.annual_volume, &shares, &name)?;
        out.push(NewLine {
            entry_id: l.entry_id,
            price,
            annual_volume: l.annual_volume,
            volumes: l.volumes.iter().filter(|v| v.packs > 0).map(|v| (v.institution_id, v.packs)).collect(),
        });
    }
    // One contract per entry on any day: the price of a product on a day is never ambiguous.
    let others: Vec<(i64, i64)> = line::Entity::find()
        .filter(line::Column::EntryId.is_in(entries.iter().copied()))
        .select_only()
        .column(line::Column::ContractId)
        .column(line::Column::EntryId)
        .into_tuple()
        .all(conn)
        .await?;
    let other_ids: HashSet<i64> = others.iter().map(|o| o.0).filter(|id| Some(*id) != except).collect();
    if !other_ids.is_empty() {
        let clashing: HashMap<i64, contract::Model> = contract::Entity::find()
            .filter(contract::Column::ConsortiumId.eq(c))
            .filter(contract::Column::Id.is_in(other_ids))
            .filter(contract::Column::ValidFrom.lte(req.valid_to))
            .filter(contract::Column::ValidTo.gte(req.valid_from))
            .all(conn)
            .await?
            .into_iter()
            .map(|k| (k.id, k))
            .collect();
        if let Some((k, e)) = others.iter().find_map(|(k, e)| clashing.get(k).map(|k| (k, e))) {
            let p = prods.get(e).map(|p| format!("{} {}", p.name_zh, p.strength)).unwrap_or_default();
            // A conflict with stored data (409), named on the line, so it is not taken for a
            // concurrent edit.
            let i = req.lines.iter().position(|l| l.entry_id == *e).unwrap_or(0);
            return Err(AppError::taken(
                format!("lines[{i}].entry_id"),
                tr(
                format!(
                    "{p} 已在合同 {}（{} 至 {}）中，两份合同的期限重叠：同一药品同一天只能有一个合同价。请先调整那份合同的期限",
                    k.contract_no, k.valid_from, k.valid_to
                ),
                format!(
                    "{p} is in contract {} ({} to {}) whose period overlaps this one: a product has one contracted price on any day; change that contract's period first",
                    k.contract_no, k.valid_from, k.valid_to
                ),
                ),
            ));
        }
    }
    Ok(Checked { lines: out })
}

async fn write_lines(conn: &impl ConnectionTrait, contract_id: i64, lines: Vec<NewLine>) -> AppResult<()> {
    for NewLine { entry_id: entry, price, annual_volume: annual, volumes: vols } in lines {
        let l = line::Entity::insert(line::ActiveModel {
            contract_id: Set(contract_id),
            entry_id: Set(entry),
            price: Set(price),
            annual_volume: Set(annual),
            ..Default::default()
        })
        .exec_with_returning(conn)
        .await?;
        if !vols.is_empty() {
            volume::Entity::insert_many(vols.into_iter().map(|(i, packs)| volume::ActiveModel {
                line_id: Set(l.id),
                institution_id: Set(i),
                packs: Set(packs),
            }))
            .exec_without_returning(conn)
            .await?;
        }
    }
    Ok(())
}

pub async fn create(ctx: &Ctx, actor: &Actor, req: ContractInput) -> AppResult<Contract> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let v = create_in(ctx, &tx, actor, c, req).await?;
    tx.commit().await?;
    Ok(v)
}

/// Create a contract inside the caller's transaction (checked as `create` checks it).
pub async fn create_in(ctx: &Ctx, tx: &impl ConnectionTrait, actor: &Actor, c: i64, req: ContractInput) -> AppResult<Contract> {
    let now = ctx.clock.now();
    let checked = check(ctx, tx, c, &req, None).await?;
    let k = contract::Entity::insert(contract::ActiveModel {
        consortium_id: Set(c),
        supplier_id: Set(req.supplier_id),
        contract_no: Set(req.contract_no.trim().to_owned()),
        kind: Set(req.kind),
        valid_from: Set(req.valid_from),
        valid_to: Set(req.valid_to),
        note: Set(req.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(tx)
    .await?;
    write_lines(tx, k.id, checked.lines).await?;
    let v = views(ctx, tx, c, vec![k], true).await?.pop().ok_or(AppError::NotFound)?;
    audit::record(
        tx,
        actor,
        Event::new("contract.create", "supply_contract", v.id).after(serde_json::json!({"contract_no": v.contract_no, "kind": v.kind,
            "supplier_id": v.supplier_id, "valid_from": v.valid_from, "valid_to": v.valid_to, "lines": v.line_count})),
    )
    .await?;
    Ok(v)
}

/// Replace a contract's content (its lines too), with the version read.
pub async fn update(ctx: &Ctx, actor: &Actor, id: i64, u: ContractUpdate) -> AppResult<Contract> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let before = find(&tx, c, id).await?;
    let (version, req) = (u.version, u.contract);
    expect_version(before.version, version)?;
    let checked = check(ctx, &tx, c, &req, Some((id, before.supplier_id))).await.map_err(|e| e.under("contract"))?;
    guarded_update(
        &tx,
        contract::Entity::update_many()
            .col_expr(contract::Column::SupplierId, Expr::value(req.supplier_id))
            .col_expr(contract::Column::ContractNo, Expr::value(req.contract_no.trim().to_owned()))
            .col_expr(contract::Column::Kind, Expr::value(req.kind))
            .col_expr(contract::Column::ValidFrom, Expr::value(req.valid_from))
            .col_expr(contract::Column::ValidTo, Expr::value(req.valid_to))
            .col_expr(contract::Column::Note, Expr::value(req.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())))
            .col_expr(contract::Column::UpdatedAt, Expr::value(ctx.clock.now()))
            .filter(contract::Column::Id.eq(id)),
        contract::Column::Version,
        version,
    )
    .await?;
    let old: Vec<i64> = line::Entity::find()
        .filter(line::Column::ContractId.eq(id))
        .select_only()
        .column(line::Column::Id)
        .into_tuple()
        .all(&tx)
        .await?;
    volume::Entity::delete_many().filter(volume::Column::LineId.is_in(old)).exec(&tx).await?;
    line::Entity::delete_many().filter(line::Column::ContractId.eq(id)).exec(&tx).await?;
    write_lines(&tx, id, checked.lines).await?;
    let k = find(&tx, c, id).await?;
    let v = views(ctx, &tx, c, vec![k], true).await?.pop().ok_or(AppError::NotFound)?;
    audit::record(
        &tx,
        actor,
        Event::new("contract.update", "supply_contract", id)
            .before(serde_json::json!({"contract_no": before.contract_no, "kind": before.kind, "valid_from": before.valid_from, "valid_to": before.valid_to}))
            .after(serde_json::json!({"contract_no": v.contract_no, "kind": v.kind, "valid_from": v.valid_from, "valid_to": v.valid_to, "lines": v.line_count})),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// The contracted price per pack (scale 4) and contract of each entry on a day, where there is
/// one: what orders and purchase orders price at.
pub async fn prices_on(conn: &impl ConnectionTrait, c: i64, entries: &HashSet<i64>, d: NaiveDate) -> AppResult<HashMap<i64, (i64, i64)>> {
    if entries.is_empty() {
        return Ok(HashMap::new());
    }
    let valid: HashSet<i64> = contract::Entity::find()
        .filter(contract::Column::ConsortiumId.eq(c))
        .filter(contract::Column::ValidFrom.lte(d))
        .filter(contract::Column::ValidTo.gte(d))
        .select_only()
        .column(contract::Column::Id)
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let rows: Vec<(i64, i64, i64)> = line::Entity::find()
        .filter(line::Column::EntryId.is_in(entries.iter().copied()))
        .select_only()
        .column(line::Column::EntryId)
        .column(line::Column::Price)
        .column(line::Column::ContractId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| valid.contains(&r.2))
        .map(|(e, p, k)| (e, (p, k)))
        .collect())
}

/// O5: for each of `prods` not under a volume-based contract on `d`, a product of the same
/// generic name (名称, which carries the dosage form) that is — the one of the same strength
/// when there is one — for the order line to offer as a switch (one the member may order).
pub async fn vbp_alternatives(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    c: i64,
    prods: &HashMap<i64, crate::formulary::service::Product>,
    level: entity::institution::Level,
    d: NaiveDate,
) -> AppResult<HashMap<i64, VbpAlternative>> {
    let vbp: HashMap<i64, String> = contract::Entity::find()
        .filter(contract::Column::ConsortiumId.eq(c))
        .filter(contract::Column::Kind.eq(ContractKind::Vbp))
        .filter(contract::Column::ValidFrom.lte(d))
        .filter(contract::Column::ValidTo.gte(d))
        .select_only()
        .column(contract::Column::Id)
        .column(contract::Column::ContractNo)
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    if vbp.is_empty() || prods.is_empty() {
        return Ok(HashMap::new());
    }
    let selected: Vec<(i64, i64, i64)> = line::Entity::find()
        .filter(line::Column::ContractId.is_in(vbp.keys().copied()))
        .select_only()
        .column(line::Column::EntryId)
        .column(line::Column::Price)
        .column(line::Column::ContractId)
        .into_tuple()
        .all(conn)
        .await?;
    let ids: HashSet<i64> = selected.iter().map(|s| s.0).collect();
    let vbp_prods = products(ctx, c, Some(&ids), d).await?;
    let mut out = HashMap::new();
    for (e, p) in prods {
        if ids.contains(e) {
            continue;
        }
        let best = selected
            .iter()
            .filter_map(|(se, price, k)| vbp_prods.get(se).map(|sp| (sp, *price, *k)))
            .filter(|(sp, _, _)| sp.name_zh == p.name_zh && sp.status == entity::formulary_version::EntryStatus::Active && level.may_use(sp.level_scope))
            .min_by_key(|(sp, _, _)| (sp.strength != p.strength, sp.name_pos));
        if let Some((sp, price, k)) = best {
            out.insert(
                *e,
                VbpAlternative {
                    entry_id: sp.entry_id,
                    product: brief(Some(sp), sp.entry_id),
                    contract_no: vbp.get(&k).cloned().unwrap_or_default(),
                    price: Money::from_minor(price, SCALE_PRICE),
                },
            );
        }
    }
    Ok(out)
}

/// Contracts' numbers and their suppliers' names, by contract id.
pub async fn contract_suppliers(conn: &impl ConnectionTrait, ids: HashSet<i64>) -> AppResult<HashMap<i64, (String, String)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String, i64)> = contract::Entity::find()
        .filter(contract::Column::Id.is_in(ids))
        .select_only()
        .column(contract::Column::Id)
        .column(contract::Column::ContractNo)
        .column(contract::Column::SupplierId)
        .into_tuple()
        .all(conn)
        .await?;
    let suppliers: HashMap<i64, String> = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(rows.iter().map(|r| r.2).collect::<HashSet<_>>()))
        .select_only()
        .column(supplier::Column::Id)
        .column(supplier::Column::Name)
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows.into_iter().map(|(k, no, s)| (k, (no, suppliers.get(&s).cloned().unwrap_or_default()))).collect())
}
