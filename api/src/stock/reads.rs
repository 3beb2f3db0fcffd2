//! Reading stock: stock on hand with its filters and expiry flags, the ledger and a product's
//! stock card, their Excel exports, and the settings they read (the near-expiry window). Also
//! the HTTP-facing recording and reversal, which check where the actor may move stock.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::rules;
use super::service::{self, MOVE_ANYWHERE, NewMovement, SEE_ALL, institution_in_scope};
use super::views::*;
use crate::error::{AppError, AppResult};
use crate::formulary::service::{Product, products};
use crate::i18n::tr;
use crate::kernel::paging::{Direction, Page};
use crate::kernel::table::{self, Cell};
use crate::kernel::versioned::{expect_version, guarded_update};
use crate::kernel::{Actor, Coded, Ctx, Download};
use entity::institution;
use entity::stock_balance as balance;
use entity::stock_lot as lot;
use entity::stock_movement as movement;
use entity::stock_setting as setting;

/// The near-expiry window when a consortium has not set one.
pub const DEFAULT_NEAR_EXPIRY_DAYS: i32 = 180;

/// The consortium's near-expiry window, in days.
pub async fn near_expiry_days(conn: &impl ConnectionTrait, c: i64) -> AppResult<i32> {
    Ok(setting::Entity::find_by_id(c)
        .one(conn)
        .await?
        .map_or(DEFAULT_NEAR_EXPIRY_DAYS, |s| s.near_expiry_days))
}

pub async fn get_settings(ctx: &Ctx, actor: &Actor) -> AppResult<StockSettings> {
    let c = actor.consortium()?;
    Ok(match setting::Entity::find_by_id(c).one(&ctx.db).await? {
        Some(s) => StockSettings {
            near_expiry_days: s.near_expiry_days,
            version: s.version,
        },
        None => StockSettings {
            near_expiry_days: DEFAULT_NEAR_EXPIRY_DAYS,
            version: 0,
        },
    })
}

/// Change the settings against the version read (409 when someone changed them since).
pub async fn put_settings(ctx: &Ctx, actor: &Actor, req: PutStockSettings) -> AppResult<StockSettings> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let before = setting::Entity::find_by_id(c).one(&tx).await?;
    match &before {
        None => {
            expect_version(0, req.version)?;
            setting::Entity::insert(setting::ActiveModel {
                consortium_id: Set(c),
                near_expiry_days: Set(req.near_expiry_days),
                version: Set(1),
            })
            .exec_without_returning(&tx)
            .await?;
        }
        Some(s) => {
            expect_version(s.version, req.version)?;
            guarded_update(
                &tx,
                setting::Entity::update_many()
                    .col_expr(setting::Column::NearExpiryDays, Expr::value(req.near_expiry_days))
                    .filter(setting::Column::ConsortiumId.eq(c)),
                setting::Column::Version,
                req.version,
            )
            .await?;
        }
    }
    crate::audit::record(
        &tx,
        actor,
        crate::audit::Event::new("stock.settings", "stock_settings", c)
            .before(before.map(|s| s.near_expiry_days))
            .after(req.near_expiry_days),
    )
    .await?;
    tx.commit().await?;
    get_settings(ctx, actor).await
}

/// A product as stock shows it; an entry the formulary does not know (never expected) by its id.
pub fn brief(p: Option<&Product>, entry_id: i64) -> ProductBrief {
    match p {
        Some(p) => ProductBrief {
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone(),
            dosage_form: p.dosage_form.clone(),
            strength: p.strength.clone(),
            manufacturer: p.manufacturer.clone(),
            base_unit: p.base_unit.clone(),
            pack_size: p.pack_size,
            pack_unit: p.pack_unit.clone(),
            cold_chain: p.storage == entity::formulary_version::Storage::ColdChain,
        },
        None => ProductBrief {
            name_zh: format!("#{entry_id}"),
            name_en: format!("#{entry_id}"),
            dosage_form: String::new(),
            strength: String::new(),
            manufacturer: String::new(),
            base_unit: String::new(),
            pack_size: 1,
            pack_unit: String::new(),
            cold_chain: false,
        },
    }
}

/// A quantity of a product in packs and base units.
pub fn packs_of(b: &ProductBrief, q: i64) -> String {
    rules::packs(q, b.pack_size, &b.pack_unit, &b.base_unit)
}

