//! The formulary's storage: temporal versions (see migration m0002), proposals and their items,
//! and the settings row. A change never overwrites a version; it closes the current one on the
//! effective date and opens a new one. "As of d" needs no job to run on time: a future-dated
//! version simply is not valid yet. Functions here run inside the caller's transaction.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::institution::Level;
use entity::{
    formulary_entry, formulary_proposal as proposal, formulary_proposal_item as item,
    formulary_setting as setting, formulary_version as version, user,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::rules;
use super::views::*;
use crate::error::{AppError, AppResult};
use crate::i18n::tr;
use crate::kernel::money::SCALE_PRICE;
use crate::kernel::{Money, Refusal, RuleId};

pub fn to_fields(v: &version::Model) -> EntryFields {
    EntryFields {
        generic_name_zh: v.generic_name_zh.clone(),
        generic_name_en: v.generic_name_en.clone(),
        dosage_form: v.dosage_form.clone(),
        route: v.route,
        strength: v.strength.clone(),
        base_unit: v.base_unit.clone(),
        pack_size: v.pack_size,
        inner_pack_size: v.inner_pack_size,
        pack_unit: v.pack_unit.clone(),
        manufacturer: v.manufacturer.clone(),
        approval_number: v.approval_number.clone(),
        nhsa_code: v.nhsa_code.clone(),
        atc_code: v.atc_code.clone(),
        unit_price: Money::from_minor(v.unit_price_e4, SCALE_PRICE),
        essential_national: v.essential_national,
        essential_provincial: v.essential_provincial,
        vbp: v.vbp,
        insurance_class: v.insurance_class,
        special_class: v.special_class,
        antimicrobial_tier: v.antimicrobial_tier,
        storage: v.storage,
        level_scope: v.level_scope,
        long_rx_eligible: v.long_rx_eligible,
        extended_rx_eligible: v.extended_rx_eligible,
        status: v.status,
    }
}

pub fn to_entry(v: &version::Model) -> Entry {
    Entry {
        id: v.entry_id,
        fields: to_fields(v),
        valid_from: v.valid_from,
        valid_to: v.valid_to,
    }
}

/// Pinyin keys stored beside each version (for the plain-SQL baseline and for exports).
pub fn pinyin_column(name: &str) -> String {
    let k = tongyao_search::name_keys(name);
    let mut all = k.initials;
    all.extend(k.full);
    all.join(" ")
}

/// The order a Chinese reader expects (syllable by syllable by pinyin, then the name).
pub fn sort_key(name: &str) -> String {
    tongyao_search::sort_key(name)
}

/// The row of a new version. The price was checked (at most 4 decimals) before it got here.
pub fn version_model(
    c: i64,
    entry_id: i64,
    proposal_id: i64,
    from: NaiveDate,
    f: &EntryFields,
) -> AppResult<version::ActiveModel> {
    let price = f
        .unit_price
        .to_minor(SCALE_PRICE)
        .map_err(|e| AppError::field("unit_price", e.message()))?;
    Ok(version::ActiveModel {
        consortium_id: Set(c),
        entry_id: Set(entry_id),
        proposal_id: Set(proposal_id),
        valid_from: Set(from),
        valid_to: Set(None),
        generic_name_zh: Set(f.generic_name_zh.trim().to_string()),
        generic_name_en: Set(f.generic_name_en.trim().to_string()),
        dosage_form: Set(f.dosage_form.trim().to_string()),
        route: Set(f.route),
        strength: Set(f.strength.trim().to_string()),
        base_unit: Set(f.base_unit.trim().to_string()),
        pack_size: Set(f.pack_size),
        inner_pack_size: Set(f.inner_pack_size),
        pack_unit: Set(f.pack_unit.trim().to_string()),
        manufacturer: Set(f.manufacturer.trim().to_string()),
        approval_number: Set(f.approval_number.trim().to_string()),
        nhsa_code: Set(f.nhsa_code.clone().filter(|s| !s.is_empty())),
        atc_code: Set(f.atc_code.clone().filter(|s| !s.is_empty())),
        unit_price_e4: Set(price),
        essential_national: Set(f.essential_national),
        essential_provincial: Set(f.essential_provincial),
        vbp: Set(f.vbp),
        insurance_class: Set(f.insurance_class),
        special_class: Set(f.special_class),
        antimicrobial_tier: Set(f.antimicrobial_tier),
        storage: Set(f.storage),
        level_scope: Set(f.level_scope),
        long_rx_eligible: Set(f.long_rx_eligible),
        extended_rx_eligible: Set(f.extended_rx_eligible),
        status: Set(f.status),
        pinyin: Set(pinyin_column(&f.generic_name_zh)),
        sort_key: Set(sort_key(&f.generic_name_zh)),
        ..Default::default()
    })
}

/// Approved changes in date order, each as the difference from the state before it (`before`:
/// the state they follow, none for a product not yet added).
pub fn scheduled_changes(
    before: Option<EntryFields>,
    later: &[&version::Model],
) -> Vec<ScheduledChange> {
    let mut prev = before;
    let mut out = Vec::with_capacity(later.len());
    for v in later {
        let f = to_fields(v);
        out.push(ScheduledChange {
            proposal_id: v.proposal_id,
            effective_from: v.valid_from,
            changes: match &prev {
                Some(p) => rules::field_changes(p, &f),
                None => rules::all_fields(&f),
            },
        });
        prev = Some(f);
    }
    out
}

/// Versions valid on day `d`.
pub fn valid_at(d: NaiveDate) -> Condition {
    Condition::all().add(version::Column::ValidFrom.lte(d)).add(
        Condition::any()
            .add(version::Column::ValidTo.is_null())
            .add(version::Column::ValidTo.gt(d)),
    )
}

/// Institution levels that may use an entry usable at `level`.
pub fn scopes_usable_at(level: Level) -> Vec<Level> {
    use crate::kernel::Coded;
    Level::ALL
        .iter()
        .copied()
        .filter(|s| level.may_use(*s))
        .collect()
}

pub async fn entry_exists(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<()> {
    formulary_entry::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|e| e.consortium_id == c)
        .map(|_| ())
        .ok_or(AppError::NotFound)
}

/// The newest version of an entry (possibly effective in the future).
pub async fn latest_version(
    conn: &impl ConnectionTrait,
    c: i64,
    id: i64,
) -> AppResult<version::Model> {
    version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(version::Column::EntryId.eq(id))
        .order_by_desc(version::Column::ValidFrom)
        .order_by_desc(version::Column::Id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Display names of users, one query.
pub async fn people(
    conn: &impl ConnectionTrait,
    ids: Vec<i64>,
) -> AppResult<HashMap<i64, PersonRef>> {
    let ids: HashSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| {
            (
                u.id,
                PersonRef {
                    id: u.id,
                    display_name: u.display_name,
                },
            )
        })
        .collect())
}

pub fn person(map: &HashMap<i64, PersonRef>, id: i64) -> AppResult<PersonRef> {
    map.get(&id).cloned().ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("user {id} of a proposal does not exist"))
    })
}

