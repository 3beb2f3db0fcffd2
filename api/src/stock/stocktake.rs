//! Stocktake (盘点): a count sheet per institution that freezes the book at its start; counts
//! entered on screen or imported back from the exported sheet; each difference is taken
//! against the book when the lot was counted (so stock that moved during the count is not
//! mistaken for a difference), needs its cause, and moves the ledger only when a second person
//! approves the sheet.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};

use super::reads::{brief, institutions, lots_of, packs_of, user_names};
use super::rules;
use super::service::{self, MOVE_ANYWHERE, NewMovement, SEE_ALL, institution_in_scope, on_hand};
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::formulary::service::products;
use crate::i18n::tr;
use crate::kernel::paging::{Direction, Page};
use crate::kernel::table::{self, Cell};
use crate::kernel::versioned::{expect_version, guarded_update};
use crate::kernel::{Actor, Coded, Ctx, Download};
use entity::stock_balance as balance;
use entity::stock_movement::MovementKind;
use entity::stocktake::{self as take, StocktakeStatus as Status};
use entity::stocktake_line as line;

/// Start a stocktake at an institution: its sheet holds every lot with stock, the book frozen
/// now. One open stocktake per institution at a time.
pub async fn start(ctx: &Ctx, actor: &Actor, req: StartStocktake) -> AppResult<Stocktake> {
    let c = actor.consortium()?;
    let i = institution_in_scope(ctx, actor, MOVE_ANYWHERE, Some(req.institution_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let tx = ctx.write().await?;
    if let Some(open) = take::Entity::find()
        .filter(take::Column::InstitutionId.eq(i))
        .filter(take::Column::Status.is_in([Status::Counting, Status::Submitted]))
        .one(&tx)
        .await?
    {
        return Err(AppError::Conflict(tr(
            format!("本机构已有未完成的盘点 #{}（{}），请先完成或作废", open.id, open.status.zh()),
            format!("this institution has an unfinished stocktake #{} ({}); finish or cancel it first", open.id, open.status.code()),
        )));
    }
    let now = ctx.clock.now();
    let st = take::Entity::insert(take::ActiveModel {
        consortium_id: Set(c),
        institution_id: Set(i),
        status: Set(Status::Counting),
        note: Set(req.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())),
        started_by: Set(actor.user_id),
        started_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(&tx)
    .await
    .map_err(|e| match AppError::from(e) {
        // Two starts at once: the unique index on open stocktakes keeps one.
        AppError::Conflict(_) | AppError::Internal(_) => AppError::Conflict(tr(
            "本机构刚刚已开始一次盘点，请刷新",
            "a stocktake was just started at this institution; reload",
        )),
        other => other,
    })?;
    let held = balance::Entity::find()
        .filter(balance::Column::InstitutionId.eq(i))
        .filter(balance::Column::Quantity.gt(0))
        .all(&tx)
        .await?;
    let rows: Vec<line::ActiveModel> = held
        .iter()
        .map(|b| line::ActiveModel {
            stocktake_id: Set(st.id),
            entry_id: Set(b.entry_id),
            lot_id: Set(b.lot_id),
            book_quantity: Set(b.quantity),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        line::Entity::insert_many(chunk.to_vec()).exec_without_returning(&tx).await?;
    }
    audit::record(&tx, actor, Event::new("stocktake.start", "stocktake", st.id).after(serde_json::json!({"institution_id": i, "lines": held.len()}))).await?;
    tx.commit().await?;
    get(ctx, actor, st.id).await
}

/// The stocktake, if the actor may see its institution.
async fn find(ctx: &Ctx, actor: &Actor, id: i64, wide: &[entity::user::Role]) -> AppResult<take::Model> {
    let c = actor.consortium()?;
    let st = take::Entity::find_by_id(id)
        .filter(take::Column::ConsortiumId.eq(c))
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    institution_in_scope(ctx, actor, wide, Some(st.institution_id)).await?;
    Ok(st)
}

/// (lines, counted, differences) per stocktake, counted by the database.
async fn tallies(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<HashMap<i64, (u64, u64, u64)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64, i64, i64)> = line::Entity::find()
        .select_only()
        .column(line::Column::StocktakeId)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "lines")
        .column_as(Expr::cust("CAST(COUNT(counted) AS BIGINT)"), "counted")
        .column_as(
            Expr::cust(
                "CAST(SUM(CASE WHEN counted IS NOT NULL AND counted <> COALESCE(book_at_count, book_quantity) \
                 THEN 1 ELSE 0 END) AS BIGINT)",
            ),
            "differences",
        )
        .filter(line::Column::StocktakeId.is_in(ids.iter().copied()))
        .group_by(line::Column::StocktakeId)
        .into_tuple()
        .all(conn)
        .await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|(id, lines, counted, diffs)| (id, (n(lines), n(counted), n(diffs))))
        .collect())
}