/// The consortium's institutions by id.
pub async fn institutions(conn: &impl ConnectionTrait, c: i64) -> AppResult<HashMap<i64, institution::Model>> {
    Ok(institution::Entity::find()
        .filter(institution::Column::ConsortiumId.eq(c))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect())
}

/// Display names of users.
pub async fn user_names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, String>> {
    let ids: HashSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(entity::user::Entity::find()
        .filter(entity::user::Column::Id.is_in(ids))
        .select_only()
        .column(entity::user::Column::Id)
        .column(entity::user::Column::DisplayName)
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

pub async fn lots_of(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, lot::Model>> {
    let ids: HashSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(lot::Entity::find()
        .filter(lot::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect())
}

/// The sort key of a stock line: institution, product in name order, expiry, lot.
type StockKey = (i64, u32, NaiveDate, i64);

/// Every stock line matching the filters, in order (institution, product name, expiry, lot),
/// with each line's sort key. Reads the running balances, never the history.
async fn stock_lines(ctx: &Ctx, actor: &Actor, q: &StockQuery) -> AppResult<Vec<(StockKey, StockLine)>> {
    let c = actor.consortium()?;
    let today = ctx.clock.today();
    let window = near_expiry_days(&ctx.db, c).await?;
    let inst = institution_in_scope(ctx, actor, SEE_ALL, q.institution_id).await?;
    let text = q.q.as_deref().map(str::trim).unwrap_or("");
    if text.chars().count() > 100 {
        return Err(AppError::field("q", tr("搜索文字最多 100 个字", "search text is at most 100 characters")));
    }
    let mut sel = balance::Entity::find().filter(balance::Column::ConsortiumId.eq(c));
    if !text.is_empty() {
        let found = crate::formulary::service::matching_entries(ctx, c, text).await?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        sel = sel.filter(balance::Column::EntryId.is_in(found));
    }
    if let Some(i) = inst {
        sel = sel.filter(balance::Column::InstitutionId.eq(i));
    }
    if let Some(e) = q.entry_id {
        sel = sel.filter(balance::Column::EntryId.eq(e));
    }
    if !q.include_empty.unwrap_or(false) {
        sel = sel.filter(balance::Column::Quantity.gt(0));
    }
    if let Some(level) = q.level {
        sel = sel.filter(
            balance::Column::InstitutionId.in_subquery(
                Query::select()
                    .column(institution::Column::Id)
                    .from(institution::Entity)
                    .and_where(institution::Column::ConsortiumId.eq(c))
                    .and_where(institution::Column::Level.eq(level))
                    .to_owned(),
            ),
        );
    }
    if let Some(state) = q.expiry {
        let near = today + chrono::Duration::days(i64::from(window));
        let cond = match state {
            ExpiryState::Expired => Condition::all().add(lot::Column::Expiry.lt(today)),
            ExpiryState::Near => Condition::all()
                .add(lot::Column::Expiry.gte(today))
                .add(lot::Column::Expiry.lte(near)),
            ExpiryState::Ok => Condition::all().add(lot::Column::Expiry.gt(near)),
        };
        sel = sel.filter(
            balance::Column::LotId.in_subquery(
                Query::select()
                    .column(lot::Column::Id)
                    .from(lot::Entity)
                    .and_where(lot::Column::ConsortiumId.eq(c))
                    .cond_where(cond)
                    .to_owned(),
            ),
        );
    }
    let rows = sel.all(&ctx.db).await?;
    let lots = lots_of(&ctx.db, rows.iter().map(|b| b.lot_id)).await?;
    let entries: HashSet<i64> = rows.iter().map(|b| b.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), today).await?;
    let insts = institutions(&ctx.db, c).await?;
    let mut out = rows
        .into_iter()
        .map(|b| {
            let l = lots.get(&b.lot_id).ok_or(AppError::NotFound)?;
            let p = prods.get(&b.entry_id);
            let product = brief(p, b.entry_id);
            let key = (b.institution_id, p.map_or(u32::MAX, |p| p.name_pos), l.expiry, b.lot_id);
            Ok((
                key,
                StockLine {
                    institution_id: b.institution_id,
                    institution_name: insts.get(&b.institution_id).map(|i| i.name.clone()).unwrap_or_default(),
                    entry_id: b.entry_id,
                    packs: packs_of(&product, b.quantity),
                    product,
                    lot_id: b.lot_id,
                    lot_no: l.lot_no.clone(),
                    expiry: l.expiry,
                    days_to_expiry: (l.expiry - today).num_days(),
                    expiry_state: rules::expiry_state(l.expiry, today, window),
                    quantity: b.quantity,
                },
            ))
        })
        .collect::<AppResult<Vec<_>>>()?;
    out.sort_unstable_by_key(|(k, _)| *k);
    Ok(out)
}

/// Stock on hand by institution, product (in name order) and lot, with each lot's expiry flag.
pub async fn stock(ctx: &Ctx, actor: &Actor, q: &StockQuery) -> AppResult<StockPage> {
    let page: Page<StockKey> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let mut rows = stock_lines(ctx, actor, q).await?;
    if let Some(after) = page.after {
        let start = rows.partition_point(|(k, _)| *k <= after);
        rows.drain(..start);
    }
    rows.truncate(page.fetch() as usize);
    let (rows, next_cursor) = page.finish(rows, |(k, _)| *k);
    Ok(StockPage {
        items: rows.into_iter().map(|(_, l)| l).collect(),
        next_cursor,
    })
}

/// How many stock lines match the filters (the benchmark's scale).
pub async fn stock_count(ctx: &Ctx, actor: &Actor, q: &StockQuery) -> AppResult<usize> {
    Ok(stock_lines(ctx, actor, q).await?.len())
}

fn state_zh(s: ExpiryState) -> &'static str {
    match s {
        ExpiryState::Ok => "",
        ExpiryState::Near => "近效期",
        ExpiryState::Expired => "已过期",
    }
}

/// The stock list with its filters, every row, as XLSX.
pub async fn export_stock(ctx: &Ctx, actor: &Actor, q: StockExportQuery) -> AppResult<Download> {
    let rows = stock_lines(ctx, actor, &q.into()).await?;
    const HEAD: [&str; 13] = [
        "机构", "药品名称", "规格", "剂型", "生产企业", "批号", "有效期至", "剩余天数", "效期状态",
        "数量(最小单位)", "最小单位", "包装数量", "条目编号",
    ];
    let bytes = table::xlsx(
        "库存",
        &HEAD,
        rows.into_iter().map(|(_, l)| {
            vec![
                Cell::from(l.institution_name),
                l.product.name_zh.into(),
                l.product.strength.into(),
                l.product.dosage_form.into(),
                l.product.manufacturer.into(),
                l.lot_no.into(),
                Cell::Date(l.expiry),
                l.days_to_expiry.into(),
                state_zh(l.expiry_state).into(),
                l.quantity.into(),
                l.product.base_unit.into(),
                l.packs.into(),
                l.entry_id.into(),
            ]
        }),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Download::new(bytes, table::XLSX, format!("库存-{}.xlsx", ctx.clock.today())))
}

/// The ledger's rows newest first, filtered; with `limit` one page after `after`.
async fn movement_rows(
    ctx: &Ctx,
    actor: &Actor,
    f: &MovementExportQuery,
    page: Option<&Page<i64>>,
) -> AppResult<(Vec<Movement>, Option<String>)> {
    let c = actor.consortium()?;
    let today = ctx.clock.today();
    let inst = institution_in_scope(ctx, actor, SEE_ALL, f.institution_id).await?;
    let mut sel = movement::Entity::find().filter(movement::Column::ConsortiumId.eq(c));
    if let Some(i) = inst {
        sel = sel.filter(movement::Column::InstitutionId.eq(i));
    }
    if let Some(e) = f.entry_id {
        sel = sel.filter(movement::Column::EntryId.eq(e));
    }
    if let Some(l) = f.lot_id {
        sel = sel.filter(movement::Column::LotId.eq(l));
    }
    if let Some(k) = f.kind {
        sel = sel.filter(movement::Column::Kind.eq(k));
    }
    let (rows, next) = match page {
        Some(p) => p.by_id(&ctx.db, sel.clone(), movement::Column::Id, Direction::Down, |m| m.id).await?,
        None => (
            sel.clone()
                .order_by_desc(movement::Column::Id)
                .limit(EXPORT_MAX)
                .all(&ctx.db)
                .await?,
            None,
        ),
    };
    // A stock card (one institution and one product): the balance after each row is today's
    // stock of the product there less what moved after the row.
    let card = inst.is_some() && f.entry_id.is_some() && f.lot_id.is_none() && f.kind.is_none();
    let mut after: Option<i64> = None;
    if card && let Some(first) = rows.first() {
        let now: Option<i64> = balance::Entity::find()
            .filter(balance::Column::InstitutionId.eq(inst))
            .filter(balance::Column::EntryId.eq(f.entry_id))
            .select_only()
            .column_as(Expr::cust("CAST(COALESCE(SUM(quantity), 0) AS BIGINT)"), "total")
            .into_tuple()
            .one(&ctx.db)
            .await?;
        let later: Option<i64> = sel
            .filter(movement::Column::Id.gt(first.id))
            .select_only()
            .column_as(Expr::cust("CAST(COALESCE(SUM(quantity), 0) AS BIGINT)"), "total")
            .into_tuple()
            .one(&ctx.db)
            .await?;
        after = Some(now.unwrap_or(0) - later.unwrap_or(0));
    }
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let reversed: HashMap<i64, i64> = movement::Entity::find()
        .filter(movement::Column::ReversesId.is_in(ids))
        .select_only()
        .column(movement::Column::ReversesId)
        .column(movement::Column::Id)
        .into_tuple::<(Option<i64>, i64)>()
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter_map(|(r, id)| r.map(|r| (r, id)))
        .collect();
    let lots = lots_of(&ctx.db, rows.iter().map(|m| m.lot_id)).await?;
    let entries: HashSet<i64> = rows.iter().map(|m| m.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), today).await?;
    let names = user_names(&ctx.db, rows.iter().filter_map(|m| m.actor_id)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let balance_after = after;
        if let Some(a) = after.as_mut() {
            *a -= m.quantity;
        }
        let mut v = view(m, &lots, &prods, &names)?;
        v.reversed_by = reversed.get(&v.id).copied();
        v.balance_after = balance_after;
        out.push(v);
    }
    Ok((out, next))
}

/// The most rows an export of the ledger holds.
const EXPORT_MAX: u64 = 100_000;

/// The ledger, newest first: an institution's, a product's (with both: its stock card, each
/// row with the balance after it).
pub async fn movements(ctx: &Ctx, actor: &Actor, q: &MovementQuery) -> AppResult<MovementPage> {
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let f = MovementExportQuery {
        institution_id: q.institution_id,
        entry_id: q.entry_id,
        lot_id: q.lot_id,
        kind: q.kind,
    };
    let (items, next_cursor) = movement_rows(ctx, actor, &f, Some(&page)).await?;
    Ok(MovementPage { items, next_cursor })
}

/// The ledger with its filters (newest first, at most 100,000 rows) as XLSX.
pub async fn export_movements(ctx: &Ctx, actor: &Actor, f: MovementExportQuery) -> AppResult<Download> {
    let c = actor.consortium()?;
    let (rows, _) = movement_rows(ctx, actor, &f, None).await?;
    let insts = institutions(&ctx.db, c).await?;
    let entries: HashSet<i64> = rows.iter().map(|m| m.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), ctx.clock.today()).await?;
    const HEAD: [&str; 15] = [
        "流水号", "业务日期", "登记时间", "机构", "药品名称", "规格", "批号", "有效期至", "类型",
        "数量(最小单位)", "包装数量", "结存", "原因", "单据", "经办人",
    ];
    let bytes = table::xlsx(
        "库存流水",
        &HEAD,
        rows.into_iter().map(|m| {
            let p = prods.get(&m.entry_id);
            vec![
                Cell::from(m.id),
                Cell::Date(m.occurred_on),
                Cell::from(m.created_at.format("%Y-%m-%d %H:%M").to_string()),
                insts.get(&m.institution_id).map(|i| i.name.clone()).into(),
                p.map(|p| p.name_zh.clone()).into(),
                p.map(|p| p.strength.clone()).into(),
                m.lot_no.into(),
                Cell::Date(m.expiry),
                m.kind.zh().into(),
                m.quantity.into(),
                m.packs.into(),
                m.balance_after.into(),
                m.reason.into(),
                m.document.into(),
                m.actor_name.into(),
            ]
        }),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Download::new(bytes, table::XLSX, format!("库存流水-{}.xlsx", ctx.clock.today())))
}