pub fn changes_of(i: &item::Model) -> AppResult<Vec<FieldChange>> {
    match i.changes_json.as_deref() {
        None => Ok(vec![]),
        Some(s) => serde_json::from_str(s).map_err(|e| AppError::Internal(e.into())),
    }
}

pub fn patch_of(i: &item::Model) -> AppResult<EntryPatch> {
    serde_json::from_str(&i.fields_json).map_err(|e| AppError::Internal(e.into()))
}

/// One change a proposal will make, validated.
#[derive(Clone, Debug)]
pub struct PlannedItem {
    pub kind: ProposalKind,
    pub entry_id: Option<i64>,
    /// For add: all fields; amend: the fields to change; suspend/withdraw: the status.
    pub patch: EntryPatch,
    /// The product as it will be.
    pub after: EntryFields,
    pub changes: Vec<FieldChange>,
    /// For a change to an existing entry: the version (row id) it was written against.
    pub base: Option<i64>,
}

/// Field checks of a product, as 422 naming each field.
pub fn checked(f: EntryFields) -> AppResult<EntryFields> {
    let errs = rules::check_fields(&f);
    if !errs.is_empty() {
        return Err(AppError::Validation(
            errs.into_iter()
                .map(|e| crate::error::FieldError::new(format!("fields.{}", e.field), e.message))
                .collect(),
        ));
    }
    Ok(f)
}