async fn summaries(ctx: &Ctx, c: i64, rows: Vec<take::Model>) -> AppResult<Vec<StocktakeSummary>> {
    let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let t = tallies(&ctx.db, &ids).await?;
    let insts = institutions(&ctx.db, c).await?;
    let people: Vec<i64> = rows
        .iter()
        .flat_map(|s| [s.started_by, s.submitted_by, s.decided_by])
        .flatten()
        .collect();
    let names = user_names(&ctx.db, people).await?;
    let name = |u: Option<i64>| u.and_then(|u| names.get(&u).cloned());
    Ok(rows
        .into_iter()
        .map(|s| {
            let (lines, counted, differences) = t.get(&s.id).copied().unwrap_or_default();
            StocktakeSummary {
                id: s.id,
                institution_id: s.institution_id,
                institution_name: insts.get(&s.institution_id).map(|i| i.name.clone()).unwrap_or_default(),
                status: s.status,
                note: s.note,
                started_by: name(s.started_by),
                started_at: s.started_at,
                submitted_by: name(s.submitted_by),
                submitted_by_id: s.submitted_by,
                submitted_at: s.submitted_at,
                decided_by: name(s.decided_by),
                decided_at: s.decided_at,
                decision_note: s.decision_note,
                lines,
                counted,
                differences,
                version: s.version,
            }
        })
        .collect())
}

pub async fn list(ctx: &Ctx, actor: &Actor, q: &StocktakeQuery) -> AppResult<StocktakePage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let inst = institution_in_scope(ctx, actor, SEE_ALL, q.institution_id).await?;
    let mut sel = take::Entity::find().filter(take::Column::ConsortiumId.eq(c));
    if let Some(i) = inst {
        sel = sel.filter(take::Column::InstitutionId.eq(i));
    }
    if let Some(s) = q.status {
        sel = sel.filter(take::Column::Status.eq(s));
    }
    let (rows, next_cursor) = page.by_id(&ctx.db, sel, take::Column::Id, Direction::Down, |s| s.id).await?;
    Ok(StocktakePage {
        items: summaries(ctx, c, rows).await?,
        next_cursor,
    })
}

