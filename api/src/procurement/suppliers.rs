//! Suppliers (配送企业): who the consortium buys from, known by the unified social credit code.
use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::rules;
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::i18n::tr;
use crate::kernel::paging::Page;
use crate::kernel::versioned::{expect_version, guarded_update};
use crate::kernel::{Actor, Ctx};
use entity::supplier;
use entity::supply_contract as contract;

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Contracts valid today, per supplier.
async fn current_contracts(conn: &impl ConnectionTrait, c: i64, today: chrono::NaiveDate) -> AppResult<HashMap<i64, u32>> {
    let rows: Vec<i64> = contract::Entity::find()
        .filter(contract::Column::ConsortiumId.eq(c))
        .filter(contract::Column::ValidFrom.lte(today))
        .filter(contract::Column::ValidTo.gte(today))
        .select_only()
        .column(contract::Column::SupplierId)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = HashMap::new();
    for s in rows {
        *out.entry(s).or_default() += 1;
    }
    Ok(out)
}

fn view(s: supplier::Model, current: &HashMap<i64, u32>) -> Supplier {
    Supplier {
        current_contracts: current.get(&s.id).copied().unwrap_or(0),
        id: s.id,
        name: s.name,
        uscc: s.uscc,
        order_email: s.order_email,
        invoice_email: s.invoice_email,
        contact: s.contact,
        phone: s.phone,
        active: s.active,
        updated_at: s.updated_at,
        version: s.version,
    }
}

pub(super) async fn find(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<supplier::Model> {
    supplier::Entity::find_by_id(id)
        .filter(supplier::Column::ConsortiumId.eq(c))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn list(ctx: &Ctx, actor: &Actor, q: &SupplierQuery) -> AppResult<SupplierPage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    if q.q.as_deref().is_some_and(|t| t.chars().count() > 100) {
        return Err(AppError::field("q", tr("搜索文字最多 100 个字", "search text is at most 100 characters")));
    }
    let needle = q.q.as_deref().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let mut sel = supplier::Entity::find().filter(supplier::Column::ConsortiumId.eq(c));
    if let Some(a) = q.active {
        sel = sel.filter(supplier::Column::Active.eq(a));
    }
    if let Some(after) = page.after {
        sel = sel.filter(supplier::Column::Id.gt(after));
    }
    let mut rows: Vec<supplier::Model> = sel
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|s| {
            needle
                .as_ref()
                .is_none_or(|n| s.name.to_lowercase().contains(n) || s.uscc.to_lowercase().contains(n))
        })
        .collect();
    rows.sort_unstable_by_key(|s| s.id);
    rows.truncate(page.fetch() as usize);
    let (rows, next_cursor) = page.finish(rows, |s| s.id);
    let current = current_contracts(&ctx.db, c, ctx.clock.today()).await?;
    Ok(SupplierPage {
        items: rows.into_iter().map(|s| view(s, &current)).collect(),
        next_cursor,
    })
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Supplier> {
    let c = actor.consortium()?;
    let s = find(&ctx.db, c, id).await?;
    let current = current_contracts(&ctx.db, c, ctx.clock.today()).await?;
    Ok(view(s, &current))
}

/// The credit code checked (GB 32100-2015) and not already a supplier of the consortium.
async fn checked_code(conn: &impl ConnectionTrait, c: i64, code: &str, except: Option<i64>) -> AppResult<String> {
    let code = rules::uscc(code).map_err(|m| AppError::field("uscc", m))?;
    let mut sel = supplier::Entity::find()
        .filter(supplier::Column::ConsortiumId.eq(c))
        .filter(supplier::Column::Uscc.eq(&code));
    if let Some(id) = except {
        sel = sel.filter(supplier::Column::Id.ne(id));
    }
    if let Some(other) = sel.one(conn).await? {
        return Err(AppError::taken(
            "uscc",
            tr(
                format!("统一社会信用代码 {code} 已是供应商“{}”的代码", other.name),
                format!("the credit code {code} is already the supplier \"{}\"", other.name),
            ),
        ));
    }
    Ok(code)
}

pub async fn create(ctx: &Ctx, actor: &Actor, req: SupplierInput) -> AppResult<Supplier> {
    let c = actor.consortium()?;
    let now = ctx.clock.now();
    let tx = ctx.write().await?;
    let code = checked_code(&tx, c, &req.uscc, None).await?;
    let s = supplier::Entity::insert(supplier::ActiveModel {
        consortium_id: Set(c),
        name: Set(req.name.trim().to_owned()),
        uscc: Set(code),
        order_email: Set(req.order_email.trim().to_owned()),
        invoice_email: Set(trimmed(req.invoice_email)),
        contact: Set(trimmed(req.contact)),
        phone: Set(trimmed(req.phone)),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(&tx)
    .await?;
    let v = view(s, &HashMap::new());
    audit::record(&tx, actor, Event::new("supplier.create", "supplier", v.id).after(&v)).await?;
    tx.commit().await?;
    Ok(v)
}

pub async fn update(ctx: &Ctx, actor: &Actor, id: i64, u: SupplierUpdate) -> AppResult<Supplier> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let before = find(&tx, c, id).await?;
    let (version, req) = (u.version, u.supplier);
    expect_version(before.version, version)?;
    let code = checked_code(&tx, c, &req.uscc, Some(id)).await.map_err(|e| e.under("supplier"))?;
    guarded_update(
        &tx,
        supplier::Entity::update_many()
            .col_expr(supplier::Column::Name, Expr::value(req.name.trim().to_owned()))
            .col_expr(supplier::Column::Uscc, Expr::value(code))
            .col_expr(supplier::Column::OrderEmail, Expr::value(req.order_email.trim().to_owned()))
            .col_expr(supplier::Column::InvoiceEmail, Expr::value(trimmed(req.invoice_email)))
            .col_expr(supplier::Column::Contact, Expr::value(trimmed(req.contact)))
            .col_expr(supplier::Column::Phone, Expr::value(trimmed(req.phone)))
            .col_expr(supplier::Column::Active, Expr::value(u.active))
            .col_expr(supplier::Column::UpdatedAt, Expr::value(ctx.clock.now()))
            .filter(supplier::Column::Id.eq(id)),
        supplier::Column::Version,
        version,
    )
    .await?;
    let after = find(&tx, c, id).await?;
    let current = current_contracts(&tx, c, ctx.clock.today()).await?;
    let (b, a) = (view(before, &current), view(after, &current));
    audit::record(&tx, actor, Event::new("supplier.update", "supplier", id).before(&b).after(&a)).await?;
    tx.commit().await?;
    Ok(a)
}
