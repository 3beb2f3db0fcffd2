//! The consortium's procurement settings (O3): how many months of consumption the average
//! monthly consumption is taken over, and how many months of cover a suggestion aims for at each
//! member level. Missing until first changed: the defaults (3 months; 2 months at every level).
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::orders::{DEFAULT_COVER, DEFAULT_LOOKBACK};
use super::views::*;
use crate::audit::{self, Event};
use crate::error::AppResult;
use crate::kernel::versioned::{expect_version, guarded_update};
use crate::kernel::{Actor, Ctx};
use entity::procurement_setting as setting;

pub async fn get(ctx: &Ctx, actor: &Actor) -> AppResult<ProcurementSettings> {
    let c = actor.consortium()?;
    let d = i32::try_from(DEFAULT_COVER).unwrap_or(2);
    Ok(match setting::Entity::find_by_id(c).one(&ctx.db).await? {
        Some(s) => ProcurementSettings {
            lookback_months: s.lookback_months,
            cover_secondary: s.cover_secondary,
            cover_township: s.cover_township,
            cover_village: s.cover_village,
            version: s.version,
        },
        None => ProcurementSettings {
            lookback_months: i32::try_from(DEFAULT_LOOKBACK).unwrap_or(3),
            cover_secondary: d,
            cover_township: d,
            cover_village: d,
            version: 0,
        },
    })
}

/// Change the settings against the version read (0 while the defaults apply; 409 when someone
/// changed them since).
pub async fn put(ctx: &Ctx, actor: &Actor, req: ProcurementSettings) -> AppResult<ProcurementSettings> {
    let c = actor.consortium()?;
    let before = get(ctx, actor).await?;
    let tx = ctx.write().await?;
    match setting::Entity::find_by_id(c).one(&tx).await? {
        None => {
            expect_version(0, req.version)?;
            setting::Entity::insert(setting::ActiveModel {
                consortium_id: Set(c),
                lookback_months: Set(req.lookback_months),
                cover_secondary: Set(req.cover_secondary),
                cover_township: Set(req.cover_township),
                cover_village: Set(req.cover_village),
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
                    .col_expr(setting::Column::LookbackMonths, Expr::value(req.lookback_months))
                    .col_expr(setting::Column::CoverSecondary, Expr::value(req.cover_secondary))
                    .col_expr(setting::Column::CoverTownship, Expr::value(req.cover_township))
                    .col_expr(setting::Column::CoverVillage, Expr::value(req.cover_village))
                    .filter(setting::Column::ConsortiumId.eq(c)),
                setting::Column::Version,
                req.version,
            )
            .await?;
        }
    }
    audit::record(&tx, actor, Event::new("procurement.settings", "procurement_settings", c).before(&before).after(&req)).await?;
    tx.commit().await?;
    get(ctx, actor).await
}