/// The stocktake and its sheet, lines in product-name order then expiry.
pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Stocktake> {
    let c = actor.consortium()?;
    let st = find(ctx, actor, id, SEE_ALL).await?;
    let lines = line::Entity::find()
        .filter(line::Column::StocktakeId.eq(id))
        .all(&ctx.db)
        .await?;
    let lots = lots_of(&ctx.db, lines.iter().map(|l| l.lot_id)).await?;
    let entries: HashSet<i64> = lines.iter().map(|l| l.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), ctx.clock.today()).await?;
    let names = user_names(&ctx.db, lines.iter().filter_map(|l| l.counted_by)).await?;
    let mut items: Vec<(u32, StocktakeLine)> = lines
        .into_iter()
        .map(|l| {
            let lot = lots.get(&l.lot_id).ok_or(AppError::NotFound)?;
            let p = prods.get(&l.entry_id);
            let product = brief(p, l.entry_id);
            let difference = l.counted.map(|n| n - l.book_at_count.unwrap_or(l.book_quantity));
            Ok((
                p.map_or(u32::MAX, |p| p.name_pos),
                StocktakeLine {
                    id: l.id,
                    entry_id: l.entry_id,
                    book_packs: packs_of(&product, l.book_quantity),
                    difference_packs: difference.map(|d| packs_of(&product, d)),
                    product,
                    lot_id: l.lot_id,
                    lot_no: lot.lot_no.clone(),
                    expiry: lot.expiry,
                    book_quantity: l.book_quantity,
                    counted: l.counted,
                    moved_since: l.book_at_count.map(|b| b - l.book_quantity),
                    difference,
                    reason: l.reason.as_deref().and_then(AdjustmentReason::parse),
                    counted_by: l.counted_by.and_then(|u| names.get(&u).cloned()),
                    counted_at: l.counted_at,
                },
            ))
        })
        .collect::<AppResult<_>>()?;
    items.sort_by_key(|(pos, l)| (*pos, l.expiry, l.lot_id));
    let summary = summaries(ctx, c, vec![st]).await?.pop().ok_or(AppError::NotFound)?;
    Ok(Stocktake {
        summary,
        items: items.into_iter().map(|(_, l)| l).collect(),
    })
}

/// Hold the stocktake for a change while it is being counted: bumps its version, so a submit
/// made against the version before waits for or conflicts with the counts.
async fn hold_counting(conn: &impl ConnectionTrait, id: i64) -> AppResult<()> {
    let r = take::Entity::update_many()
        .col_expr(take::Column::Version, Expr::col(take::Column::Version).add(1))
        .filter(take::Column::Id.eq(id))
        .filter(take::Column::Status.eq(Status::Counting))
        .exec(conn)
        .await?;
    if r.rows_affected == 0 {
        return Err(AppError::Conflict(tr(
            "该盘点已提交或已结束，不能再录入数量",
            "this stocktake is submitted or ended; counts can no longer be entered",
        )));
    }
    Ok(())
}