/// A whole new product from a patch that must name every required field.
pub fn complete(patch: &EntryPatch) -> AppResult<EntryFields> {
    let missing = patch.missing();
    if !missing.is_empty() {
        return Err(AppError::Validation(
            missing
                .into_iter()
                .map(|f| {
                    crate::error::FieldError::new(
                        format!("fields.{f}"),
                        tr("新药品必须填写此项", "a new product needs this field"),
                    )
                })
                .collect(),
        ));
    }
    checked(patch.apply(&rules::draft_product("", Route::Other)))
}

pub async fn plan_item(
    conn: &impl ConnectionTrait,
    c: i64,
    req: &ProposalRequest,
) -> AppResult<PlannedItem> {
    match req.kind {
        ProposalRequestKind::Add => {
            let patch = req.fields.clone().ok_or_else(|| {
                AppError::field(
                    "fields",
                    tr(
                        "请填写新药品的全部字段",
                        "give every field of the new product",
                    ),
                )
            })?;
            let after = complete(&patch)?;
            Ok(PlannedItem {
                kind: ProposalKind::Add,
                entry_id: None,
                changes: rules::all_fields(&after),
                patch: EntryPatch::whole(&after),
                after,
                base: None,
            })
        }
        ProposalRequestKind::Amend | ProposalRequestKind::Suspend | ProposalRequestKind::Withdraw => {
            let id = req.entry_id.ok_or_else(|| {
                AppError::field(
                    "entry_id",
                    tr("请指定要变更的条目", "name the entry to change"),
                )
            })?;
            let latest = latest_version(conn, c, id).await?;
            let current = to_fields(&latest);
            let patch = match req.kind {
                ProposalRequestKind::Amend => req.fields.clone().ok_or_else(|| {
                    AppError::field(
                        "fields",
                        tr("请填写要修改的字段", "give the fields to change"),
                    )
                })?,
                ProposalRequestKind::Suspend => EntryPatch {
                    status: Some(EntryStatus::Suspended),
                    ..Default::default()
                },
                _ => EntryPatch {
                    status: Some(EntryStatus::Withdrawn),
                    ..Default::default()
                },
            };
            let after = checked(patch.apply(&current))?;
            let changes = rules::field_changes(&current, &after);
            if changes.is_empty() {
                return Err(AppError::field(
                    "fields",
                    tr(
                        "没有任何变化：该条目已是这些值",
                        "this changes nothing: the entry already has these values",
                    ),
                ));
            }
            Ok(PlannedItem {
                kind: req.kind.into(),
                entry_id: Some(id),
                patch,
                after,
                changes,
                base: Some(latest.id),
            })
        }
    }
}

