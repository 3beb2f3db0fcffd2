//! Demo formulary and the synthetic generator for benchmarks. Seeds are written as approved
//! committee decisions (a batch proposal by one member approved by another) so their history
//! reads like any other; they bypass only F1's "not in the past" date check, to give the demo
//! a past.
use chrono::{NaiveDate, Utc};
use entity::{
    formulary_entry, formulary_proposal as proposal, formulary_proposal_item as item,
    formulary_version as version, user,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::io;
use super::rules;
use super::store::{self, version_model};
use super::views::*;
use crate::error::AppResult;

/// The project's own demo formulary (written for tongyao; see docs/ARCHITECTURE.md).
pub const DEMO_CSV: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/demo/formulary.csv"
));

pub fn demo_products() -> anyhow::Result<Vec<EntryFields>> {
    let parsed = io::parse(io::read_table(DEMO_CSV.as_bytes())?, None)?;
    if let Some(e) = parsed.errors.first() {
        anyhow::bail!(
            "demo formulary row {} column {}: {}",
            e.row,
            e.column,
            e.message
        );
    }
    Ok(parsed.rows.into_iter().map(|r| r.fields).collect())
}

async fn user_id(db: &impl ConnectionTrait, username: &str) -> anyhow::Result<i64> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("demo user {username} missing"))
}

async fn entry_count(db: &impl ConnectionTrait, c: i64) -> anyhow::Result<u64> {
    Ok(formulary_entry::Entity::find()
        .filter(formulary_entry::Column::ConsortiumId.eq(c))
        .count(db)
        .await?)
}