/// Enter counts (each replaces the line's earlier count) and lots found that were not on the
/// sheet. Each count records the book at that moment, so what moved since the start is not a
/// difference.
pub async fn enter_counts(ctx: &Ctx, actor: &Actor, id: i64, req: EnterCounts) -> AppResult<Stocktake> {
    let c = actor.consortium()?;
    let st = find(ctx, actor, id, MOVE_ANYWHERE).await?;
    let now = ctx.clock.now();
    let tx = ctx.write().await?;
    hold_counting(&tx, id).await?;
    let lines: HashMap<i64, line::Model> = line::Entity::find()
        .filter(line::Column::StocktakeId.eq(id))
        .all(&tx)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let lots = lots_of(&tx, lines.values().map(|l| l.lot_id)).await?;
    let books = service::on_hand_of(
        &tx,
        st.institution_id,
        req.counts.iter().filter_map(|n| lines.get(&n.line_id)).map(|l| l.lot_id),
    )
    .await?;
    for n in &req.counts {
        let l = lines.get(&n.line_id).ok_or_else(|| {
            AppError::field(
                "counts",
                tr(format!("盘点单上没有第 {} 行", n.line_id), format!("the sheet has no line {}", n.line_id)),
            )
        })?;
        let book = books.get(&l.lot_id).copied().unwrap_or(0);
        let lot_no = lots.get(&l.lot_id).map(|x| x.lot_no.as_str()).unwrap_or("");
        if let Some(r) = n.reason {
            rules::d6_difference(n.counted - book, Some(r), lot_no)?;
        }
        line::Entity::update_many()
            .col_expr(line::Column::Counted, Expr::value(n.counted))
            .col_expr(line::Column::BookAtCount, Expr::value(book))
            .col_expr(line::Column::Reason, Expr::value(n.reason.map(|r| r.code().to_owned())))
            .col_expr(line::Column::CountedBy, Expr::value(actor.user_id))
            .col_expr(line::Column::CountedAt, Expr::value(now))
            .filter(line::Column::Id.eq(l.id))
            .exec(&tx)
            .await?;
    }
    if !req.found.is_empty() {
        let known: HashSet<i64> = entity::formulary_entry::Entity::find()
            .filter(entity::formulary_entry::Column::ConsortiumId.eq(c))
            .filter(entity::formulary_entry::Column::Id.is_in(req.found.iter().map(|f| f.entry_id)))
            .select_only()
            .column(entity::formulary_entry::Column::Id)
            .into_tuple::<i64>()
            .all(&tx)
            .await?
            .into_iter()
            .collect();
        let on_sheet: HashSet<i64> = lines.values().map(|l| l.lot_id).collect();
        for f in &req.found {
            if !known.contains(&f.entry_id) {
                return Err(AppError::NotFound);
            }
            let lot_no = f.lot_no.trim();
            if lot_no.is_empty() || lot_no.chars().any(char::is_control) {
                return Err(AppError::field("found", tr("批号不能为空", "a lot number is needed")));
            }
            let lot_id = service::lot_of(&tx, c, f.entry_id, lot_no, f.expiry, now).await?;
            if on_sheet.contains(&lot_id) {
                return Err(AppError::field(
                    "found",
                    tr(format!("批号 {lot_no} 已在盘点单上，请在该行录入"), format!("lot {lot_no} is on the sheet already; count it on its line")),
                ));
            }
            let book = on_hand(&tx, st.institution_id, lot_id).await?;
            if let Some(r) = f.reason {
                rules::d6_difference(f.counted - book, Some(r), lot_no)?;
            }
            line::Entity::insert(line::ActiveModel {
                stocktake_id: Set(id),
                entry_id: Set(f.entry_id),
                lot_id: Set(lot_id),
                book_quantity: Set(0),
                counted: Set(Some(f.counted)),
                book_at_count: Set(Some(book)),
                reason: Set(f.reason.map(|r| r.code().to_owned())),
                counted_by: Set(actor.user_id),
                counted_at: Set(Some(now)),
                ..Default::default()
            })
            .exec_without_returning(&tx)
            .await
            .map_err(|_| {
                AppError::field(
                    "found",
                    tr(format!("批号 {lot_no} 重复"), format!("lot {lot_no} is given twice")),
                )
            })?;
        }
    }
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// Submit the counted sheet for a second person's approval: every line counted, every
/// difference with its cause (D6).
pub async fn submit(ctx: &Ctx, actor: &Actor, id: i64, d: Decide) -> AppResult<Stocktake> {
    let st = find(ctx, actor, id, MOVE_ANYWHERE).await?;
    expect_status(&st, Status::Counting)?;
    expect_version(st.version, d.version)?;
    let tx = ctx.write().await?;
    let lines = line::Entity::find().filter(line::Column::StocktakeId.eq(id)).all(&tx).await?;
    let lots = lots_of(&tx, lines.iter().map(|l| l.lot_id)).await?;
    let uncounted = lines.iter().filter(|l| l.counted.is_none()).count();
    if uncounted > 0 {
        return Err(rules_refusal(
            format!("还有 {uncounted} 行未录入实盘数量（无货请录入 0）"),
            format!("{uncounted} lines are not counted yet (enter 0 where there is none)"),
        ));
    }
    for l in &lines {
        let diff = l.counted.unwrap_or(0) - l.book_at_count.unwrap_or(l.book_quantity);
        let lot_no = lots.get(&l.lot_id).map(|x| x.lot_no.as_str()).unwrap_or("");
        rules::d6_difference(diff, l.reason.as_deref().and_then(AdjustmentReason::parse), lot_no)?;
    }
    let now = ctx.clock.now();
    guarded_update(
        &tx,
        take::Entity::update_many()
            .col_expr(take::Column::Status, Expr::value(Status::Submitted))
            .col_expr(take::Column::SubmittedBy, Expr::value(actor.user_id))
            .col_expr(take::Column::SubmittedAt, Expr::value(now))
            .col_expr(take::Column::DecisionNote, Expr::value(Option::<String>::None))
            .filter(take::Column::Id.eq(id)),
        take::Column::Version,
        d.version,
    )
    .await?;
    audit::record(&tx, actor, Event::new("stocktake.submit", "stocktake", id)).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

fn rules_refusal(zh: String, en: String) -> AppError {
    crate::kernel::Refusal::new(crate::kernel::RuleId::D6, tr(zh, en)).into()
}

fn expect_status(st: &take::Model, want: Status) -> AppResult<()> {
    if st.status == want {
        return Ok(());
    }
    Err(AppError::Conflict(tr(
        format!("该盘点当前为“{}”，不能执行此操作", st.status.zh()),
        format!("this stocktake is {} and cannot take this step", st.status.code()),
    )))
}

/// Approve a submitted stocktake (a second person): each difference is posted to the ledger
/// as a stocktake movement with its cause, all or none.
pub async fn approve(ctx: &Ctx, actor: &Actor, id: i64, d: Decide) -> AppResult<Stocktake> {
    let c = actor.consortium()?;
    let st = find(ctx, actor, id, MOVE_ANYWHERE).await?;
    expect_status(&st, Status::Submitted)?;
    expect_version(st.version, d.version)?;
    rules::d6_second_person(st.submitted_by, actor.user_id)?;
    let tx = ctx.write().await?;
    let lines = line::Entity::find().filter(line::Column::StocktakeId.eq(id)).all(&tx).await?;
    let lots = lots_of(&tx, lines.iter().map(|l| l.lot_id)).await?;
    let today = ctx.clock.today();
    let mut moves = Vec::new();
    for l in &lines {
        let diff = l.counted.unwrap_or(0) - l.book_at_count.unwrap_or(l.book_quantity);
        if diff == 0 {
            continue;
        }
        let lot = lots.get(&l.lot_id).ok_or(AppError::NotFound)?;
        moves.push(NewMovement {
            institution_id: st.institution_id,
            entry_id: l.entry_id,
            lot_no: lot.lot_no.clone(),
            expiry: lot.expiry,
            kind: MovementKind::Stocktake,
            quantity: diff,
            reason: l.reason.as_deref().and_then(AdjustmentReason::parse),
            document: Some(format!("盘点 #{id}")),
            occurred_on: Some(today),
        });
    }
    service::record_in(&tx, c, actor.user_id, ctx.clock.now(), today, &moves).await?;
    decide(&tx, actor, &st, Status::Approved, &d, ctx.clock.now()).await?;
    audit::record(&tx, actor, Event::new("stocktake.approve", "stocktake", id).after(serde_json::json!({"movements": moves.len()}))).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

async fn decide(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    st: &take::Model,
    to: Status,
    d: &Decide,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    guarded_update(
        conn,
        take::Entity::update_many()
            .col_expr(take::Column::Status, Expr::value(to))
            .col_expr(take::Column::DecidedBy, Expr::value(actor.user_id))
            .col_expr(take::Column::DecidedAt, Expr::value(now))
            .col_expr(take::Column::DecisionNote, Expr::value(d.note.clone()))
            .filter(take::Column::Id.eq(st.id)),
        take::Column::Version,
        d.version,
    )
    .await
}

fn need_note(d: &Decide) -> AppResult<()> {
    if d.note.as_deref().map(str::trim).unwrap_or("").chars().count() < 2 {
        return Err(AppError::field("note", tr("请写明原因", "say why")));
    }
    Ok(())
}

/// Send a submitted stocktake back for recounting, with the reason.
pub async fn send_back(ctx: &Ctx, actor: &Actor, id: i64, d: Decide) -> AppResult<Stocktake> {
    let st = find(ctx, actor, id, MOVE_ANYWHERE).await?;
    expect_status(&st, Status::Submitted)?;
    expect_version(st.version, d.version)?;
    need_note(&d)?;
    let tx = ctx.write().await?;
    guarded_update(
        &tx,
        take::Entity::update_many()
            .col_expr(take::Column::Status, Expr::value(Status::Counting))
            .col_expr(take::Column::DecisionNote, Expr::value(d.note.clone()))
            .filter(take::Column::Id.eq(id)),
        take::Column::Version,
        d.version,
    )
    .await?;
    audit::record(&tx, actor, Event::new("stocktake.return", "stocktake", id).reason(d.note.clone().unwrap_or_default())).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// Cancel an unfinished stocktake, with the reason: nothing is posted.
pub async fn cancel(ctx: &Ctx, actor: &Actor, id: i64, d: Decide) -> AppResult<Stocktake> {
    let st = find(ctx, actor, id, MOVE_ANYWHERE).await?;
    if !matches!(st.status, Status::Counting | Status::Submitted) {
        expect_status(&st, Status::Counting)?;
    }
    expect_version(st.version, d.version)?;
    need_note(&d)?;
    let tx = ctx.write().await?;
    decide(&tx, actor, &st, Status::Cancelled, &d, ctx.clock.now()).await?;
    audit::record(&tx, actor, Event::new("stocktake.cancel", "stocktake", id).reason(d.note.clone().unwrap_or_default())).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// The count sheet's columns: its line number first (what an import matches on).
const SHEET: [&str; 12] = [
    "行号", "药品名称", "规格", "生产企业", "批号", "有效期至", "最小单位", "包装", "账面数量(最小单位)",
    "账面包装数量", "实盘数量(最小单位)", "差异原因",
];
const COL_LINE: usize = 0;
const COL_COUNTED: usize = 10;
const COL_REASON: usize = 11;

/// The count sheet as XLSX or CSV, to count on paper or in Excel and import back.
pub async fn sheet(ctx: &Ctx, actor: &Actor, id: i64, format: SheetFormat) -> AppResult<Download> {
    let st = get(ctx, actor, id).await?;
    let rows = st.items.into_iter().map(|l| {
        vec![
            Cell::from(l.id),
            l.product.name_zh.clone().into(),
            l.product.strength.clone().into(),
            l.product.manufacturer.clone().into(),
            l.lot_no.into(),
            Cell::Date(l.expiry),
            l.product.base_unit.clone().into(),
            l.product.pack_text().into(),
            l.book_quantity.into(),
            l.book_packs.into(),
            l.counted.into(),
            l.reason.map(|r| r.zh().to_owned()).into(),
        ]
    });
    let name = format!("盘点单-{}-{}", st.summary.institution_name, id);
    match format {
        SheetFormat::Xlsx => {
            let bytes = table::xlsx("盘点单", &SHEET, rows).map_err(|e| AppError::Internal(e.into()))?;
            Ok(Download::new(bytes, table::XLSX, format!("{name}.xlsx")))
        }
        SheetFormat::Csv => {
            let mut out = b"\xEF\xBB\xBF".to_vec();
            {
                let mut w = csv::Writer::from_writer(&mut out);
                let _ = w.write_record(SHEET);
                for r in rows {
                    let _ = w.write_record(r.into_iter().map(|c| match c {
                        Cell::Text(s) => s,
                        Cell::Int(n) => n.to_string(),
                        Cell::Date(d) => d.to_string(),
                        Cell::Decimal(d) => d.to_string(),
                        Cell::Empty => String::new(),
                    }));
                }
                let _ = w.flush();
            }
            Ok(Download::new(out, "text/csv; charset=utf-8", format!("{name}.csv")))
        }
    }
}

/// Read counts back from a filled-in sheet: all or none. Rows without a count are left as they
/// are; every problem is reported by row and column and nothing is saved.
pub async fn import_counts(ctx: &Ctx, actor: &Actor, id: i64, bytes: &[u8]) -> AppResult<SheetImport> {
    find(ctx, actor, id, MOVE_ANYWHERE).await?;
    let t = table::read_table(bytes).map_err(|e| AppError::field("file", e.to_string()))?;
    let mut it = t.into_iter();
    let header = it.next().ok_or_else(|| AppError::field("file", tr("文件没有数据行", "the file has no data rows")))?;
    let at = |name: &str, fallback: usize| {
        header.iter().position(|h| h.trim() == name).or_else(|| (header.len() == SHEET.len()).then_some(fallback))
    };
    let (Some(cl), Some(cc)) = (at(SHEET[COL_LINE], COL_LINE), at(SHEET[COL_COUNTED], COL_COUNTED)) else {
        return Err(AppError::field(
            "file",
            tr(
                format!("表头缺少“{}”或“{}”列：请使用本盘点导出的盘点单", SHEET[COL_LINE], SHEET[COL_COUNTED]),
                format!("the header lacks {} or {}: use the sheet exported from this stocktake", SHEET[COL_LINE], SHEET[COL_COUNTED]),
            ),
        ));
    };
    let cr = at(SHEET[COL_REASON], COL_REASON);
    let mut counts = Vec::new();
    let mut problems = Vec::new();
    for (n, r) in it.enumerate() {
        let row = n + 2;
        let cell = |i: usize| r.get(i).map(|s| s.trim()).unwrap_or("");
        if r.iter().all(|s| s.trim().is_empty()) || cell(cc).is_empty() {
            continue;
        }
        let mut bad = |col: &str, zh: String, en: String| problems.push(CellProblem { row, column: col.to_owned(), message: tr(zh, en) });
        let line_id = cell(cl).parse::<i64>();
        let counted = cell(cc).parse::<i64>();
        let reason = match cr.map(cell).unwrap_or("") {
            "" => Ok(None),
            s => AdjustmentReason::parse(s).map(Some).ok_or(s.to_owned()),
        };
        match (&line_id, &counted, &reason) {
            (Ok(l), Ok(q), Ok(rs)) if *q >= 0 && *q <= 1_000_000_000 => counts.push((row, CountLine { line_id: *l, counted: *q, reason: *rs })),
            _ => {
                if line_id.is_err() {
                    bad(SHEET[COL_LINE], format!("行号“{}”不是数字", cell(cl)), format!("line number {:?} is not a number", cell(cl)));
                }
                match counted {
                    Err(_) => bad(SHEET[COL_COUNTED], format!("实盘数量“{}”应为整数（最小单位）", cell(cc)), format!("the count {:?} is not a whole number of base units", cell(cc))),
                    Ok(q) if !(0..=1_000_000_000).contains(&q) => bad(SHEET[COL_COUNTED], format!("实盘数量 {q} 超出范围（0 到 10 亿）"), format!("the count {q} is out of range (0 to 10^9)")),
                    Ok(_) => {}
                }
                if let Err(s) = &reason {
                    bad(SHEET[COL_REASON], format!("差异原因“{s}”无法识别，应为：{}", AdjustmentReason::choices()), format!("the cause {s:?} is not one of {}", AdjustmentReason::choices()));
                }
            }
        }
    }
    let known: HashSet<i64> = line::Entity::find()
        .filter(line::Column::StocktakeId.eq(id))
        .select_only()
        .column(line::Column::Id)
        .into_tuple::<i64>()
        .all(&ctx.db)
        .await?
        .into_iter()
        .collect();
    for (row, c) in &counts {
        if !known.contains(&c.line_id) {
            problems.push(CellProblem {
                row: *row,
                column: SHEET[COL_LINE].to_owned(),
                message: tr(format!("行号 {} 不在本盘点单上", c.line_id), format!("line {} is not on this sheet", c.line_id)),
            });
        }
    }
    if !problems.is_empty() {
        return Ok(SheetImport { counted: 0, problems, applied: false });
    }
    let n = counts.len();
    let counts = counts.into_iter().map(|(_, c)| c).collect();
    enter_counts(ctx, actor, id, EnterCounts { counts, found: Vec::new() }).await?;
    Ok(SheetImport { counted: n, problems, applied: true })
}