/// Movements as the API shows them (without stock-card balances).
pub async fn views_of(ctx: &Ctx, c: i64, rows: Vec<movement::Model>) -> AppResult<Vec<Movement>> {
    let lots = lots_of(&ctx.db, rows.iter().map(|m| m.lot_id)).await?;
    let entries: HashSet<i64> = rows.iter().map(|m| m.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), ctx.clock.today()).await?;
    let names = user_names(&ctx.db, rows.iter().filter_map(|m| m.actor_id)).await?;
    rows.into_iter().map(|m| view(m, &lots, &prods, &names)).collect()
}

/// One movement as the API shows it (without its reversal and stock-card balance).
fn view(
    m: movement::Model,
    lots: &HashMap<i64, lot::Model>,
    prods: &HashMap<i64, Product>,
    names: &HashMap<i64, String>,
) -> AppResult<Movement> {
    let l = lots.get(&m.lot_id).ok_or(AppError::NotFound)?;
    let b = brief(prods.get(&m.entry_id), m.entry_id);
    Ok(Movement {
        id: m.id,
        institution_id: m.institution_id,
        entry_id: m.entry_id,
        lot_id: m.lot_id,
        lot_no: l.lot_no.clone(),
        expiry: l.expiry,
        kind: m.kind,
        quantity: m.quantity,
        packs: packs_of(&b, m.quantity),
        reason: m.reason,
        document: m.document,
        reverses_id: m.reverses_id,
        reversed_by: None,
        actor_name: m.actor_id.and_then(|a| names.get(&a).cloned()),
        actor_id: m.actor_id,
        occurred_on: m.occurred_on.unwrap_or_else(|| m.created_at.date_naive()),
        created_at: m.created_at,
        balance_after: None,
    })
}