/// Write products as one approved batch proposal effective `from`. Returns the entry ids.
pub async fn seed_batch(
    db: &impl ConnectionTrait,
    c: i64,
    proposer: i64,
    approver: i64,
    from: NaiveDate,
    reason: &str,
    products: &[EntryFields],
) -> AppResult<Vec<i64>> {
    let now = Utc::now();
    let p = proposal::ActiveModel {
        consortium_id: Set(c),
        kind: Set(ProposalKind::Batch),
        status: Set(ProposalStatus::Approved),
        reason: Set(reason.into()),
        effective_date: Set(from),
        justification: Set(None),
        proposer_id: Set(proposer),
        created_at: Set(now),
        decided_by: Set(Some(approver)),
        decided_at: Set(Some(now)),
        decision_reason: Set(Some("药事管理委员会审议通过".into())),
        item_count: Set(products.len() as i32),
        version: Set(2),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut ids = Vec::with_capacity(products.len());
    for chunk in products.chunks(1000) {
        let max_before: Option<i64> = formulary_entry::Entity::find()
            .select_only()
            .column_as(formulary_entry::Column::Id.max(), "m")
            .into_tuple()
            .one(db)
            .await?
            .flatten();
        let rows: Vec<formulary_entry::ActiveModel> = chunk
            .iter()
            .map(|_| formulary_entry::ActiveModel {
                consortium_id: Set(c),
                created_at: Set(now),
                ..Default::default()
            })
            .collect();
        formulary_entry::Entity::insert_many(rows).exec(db).await?;
        let new_ids: Vec<i64> = formulary_entry::Entity::find()
            .select_only()
            .column(formulary_entry::Column::Id)
            .filter(formulary_entry::Column::Id.gt(max_before.unwrap_or(0)))
            .order_by_asc(formulary_entry::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        let versions: Vec<version::ActiveModel> = chunk
            .iter()
            .zip(&new_ids)
            .map(|(f, id)| version_model(c, *id, p.id, from, f))
            .collect::<AppResult<_>>()?;
        version::Entity::insert_many(versions).exec(db).await?;
        let items: Vec<item::ActiveModel> = chunk
            .iter()
            .zip(&new_ids)
            .enumerate()
            .map(|(n, (f, id))| {
                Ok(item::ActiveModel {
                consortium_id: Set(c),
                proposal_id: Set(p.id),
                seq: Set((ids.len() + n) as i32),
                kind: Set(ProposalKind::Add),
                entry_id: Set(Some(*id)),
                generic_name_zh: Set(f.generic_name_zh.clone()),
                fields_json: Set(store::json(&EntryPatch::whole(f))?),
                changes_json: Set(Some(store::json(&rules::all_fields(f))?)),
                base_version_id: Set(None),
                ..Default::default()
            })
            })
            .collect::<AppResult<_>>()?;
        for part in items.chunks(500) {
            item::Entity::insert_many(part.to_vec()).exec(db).await?;
        }
        ids.extend(new_ids);
    }
    store::bump_rev(db, c).await?;
    Ok(ids)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
}

/// Load the demo formulary into the first demo consortium (once), with a little history: the
/// list adopted on 2026-01-01, VBP price cuts on 2026-07-01, and one pending proposal.
pub async fn load_demo(db: &DatabaseConnection, c: i64) -> anyhow::Result<usize> {
    if entry_count(db, c).await? > 0 {
        return Ok(0);
    }
    let products = demo_products()?;
    let (p1, p2) = (
        user_id(db, "demo-committee-1").await?,
        user_id(db, "demo-committee-2").await?,
    );
    let tx = crate::db::begin_write(db).await?;
    let ids = seed_batch(
        &tx,
        c,
        p1,
        p2,
        day("2026-01-01"),
        "医共体统一用药目录（2026年版）",
        &products,
    )
    .await?;
    // VBP round: price cuts on the selected products, effective mid-year.
    let cut: Vec<(i64, &EntryFields)> = ids
        .iter()
        .copied()
        .zip(&products)
        .filter(|(_, f)| f.vbp)
        .take(8)
        .collect();
    if !cut.is_empty() {
        let now = Utc::now();
        let p = proposal::ActiveModel {
            consortium_id: Set(c),
            kind: Set(ProposalKind::Batch),
            status: Set(ProposalStatus::Approved),
            reason: Set("执行国家组织药品集中带量采购中选价格".into()),
            effective_date: Set(day("2026-07-01")),
            justification: Set(None),
            proposer_id: Set(p2),
            created_at: Set(now),
            decided_by: Set(Some(p1)),
            decided_at: Set(Some(now)),
            decision_reason: Set(None),
            item_count: Set(cut.len() as i32),
            version: Set(2),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        for (n, (id, f)) in cut.iter().enumerate() {
            let mut after = (*f).clone();
            after.unit_price = crate::kernel::Money::new(
                (f.unit_price.decimal() * rust_decimal::Decimal::new(8, 1)).round_dp(2),
            );
            let patch = EntryPatch {
                unit_price: Some(after.unit_price),
                ..Default::default()
            };
            let it = item::ActiveModel {
                consortium_id: Set(c),
                proposal_id: Set(p.id),
                seq: Set(n as i32),
                kind: Set(ProposalKind::Amend),
                entry_id: Set(Some(*id)),
                generic_name_zh: Set(f.generic_name_zh.clone()),
                fields_json: Set(store::json(&patch)?),
                changes_json: Set(None),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
            let plan = store::PlannedItem {
                kind: ProposalKind::Amend,
                entry_id: Some(*id),
                patch,
                after,
                changes: vec![],
                base: None,
            };
            store::apply_item(&tx, c, p.id, day("2026-07-01"), &it, &plan, now).await?;
        }
    }
    tx.commit().await?;
    Ok(products.len())
}

/// A few products for the second consortium, so isolation can be seen.
pub async fn load_demo_small(db: &DatabaseConnection, c: i64) -> anyhow::Result<usize> {
    if entry_count(db, c).await? > 0 {
        return Ok(0);
    }
    let products: Vec<EntryFields> = demo_products()?.into_iter().step_by(10).take(30).collect();
    let p1 = user_id(db, "demo2-committee-1").await?;
    let tx = crate::db::begin_write(db).await?;
    seed_batch(
        &tx,
        c,
        p1,
        p1,
        day("2026-01-01"),
        "蒙医综合医院医共体用药目录",
        &products,
    )
    .await?;
    tx.commit().await?;
    Ok(products.len())
}

const NAME_FORMS: [(&str, &str); 5] = [
    ("", ""),
    ("复方", ""),
    ("盐酸", ""),
    ("", "钠"),
    ("注射用", ""),
];
const MAKERS: [&str; 12] = [
    "华北",
    "石药",
    "扬子江",
    "齐鲁",
    "华海",
    "京新",
    "科伦",
    "辰欣",
    "信谊",
    "白云山",
    "恒瑞",
    "正大天晴",
];

/// Synthetic products for benchmarks: realistic names (variants of the demo generics), unique
/// codes, a mix of flags. Deterministic for a given `n`.
pub fn synthetic(n: usize) -> anyhow::Result<Vec<EntryFields>> {
    let base = demo_products()?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let b = &base[i % base.len()];
        let (pre, post) = NAME_FORMS[(i / base.len()) % NAME_FORMS.len()];
        let mut f = b.clone();
        f.generic_name_zh = format!("{pre}{}{post}", b.generic_name_zh);
        f.manufacturer = format!(
            "{}药业第{}厂",
            MAKERS[i % MAKERS.len()],
            i / (base.len() * NAME_FORMS.len()) + 1
        );
        let letter = ['H', 'Z', 'S', 'J'][i % 4];
        f.approval_number = format!("国药准字{letter}{:08}", 30_000_000 + i);
        f.nhsa_code = Some(format!("XS{:021}", i));
        f.strength = format!("{}#{}", b.strength, i % 7);
        f.unit_price = crate::kernel::Money::new(rust_decimal::Decimal::new(((i * 37) % 50_000) as i64 + 50, 2));
        f.status = if i % 50 == 0 {
            EntryStatus::Suspended
        } else {
            EntryStatus::Active
        };
        out.push(f);
    }
    Ok(out)
}

/// Add `n` synthetic products to consortium `c` (benchmarks: `tongyao demo --entries 100000`).
pub async fn generate(db: &DatabaseConnection, c: i64, n: usize) -> anyhow::Result<usize> {
    let products = synthetic(n)?;
    let (p1, p2) = (
        user_id(db, "demo-committee-1").await?,
        user_id(db, "demo-committee-2").await?,
    );
    let tx = crate::db::begin_write(db).await?;
    seed_batch(
        &tx,
        c,
        p1,
        p2,
        day("2026-01-01"),
        "基准测试数据（合成）",
        &products,
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// The formulary's part of the demo: the demo formulary in both consortia, and `--entries N`
/// synthetic products in the first.
pub fn demo(
    a: crate::capability::DemoArgs<'_>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<String>> + Send + '_>> {
    Box::pin(async move {
        let loaded = load_demo(a.db, a.ids.consortium).await?;
        let loaded2 = load_demo_small(a.db, a.ids.second_consortium).await?;
        let mut report = format!("formulary entries added: {loaded} + {loaded2}");
        if let Some(n) = a.entries {
            let made = generate(a.db, a.ids.consortium, n).await?;
            report.push_str(&format!("; synthetic entries generated: {made}"));
        }
        Ok(report)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_formulary_is_valid_and_large_enough() {
        let p = demo_products().expect("demo CSV parses without errors");
        assert!(p.len() >= 300, "{} products", p.len());
        assert!(p.iter().any(|f| f.generic_name_zh == "阿莫西林"));
        assert!(p.iter().any(|f| f.special_class == SpecialClass::Narcotic));
        assert!(p.iter().any(|f| f.storage == Storage::ColdChain));
        // F5 holds in the shipped list
        let v = rules::f5_one_generic_two_specs(
            vec![],
            p.iter()
                .map(|f| (f.generic_name_zh.as_str(), f.route, f.status)),
        );
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn synthetic_products_are_valid_and_unique() {
        let s = synthetic(2000).unwrap();
        assert!(s.iter().all(|f| rules::check_fields(f).is_empty()));
        let mut codes: Vec<_> = s.iter().map(|f| f.approval_number.clone()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 2000);
    }
}
