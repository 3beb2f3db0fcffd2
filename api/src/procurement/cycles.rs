//! Procurement cycles (O1): the lead hospital's procurement officer opens a cycle (e.g. a
//! month) for members' orders and closes it; one is open at a time.
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::rules;
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::i18n::tr;
use crate::kernel::paging::{Direction, Page};
use crate::kernel::versioned::{expect_version, guarded_update};
use crate::kernel::{Actor, Coded, Ctx};
use crate::stock::reads::user_names;
use entity::procurement_cycle::{self as cycle, CycleStatus as Status};

async fn views(conn: &impl ConnectionTrait, rows: Vec<cycle::Model>) -> AppResult<Vec<Cycle>> {
    let people: Vec<i64> = rows.iter().flat_map(|r| [r.opened_by, r.closed_by]).flatten().collect();
    let names = user_names(conn, people).await?;
    let name = |u: Option<i64>| u.and_then(|u| names.get(&u).cloned());
    Ok(rows
        .into_iter()
        .map(|r| Cycle {
            id: r.id,
            name: r.name,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            status: r.status,
            opened_by: name(r.opened_by),
            opened_at: r.opened_at,
            closed_by: name(r.closed_by),
            closed_at: r.closed_at,
            version: r.version,
        })
        .collect())
}

async fn find(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<cycle::Model> {
    cycle::Entity::find_by_id(id)
        .filter(cycle::Column::ConsortiumId.eq(c))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The consortium's open cycle, if any.
pub async fn open_cycle(conn: &impl ConnectionTrait, c: i64) -> AppResult<Option<cycle::Model>> {
    Ok(cycle::Entity::find()
        .filter(cycle::Column::ConsortiumId.eq(c))
        .filter(cycle::Column::Status.eq(Status::Open))
        .one(conn)
        .await?)
}

pub async fn list(ctx: &Ctx, actor: &Actor, q: &CycleQuery) -> AppResult<CyclePage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let mut sel = cycle::Entity::find().filter(cycle::Column::ConsortiumId.eq(c));
    if let Some(s) = q.status {
        sel = sel.filter(cycle::Column::Status.eq(s));
    }
    let (rows, next_cursor) = page.by_id(&ctx.db, sel, cycle::Column::Id, Direction::Down, |r| r.id).await?;
    Ok(CyclePage {
        items: views(&ctx.db, rows).await?,
        next_cursor,
    })
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Cycle> {
    let c = actor.consortium()?;
    let r = find(&ctx.db, c, id).await?;
    views(&ctx.db, vec![r]).await?.pop().ok_or(AppError::NotFound)
}

/// Open a cycle (O1: refused while another is open).
pub async fn open(ctx: &Ctx, actor: &Actor, req: OpenCycle) -> AppResult<Cycle> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    rules::o1_cycle_days(req.starts_on, req.ends_on)?;
    let current = open_cycle(&tx, c).await?;
    rules::o1_one_open_cycle(current.as_ref().map(|k| k.name.as_str())).map_err(|r| AppError::Rule {
        rule: r.rule,
        status: axum::http::StatusCode::CONFLICT,
        message: r.message,
    })?;
    // Cycles follow one another: a new one shares no day with an earlier one.
    if let Some(k) = cycle::Entity::find()
        .filter(cycle::Column::ConsortiumId.eq(c))
        .filter(cycle::Column::StartsOn.lte(req.ends_on))
        .filter(cycle::Column::EndsOn.gte(req.starts_on))
        .one(&tx)
        .await?
    {
        return Err(AppError::Conflict(tr(
            format!("与采购周期“{}”（{} 至 {}）的日期重叠：周期前后相接，不能重叠", k.name, k.starts_on, k.ends_on),
            format!("the days overlap the cycle \"{}\" ({} to {}): cycles follow one another", k.name, k.starts_on, k.ends_on),
        )));
    }
    let r = cycle::Entity::insert(cycle::ActiveModel {
        consortium_id: Set(c),
        name: Set(req.name.trim().to_owned()),
        starts_on: Set(req.starts_on),
        ends_on: Set(req.ends_on),
        status: Set(Status::Open),
        opened_by: Set(actor.user_id),
        opened_at: Set(ctx.clock.now()),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(&tx)
    .await
    // Two officers opening at once: the partial unique index lets one through.
    .map_err(|_| AppError::Conflict(tr("已有进行中的采购周期", "a procurement cycle is open already")))?;
    let v = views(&tx, vec![r]).await?.pop().ok_or(AppError::NotFound)?;
    audit::record(&tx, actor, Event::new("cycle.open", "procurement_cycle", v.id).after(&v)).await?;
    tx.commit().await?;
    Ok(v)
}

/// Close the open cycle: members' orders wait for the next one (or go as urgent orders).
pub async fn close(ctx: &Ctx, actor: &Actor, id: i64, req: CloseCycle) -> AppResult<Cycle> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let r = find(&tx, c, id).await?;
    if r.status != Status::Open {
        return Err(AppError::Conflict(tr(
            format!("采购周期“{}”{}，不能再关闭", r.name, r.status.zh()),
            format!("the cycle \"{}\" is {} already", r.name, r.status.code()),
        )));
    }
    expect_version(r.version, req.version)?;
    guarded_update(
        &tx,
        cycle::Entity::update_many()
            .col_expr(cycle::Column::Status, Expr::value(Status::Closed))
            .col_expr(cycle::Column::ClosedBy, Expr::value(actor.user_id))
            .col_expr(cycle::Column::ClosedAt, Expr::value(ctx.clock.now()))
            .filter(cycle::Column::Id.eq(id)),
        cycle::Column::Version,
        req.version,
    )
    .await?;
    let v = views(&tx, vec![find(&tx, c, id).await?]).await?.pop().ok_or(AppError::NotFound)?;
    audit::record(&tx, actor, Event::new("cycle.close", "procurement_cycle", id)).await?;
    tx.commit().await?;
    Ok(v)
}