/// Record movements at one institution the actor may move stock at.
pub async fn record_at(ctx: &Ctx, actor: &Actor, req: RecordMovements) -> AppResult<Vec<Movement>> {
    let c = actor.consortium()?;
    let i = institution_in_scope(ctx, actor, MOVE_ANYWHERE, Some(req.institution_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let moves: Vec<NewMovement> = req
        .movements
        .into_iter()
        .map(|m| NewMovement {
            institution_id: i,
            entry_id: m.entry_id,
            lot_no: m.lot_no,
            expiry: m.expiry,
            kind: m.kind,
            quantity: m.quantity,
            reason: m.reason,
            document: m.document,
            occurred_on: None,
        })
        .collect();
    let rows = service::record(ctx, actor, &moves).await?;
    views_of(ctx, c, rows).await
}

/// Reverse a movement at an institution the actor may move stock at.
pub async fn reverse_at(ctx: &Ctx, actor: &Actor, id: i64, req: ReverseRequest) -> AppResult<Movement> {
    let c = actor.consortium()?;
    let m = movement::Entity::find_by_id(id)
        .filter(movement::Column::ConsortiumId.eq(c))
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    institution_in_scope(ctx, actor, MOVE_ANYWHERE, Some(m.institution_id)).await?;
    let r = service::reverse(ctx, actor, id, &req.reason).await?;
    let mut v = views_of(ctx, c, vec![r]).await?;
    v.pop().ok_or(AppError::NotFound)
}

/// The institutions whose stock the actor sees, lead hospital first then by code.
pub async fn visible_institutions(ctx: &Ctx, actor: &Actor) -> AppResult<Vec<StockInstitution>> {
    let c = actor.consortium()?;
    let own = institution_in_scope(ctx, actor, SEE_ALL, None).await?;
    let moves_anywhere = MOVE_ANYWHERE.iter().any(|r| actor.has(*r));
    let records = actor.roles.iter().any(|r| crate::auth::policy::allows(&[*r], super::RECORD));
    let mut out: Vec<StockInstitution> = institutions(&ctx.db, c)
        .await?
        .into_values()
        .filter(|i| i.active && own.is_none_or(|o| o == i.id))
        .map(|i| StockInstitution {
            may_record: records && (moves_anywhere || actor.institution_id == Some(i.id)),
            id: i.id,
            name: i.name,
            code: i.code,
            level: i.level,
            parent_id: i.parent_id,
        })
        .collect();
    out.sort_by(|a, b| (std::cmp::Reverse(a.level.rank()), &a.code).cmp(&(std::cmp::Reverse(b.level.rank()), &b.code)));
    Ok(out)
}