/// F5 over the formulary as it will be after `items` apply.
pub async fn f5_violations(
    conn: &impl ConnectionTrait,
    c: i64,
    items: &[PlannedItem],
) -> AppResult<Vec<Refusal>> {
    let names: Vec<String> = items
        .iter()
        .map(|i| i.after.generic_name_zh.trim().to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if names.is_empty() {
        return Ok(vec![]);
    }
    let mut current: HashMap<i64, (String, Route, EntryStatus)> = HashMap::new();
    for chunk in names.chunks(500) {
        let rows = version::Entity::find()
            .filter(version::Column::ConsortiumId.eq(c))
            .filter(version::Column::ValidTo.is_null())
            .filter(version::Column::GenericNameZh.is_in(chunk.to_vec()))
            .all(conn)
            .await?;
        for v in rows {
            current.insert(v.entry_id, (v.generic_name_zh, v.route, v.status));
        }
    }
    let before: Vec<(String, Route, EntryStatus)> = current.values().cloned().collect();
    let mut added = Vec::new();
    for i in items {
        let row = (
            i.after.generic_name_zh.trim().to_string(),
            i.after.route,
            i.after.status,
        );
        match i.entry_id {
            Some(id) => {
                current.insert(id, row);
            }
            None => added.push(row),
        }
    }
    let after: Vec<(String, Route, EntryStatus)> = current.into_values().chain(added).collect();
    Ok(rules::f5_one_generic_two_specs(
        before.iter().map(|(n, r, s)| (n.as_str(), *r, *s)),
        after.iter().map(|(n, r, s)| (n.as_str(), *r, *s)),
    ))
}

pub fn f5_refusal(v: &[Refusal]) -> AppError {
    AppError::rule(
        RuleId::F5,
        v.iter()
            .map(|r| r.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// What a new proposal records.
pub struct NewProposal<'a> {
    pub kind: ProposalKind,
    pub reason: &'a str,
    pub effective: NaiveDate,
    pub justification: Option<String>,
    pub proposer: i64,
    pub at: DateTime<Utc>,
}

pub async fn insert_proposal(
    conn: &impl ConnectionTrait,
    c: i64,
    p: NewProposal<'_>,
    items: &[PlannedItem],
) -> AppResult<i64> {
    let row = proposal::ActiveModel {
        consortium_id: Set(c),
        kind: Set(p.kind),
        status: Set(ProposalStatus::Pending),
        reason: Set(p.reason.trim().to_string()),
        effective_date: Set(p.effective),
        justification: Set(p.justification),
        proposer_id: Set(p.proposer),
        created_at: Set(p.at),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
        item_count: Set(items.len() as i32),
        version: Set(1),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let mut models = Vec::with_capacity(items.len());
    for (n, i) in items.iter().enumerate() {
        models.push(item::ActiveModel {
            consortium_id: Set(c),
            proposal_id: Set(row.id),
            seq: Set(n as i32),
            kind: Set(i.kind),
            entry_id: Set(i.entry_id),
            generic_name_zh: Set(i.after.generic_name_zh.clone()),
            fields_json: Set(json(&i.patch)?),
            changes_json: Set(Some(json(&i.changes)?)),
            base_version_id: Set(i.base),
            ..Default::default()
        });
    }
    for chunk in models.chunks(200) {
        item::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    Ok(row.id)
}

pub fn json<T: serde::Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.into()))
}

pub async fn find_proposal(
    conn: &impl ConnectionTrait,
    c: i64,
    id: i64,
) -> AppResult<proposal::Model> {
    proposal::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|p| p.consortium_id == c)
        .ok_or(AppError::NotFound)
}

/// Views of proposals in a fixed number of queries whatever their number: the proposals are
/// given; their items (for those of at most `max_items` items) in one query, the entries they
/// change and the other pending proposals on them in one each ([`item_views`]); the people in
/// one.
pub async fn proposal_views(
    conn: &impl ConnectionTrait,
    rows: Vec<proposal::Model>,
    max_items: i32,
) -> AppResult<Vec<Proposal>> {
    let wanted: Vec<i64> = rows
        .iter()
        .filter(|p| p.item_count <= max_items)
        .map(|p| p.id)
        .collect();
    let mut items: HashMap<i64, Vec<ProposalItemView>> = HashMap::new();
    if !wanted.is_empty() {
        let models = item::Entity::find()
            .filter(item::Column::ProposalId.is_in(wanted))
            .order_by_asc(item::Column::ProposalId)
            .order_by_asc(item::Column::Seq)
            .all(conn)
            .await?;
        for (pid, view) in item_views(conn, models).await? {
            items.entry(pid).or_default().push(view);
        }
    }
    let ids = proposal_people(&rows);
    let who = people(conn, ids).await?;
    rows.into_iter()
        .map(|p| {
            Ok(Proposal {
                id: p.id,
                kind: p.kind,
                status: p.status,
                proposer: person(&who, p.proposer_id)?,
                decided_by: p.decided_by.map(|d| person(&who, d)).transpose()?,
                items: items.remove(&p.id).unwrap_or_default(),
                reason: p.reason,
                effective_date: p.effective_date,
                justification: p.justification,
                created_at: p.created_at,
                decided_at: p.decided_at,
                decision_reason: p.decision_reason,
                item_count: p.item_count,
                version: p.version,
            })
        })
        .collect()
}

/// Views of proposal items, each with its proposal id, in three queries whatever their number:
/// the product in full (the entry as it stands now, or the new product), the present values of
/// the fields it changes, the price change and whether it is flagged (rule
/// [`rules::PRICE_FLAG_PERCENT`]), and the other pending proposals on the same entry.
pub async fn item_views(
    conn: &impl ConnectionTrait,
    models: Vec<item::Model>,
) -> AppResult<Vec<(i64, ProposalItemView)>> {
    let entries: Vec<i64> = models
        .iter()
        .filter_map(|i| i.entry_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // The newest version of each entry, and the pending proposals on each.
    let mut newest: HashMap<i64, version::Model> = HashMap::new();
    let mut on_entry: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in entries.chunks(500) {
        for v in version::Entity::find()
            .filter(version::Column::EntryId.is_in(chunk.to_vec()))
            .filter(version::Column::ValidTo.is_null())
            .all(conn)
            .await?
        {
            newest.insert(v.entry_id, v);
        }
        let pending = sea_orm::sea_query::Query::select()
            .column(proposal::Column::Id)
            .from(proposal::Entity)
            .and_where(proposal::Column::Status.eq(ProposalStatus::Pending))
            .to_owned();
        for (entry, pid) in item::Entity::find()
            .select_only()
            .column(item::Column::EntryId)
            .column(item::Column::ProposalId)
            .filter(item::Column::EntryId.is_in(chunk.to_vec()))
            .filter(item::Column::ProposalId.in_subquery(pending))
            .order_by_asc(item::Column::ProposalId)
            .into_tuple::<(i64, i64)>()
            .all(conn)
            .await?
        {
            on_entry.entry(entry).or_default().push(pid);
        }
    }
    let mut out = Vec::with_capacity(models.len());
    for i in models {
        let changes = changes_of(&i)?;
        let current = i.entry_id.and_then(|e| newest.get(&e)).map(to_fields);
        let product = match &current {
            Some(f) => ProductName::of(f),
            None => {
                let p = patch_of(&i)?;
                ProductName {
                    generic_name_zh: p.generic_name_zh.unwrap_or_else(|| i.generic_name_zh.clone()),
                    strength: p.strength.unwrap_or_default(),
                    dosage_form: p.dosage_form.unwrap_or_default(),
                    manufacturer: p.manufacturer.unwrap_or_default(),
                }
            }
        };
        // What the fields this item changes hold now (the approver's "current value").
        let now = match (&current, serde_json::to_value(current.as_ref())) {
            (Some(_), Ok(serde_json::Value::Object(all))) => changes
                .iter()
                .filter_map(|c| all.get(&c.field).map(|v| (c.field.clone(), v.clone())))
                .collect(),
            _ => Default::default(),
        };
        let price_change_percent = changes
            .iter()
            .find(|c| c.field == "unit_price")
            .and_then(|c| rules::price_change_percent(c.old.as_ref()?, c.new.as_ref()?));
        let other_pending = i
            .entry_id
            .and_then(|e| on_entry.get(&e))
            .map(|v| v.iter().copied().filter(|p| *p != i.proposal_id).collect())
            .unwrap_or_default();
        out.push((
            i.proposal_id,
            ProposalItemView {
                kind: i.kind,
                entry_id: i.entry_id,
                product,
                now,
                price_flagged: price_change_percent
                    .is_some_and(|p| p.abs() >= f64::from(rules::PRICE_FLAG_PERCENT)),
                price_change_percent,
                changes,
                generic_name_zh: i.generic_name_zh,
                other_pending,
            },
        ));
    }
    Ok(out)
}

/// Proposers and deciders of some proposals.
pub fn proposal_people<'a>(rows: impl IntoIterator<Item = &'a proposal::Model>) -> Vec<i64> {
    let mut ids = Vec::new();
    for p in rows {
        ids.push(p.proposer_id);
        ids.extend(p.decided_by);
    }
    ids
}

pub async fn proposal_view(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<Proposal> {
    let p = find_proposal(conn, c, id).await?;
    proposal_views(conn, vec![p], i32::MAX)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The items of a proposal, re-planned against the entries as they stand now.
pub async fn planned_from_items(
    conn: &impl ConnectionTrait,
    c: i64,
    pid: i64,
) -> AppResult<(Vec<item::Model>, Vec<PlannedItem>)> {
    let items = item::Entity::find()
        .filter(item::Column::ProposalId.eq(pid))
        .order_by_asc(item::Column::Seq)
        .all(conn)
        .await?;
    let mut planned = Vec::with_capacity(items.len());
    for i in &items {
        let patch = patch_of(i)?;
        let after = match i.entry_id {
            None => complete(&patch)?,
            Some(id) => checked(patch.apply(&to_fields(&latest_version(conn, c, id).await?)))?,
        };
        planned.push(PlannedItem {
            kind: i.kind,
            entry_id: i.entry_id,
            changes: changes_of(i)?,
            patch,
            after,
            base: i.base_version_id,
        });
    }
    Ok((items, planned))
}

/// Refuse to approve changes written against a version of an entry that is no longer its newest
/// (another proposal was approved on it since): the approver would approve a change they have
/// not seen. The message says what changed since, item by item.
pub async fn ensure_current(
    conn: &impl ConnectionTrait,
    c: i64,
    planned: &[PlannedItem],
) -> AppResult<()> {
    let mut stale = Vec::new();
    for p in planned {
        let (Some(id), Some(base)) = (p.entry_id, p.base) else {
            continue;
        };
        let latest = latest_version(conn, c, id).await?;
        if latest.id == base {
            continue;
        }
        let was = version::Entity::find_by_id(base)
            .one(conn)
            .await?
            .ok_or(AppError::NotFound)?;
        let changed = rules::field_changes(&to_fields(&was), &to_fields(&latest));
        let show = |v: &Option<serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => "—".into(),
            Some(v) => v.to_string(),
        };
        // Fields by the names people know (the template's column headers; words in English).
        let list = |zh: bool| {
            changed
                .iter()
                .map(|c| {
                    let name = if zh {
                        super::io::zh_of(&c.field).to_string()
                    } else {
                        c.field.replace('_', " ")
                    };
                    format!("{name} {} → {}", show(&c.old), show(&c.new))
                })
                .collect::<Vec<_>>()
                .join(if zh { "，" } else { ", " })
        };
        let (since_zh, since_en) = (list(true), list(false));
        stale.push(tr(
            format!(
                "{}（条目 {id}）自提议以来已变更（{} 起生效的提议 #{}）：{since_zh}",
                latest.generic_name_zh, latest.valid_from, latest.proposal_id
            ),
            format!(
                "{} (entry {id}) changed since this proposal was made (proposal #{}, effective {}): {since_en}",
                latest.generic_name_zh, latest.proposal_id, latest.valid_from
            ),
        ));
    }
    if stale.is_empty() {
        return Ok(());
    }
    Err(AppError::Conflict(tr(
        format!(
            "{}。此提议是按旧值写的，不能批准：请驳回，并按当前值重新提议",
            stale.join("；")
        ),
        format!(
            "{}. This proposal was written against the old values and cannot be approved: reject it and propose again from the current values",
            stale.join("; ")
        ),
    )))
}

/// Apply one approved change on its effective date.
pub async fn apply_item(
    conn: &impl ConnectionTrait,
    c: i64,
    pid: i64,
    effective: NaiveDate,
    i: &item::Model,
    plan: &PlannedItem,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (entry_id, changes) = match i.entry_id {
        None => {
            let e = formulary_entry::ActiveModel {
                consortium_id: Set(c),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            version_model(c, e.id, pid, effective, &plan.after)?
                .insert(conn)
                .await?;
            (e.id, rules::all_fields(&plan.after))
        }
        Some(id) => {
            let latest = latest_version(conn, c, id).await?;
            if latest.valid_from > effective {
                return Err(AppError::Conflict(tr(
                    format!(
                        "条目 {id} 已有 {} 生效的变更；本提议的生效日期 {effective} 更早——请以该日或更晚的日期重新提议",
                        latest.valid_from
                    ),
                    format!(
                        "entry {id} already has a change effective {}; this proposal's date {effective} is earlier — propose again for that day or later",
                        latest.valid_from
                    ),
                )));
            }
            let before = to_fields(&latest);
            version::Entity::update_many()
                .col_expr(version::Column::ValidTo, Expr::value(Some(effective)))
                .filter(version::Column::Id.eq(latest.id))
                .exec(conn)
                .await?;
            version_model(c, id, pid, effective, &plan.after)?
                .insert(conn)
                .await?;
            (id, rules::field_changes(&before, &plan.after))
        }
    };
    item::Entity::update_many()
        .col_expr(item::Column::EntryId, Expr::value(Some(entry_id)))
        .col_expr(item::Column::ChangesJson, Expr::value(Some(json(&changes)?)))
        .filter(item::Column::Id.eq(i.id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The consortium's settings row, or the defaults when none was written yet.
pub async fn settings_row(conn: &impl ConnectionTrait, c: i64) -> AppResult<setting::Model> {
    Ok(setting::Entity::find_by_id(c)
        .one(conn)
        .await?
        .unwrap_or(setting::Model {
            consortium_id: c,
            target_primary_pm: 900,
            target_secondary_pm: 800,
            target_tertiary_pm: 600,
            rev: 0,
            import_mapping: None,
            version: 0,
        }))
}

/// Make sure the settings row exists (with the defaults).
pub async fn ensure_settings(conn: &impl ConnectionTrait, c: i64) -> AppResult<()> {
    let d = settings_row(conn, c).await?;
    if d.version > 0 {
        return Ok(());
    }
    setting::Entity::insert(setting::ActiveModel {
        consortium_id: Set(c),
        target_primary_pm: Set(d.target_primary_pm),
        target_secondary_pm: Set(d.target_secondary_pm),
        target_tertiary_pm: Set(d.target_tertiary_pm),
        rev: Set(0),
        import_mapping: Set(None),
        version: Set(1),
    })
    .on_conflict_do_nothing_on([setting::Column::ConsortiumId])
    .exec(conn)
    .await?;
    Ok(())
}

/// Every formulary change moves the revision, so other instances rebuild their index.
pub async fn bump_rev(conn: &impl ConnectionTrait, c: i64) -> AppResult<()> {
    ensure_settings(conn, c).await?;
    setting::Entity::update_many()
        .col_expr(setting::Column::Rev, Expr::col(setting::Column::Rev).add(1))
        .filter(setting::Column::ConsortiumId.eq(c))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn formulary_rev(conn: &impl ConnectionTrait, c: i64) -> AppResult<i64> {
    let rev: Option<i64> = setting::Entity::find_by_id(c)
        .select_only()
        .column(setting::Column::Rev)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(rev.unwrap_or(0))
}

/// One page of a consortium's versions by id (for building the search index without holding
/// every row at once).
pub async fn versions_after(
    conn: &impl ConnectionTrait,
    c: i64,
    after_id: i64,
    limit: u64,
) -> AppResult<Vec<version::Model>> {
    Ok(version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(version::Column::Id.gt(after_id))
        .order_by_asc(version::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}
