//! Formulary transactions and queries. The formulary is temporal (see migration m0002): a change
//! never overwrites a row; it closes the current version on the effective date and opens a new
//! one. "As of d" needs no job to run on time: a future-dated version simply is not valid yet.
use crate::i18n::tr;
use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, Utc};
use entity::{
    consortium, formulary_entry, formulary_proposal as proposal, formulary_proposal_item as item,
    formulary_version as version, user,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value;

use super::rules::{self, Refusal};
use super::views::*;
use crate::audit::{self, Actor, Event};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, FieldError};
use crate::org::Level;

/// The consortium's calendar day. Consortia are in China (UTC+8); effective dates are local days.
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::rule(r.rule, r.message)
    }
}

pub fn price_e4(p: Decimal) -> i64 {
    let scaled = (p * Decimal::new(10_000, 0)).trunc();
    i64::try_from(scaled).unwrap_or(i64::MAX)
}

pub fn price_from_e4(e4: i64) -> Decimal {
    if e4 % 100 == 0 {
        Decimal::new(e4 / 100, 2)
    } else {
        Decimal::new(e4, 4)
    }
}

fn parse_or<T>(v: Option<T>, fallback: T) -> T {
    v.unwrap_or(fallback)
}

pub fn to_fields(v: &version::Model) -> EntryFields {
    EntryFields {
        generic_name_zh: v.generic_name_zh.clone(),
        generic_name_en: v.generic_name_en.clone(),
        dosage_form: v.dosage_form.clone(),
        route: parse_or(Route::parse(&v.route), Route::Other),
        strength: v.strength.clone(),
        base_unit: v.base_unit.clone(),
        pack_size: v.pack_size,
        pack_unit: v.pack_unit.clone(),
        manufacturer: v.manufacturer.clone(),
        approval_number: v.approval_number.clone(),
        nhsa_code: v.nhsa_code.clone(),
        atc_code: v.atc_code.clone(),
        unit_price: price_from_e4(v.unit_price_e4),
        essential_national: v.essential_national,
        essential_provincial: v.essential_provincial,
        vbp: v.vbp,
        insurance_class: parse_or(
            InsuranceClass::parse(&v.insurance_class),
            InsuranceClass::None,
        ),
        special_class: parse_or(SpecialClass::parse(&v.special_class), SpecialClass::None),
        antimicrobial_tier: parse_or(
            AntimicrobialTier::parse(&v.antimicrobial_tier),
            AntimicrobialTier::None,
        ),
        storage: parse_or(Storage::parse(&v.storage), Storage::Ordinary),
        level_scope: parse_or(Level::parse(&v.level_scope), Level::Lead),
        long_rx_eligible: v.long_rx_eligible,
        extended_rx_eligible: v.extended_rx_eligible,
        status: parse_or(EntryStatus::parse(&v.status), EntryStatus::Active),
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

/// The order a Chinese reader expects: pinyin of the name (first readings), then the name.
pub fn sort_key(name: &str) -> String {
    let k = tongyao_search::name_keys(name.trim());
    format!(
        "{}\u{1}{}",
        k.full.first().map(String::as_str).unwrap_or(""),
        name.trim()
    )
}

pub fn version_model(
    c: i64,
    entry_id: i64,
    proposal_id: i64,
    from: NaiveDate,
    f: &EntryFields,
) -> version::ActiveModel {
    version::ActiveModel {
        consortium_id: Set(c),
        entry_id: Set(entry_id),
        proposal_id: Set(proposal_id),
        valid_from: Set(from),
        valid_to: Set(None),
        generic_name_zh: Set(f.generic_name_zh.trim().to_string()),
        generic_name_en: Set(f.generic_name_en.trim().to_string()),
        dosage_form: Set(f.dosage_form.trim().to_string()),
        route: Set(f.route.code().into()),
        strength: Set(f.strength.trim().to_string()),
        base_unit: Set(f.base_unit.trim().to_string()),
        pack_size: Set(f.pack_size),
        pack_unit: Set(f.pack_unit.trim().to_string()),
        manufacturer: Set(f.manufacturer.trim().to_string()),
        approval_number: Set(f.approval_number.trim().to_string()),
        nhsa_code: Set(f.nhsa_code.clone().filter(|s| !s.is_empty())),
        atc_code: Set(f.atc_code.clone().filter(|s| !s.is_empty())),
        unit_price_e4: Set(price_e4(f.unit_price)),
        essential_national: Set(f.essential_national),
        essential_provincial: Set(f.essential_provincial),
        vbp: Set(f.vbp),
        insurance_class: Set(f.insurance_class.code().into()),
        special_class: Set(f.special_class.code().into()),
        antimicrobial_tier: Set(f.antimicrobial_tier.code().into()),
        storage: Set(f.storage.code().into()),
        level_scope: Set(f.level_scope.as_str().into()),
        long_rx_eligible: Set(f.long_rx_eligible),
        extended_rx_eligible: Set(f.extended_rx_eligible),
        status: Set(f.status.code().into()),
        pinyin: Set(pinyin_column(&f.generic_name_zh)),
        sort_key: Set(sort_key(&f.generic_name_zh)),
        ..Default::default()
    }
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
pub fn scopes_usable_at(level: Level) -> Vec<&'static str> {
    Level::ALL
        .iter()
        .filter(|s| level.may_use(**s))
        .map(|s| s.as_str())
        .collect()
}

pub async fn list_entries(
    conn: &impl ConnectionTrait,
    c: i64,
    q: &ListQuery,
    limit: u64,
) -> AppResult<EntryPage> {
    let d = q.as_of.unwrap_or_else(today);
    let mut sel = version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(valid_at(d));
    match q.status {
        Some(s) => sel = sel.filter(version::Column::Status.eq(s.code())),
        None => sel = sel.filter(version::Column::Status.ne(EntryStatus::Withdrawn.code())),
    }
    if let Some(l) = q.level {
        sel = sel.filter(version::Column::LevelScope.is_in(scopes_usable_at(l)));
    }
    if let Some(e) = q.essential {
        let ess = Condition::any()
            .add(version::Column::EssentialNational.eq(true))
            .add(version::Column::EssentialProvincial.eq(true));
        sel = sel.filter(if e { ess } else { ess.not() });
    }
    if let Some(s) = q.special_class {
        sel = sel.filter(version::Column::SpecialClass.eq(s.code()));
    }
    if let Some(r) = q.route {
        sel = sel.filter(version::Column::Route.eq(r.code()));
    }
    let total = sel.clone().count(conn).await?;
    if let Some(cur) = &q.cursor {
        let (key, id): (String, i64) = crate::paging::Cursor::decode(cur)
            .ok_or_else(|| AppError::field("cursor", tr("翻页游标无效", "invalid cursor")))?;
        sel = sel.filter(
            Condition::any()
                .add(version::Column::SortKey.gt(key.clone()))
                .add(
                    Condition::all()
                        .add(version::Column::SortKey.eq(key))
                        .add(version::Column::EntryId.gt(id)),
                ),
        );
    }
    let mut rows = sel
        .order_by_asc(version::Column::SortKey)
        .order_by_asc(version::Column::EntryId)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| crate::paging::Cursor::encode(&(r.sort_key.clone(), r.entry_id)))
    } else {
        None
    };
    Ok(EntryPage {
        items: rows.iter().map(to_entry).collect(),
        next_cursor,
        total,
    })
}

pub async fn entry_exists(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<()> {
    formulary_entry::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|e| e.consortium_id == c)
        .map(|_| ())
        .ok_or(AppError::NotFound)
}

pub async fn get_entry(
    conn: &impl ConnectionTrait,
    c: i64,
    id: i64,
    as_of: NaiveDate,
) -> AppResult<Entry> {
    entry_exists(conn, c, id).await?;
    version::Entity::find()
        .filter(version::Column::EntryId.eq(id))
        .filter(valid_at(as_of))
        .one(conn)
        .await?
        .map(|v| to_entry(&v))
        .ok_or_else(|| {
            AppError::BadRequest(tr(
                format!("条目 {id} 在 {as_of} 尚未列入目录"),
                format!("entry {id} was not yet in the formulary on {as_of}"),
            ))
        })
}

/// The newest version of an entry (possibly effective in the future).
async fn latest_version(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<version::Model> {
    version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(version::Column::EntryId.eq(id))
        .order_by_desc(version::Column::ValidFrom)
        .order_by_desc(version::Column::Id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn people(conn: &impl ConnectionTrait, ids: Vec<i64>) -> AppResult<HashMap<i64, PersonRef>> {
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

fn person(map: &HashMap<i64, PersonRef>, id: i64) -> PersonRef {
    map.get(&id).cloned().unwrap_or(PersonRef {
        id,
        display_name: format!("#{id}"),
    })
}

fn changes_of(i: &item::Model) -> Vec<FieldChange> {
    i.changes_json
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

pub async fn timeline(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<Timeline> {
    entry_exists(conn, c, id).await?;
    let items = item::Entity::find()
        .filter(item::Column::EntryId.eq(id))
        .order_by_asc(item::Column::Id)
        .all(conn)
        .await?;
    let pids: Vec<i64> = items.iter().map(|i| i.proposal_id).collect();
    let props: HashMap<i64, proposal::Model> = proposal::Entity::find()
        .filter(proposal::Column::Id.is_in(pids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let ids: Vec<i64> = props
        .values()
        .flat_map(|p| [Some(p.proposer_id), p.decided_by])
        .flatten()
        .collect();
    let who = people(conn, ids).await?;
    let mut out: Vec<TimelineEvent> = items
        .iter()
        .filter_map(|i| {
            let p = props.get(&i.proposal_id)?;
            Some(TimelineEvent {
                proposal_id: p.id,
                kind: ProposalKind::parse(&i.kind).unwrap_or(ProposalKind::Amend),
                status: ProposalStatus::parse(&p.status).unwrap_or(ProposalStatus::Pending),
                reason: p.reason.clone(),
                effective_date: p.effective_date,
                proposer: person(&who, p.proposer_id),
                proposed_at: p.created_at,
                decided_by: p.decided_by.map(|d| person(&who, d)),
                decided_at: p.decided_at,
                decision_reason: p.decision_reason.clone(),
                justification: p.justification.clone(),
                changes: changes_of(i),
            })
        })
        .collect();
    out.sort_by_key(|e| (e.proposed_at, e.proposal_id));
    Ok(Timeline { items: out })
}

/// One change a proposal will make, validated.
#[derive(Clone, Debug)]
pub struct PlannedItem {
    pub kind: ProposalKind,
    pub entry_id: Option<i64>,
    /// For add: all fields; amend: the patch; suspend/withdraw: `{"status": …}`.
    pub fields: Value,
    /// The product as it will be.
    pub after: EntryFields,
    pub changes: Vec<FieldChange>,
}

/// Merge a JSON patch of fields onto a product; unknown fields and bad values are 422s naming
/// the field.
pub fn apply_patch(base: &EntryFields, patch: &Value) -> AppResult<EntryFields> {
    let Value::Object(p) = patch else {
        return Err(AppError::field(
            "fields",
            tr(
                "应为字段名与值的对象",
                "an object of field names and values",
            ),
        ));
    };
    let mut v = serde_json::to_value(base).map_err(|e| AppError::Internal(e.into()))?;
    if let Value::Object(m) = &mut v {
        for (k, val) in p {
            if !m.contains_key(k) {
                return Err(AppError::field(
                    format!("fields.{k}"),
                    tr("未知字段", "unknown field"),
                ));
            }
            m.insert(k.clone(), val.clone());
        }
    }
    parse_fields(v)
}

pub fn parse_fields(v: Value) -> AppResult<EntryFields> {
    let f: EntryFields = serde_json::from_value(v).map_err(|e| {
        let msg = e.to_string();
        let field = msg
            .split('`')
            .nth(1)
            .map(|f| format!("fields.{f}"))
            .unwrap_or_else(|| "fields".into());
        AppError::Validation(vec![FieldError::new(field, msg)])
    })?;
    let errs = rules::check_fields(&f);
    if !errs.is_empty() {
        return Err(AppError::Validation(
            errs.into_iter()
                .map(|e| FieldError::new(format!("fields.{}", e.field), e.message))
                .collect(),
        ));
    }
    Ok(f)
}

pub async fn plan_item(
    conn: &impl ConnectionTrait,
    c: i64,
    req: &ProposalRequest,
) -> AppResult<PlannedItem> {
    match req.kind {
        ProposalKind::Add => {
            let fields = req.fields.clone().ok_or_else(|| {
                AppError::field(
                    "fields",
                    tr(
                        "请填写新药品的全部字段",
                        "give every field of the new product",
                    ),
                )
            })?;
            let after = parse_fields(fields.clone())?;
            Ok(PlannedItem {
                kind: ProposalKind::Add,
                entry_id: None,
                changes: rules::all_fields(&after),
                fields,
                after,
            })
        }
        ProposalKind::Amend | ProposalKind::Suspend | ProposalKind::Withdraw => {
            let id = req.entry_id.ok_or_else(|| {
                AppError::field(
                    "entry_id",
                    tr("请指定要变更的条目", "name the entry to change"),
                )
            })?;
            let current = to_fields(&latest_version(conn, c, id).await?);
            let patch = match req.kind {
                ProposalKind::Amend => req.fields.clone().ok_or_else(|| {
                    AppError::field(
                        "fields",
                        tr("请填写要修改的字段", "give the fields to change"),
                    )
                })?,
                ProposalKind::Suspend => serde_json::json!({"status": "suspended"}),
                _ => serde_json::json!({"status": "withdrawn"}),
            };
            let after = apply_patch(&current, &patch)?;
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
                kind: req.kind,
                entry_id: Some(id),
                fields: patch,
                after,
                changes,
            })
        }
        ProposalKind::Batch => Err(AppError::field(
            "kind",
            tr(
                "批量提议只能通过导入产生",
                "batch proposals come from an import",
            ),
        )),
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
            let f = to_fields(&v);
            current.insert(v.entry_id, (f.generic_name_zh, f.route, f.status));
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
        "F5",
        v.iter()
            .map(|r| r.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Create a pending proposal of any kind (batch from imports).
pub async fn create_proposal(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    c: i64,
    kind: ProposalKind,
    reason: &str,
    effective: NaiveDate,
    justification: Option<String>,
    items: Vec<PlannedItem>,
) -> AppResult<i64> {
    rules::f1_effective_date(effective, today())?;
    if justification.is_none() {
        let v = f5_violations(conn, c, &items).await?;
        if !v.is_empty() {
            return Err(f5_refusal(&v));
        }
    }
    let p = proposal::ActiveModel {
        consortium_id: Set(c),
        kind: Set(kind.code().into()),
        status: Set(ProposalStatus::Pending.code().into()),
        reason: Set(reason.trim().to_string()),
        effective_date: Set(effective),
        justification: Set(justification),
        proposer_id: Set(user.id()),
        created_at: Set(Utc::now()),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
        item_count: Set(items.len() as i32),
        version: Set(1),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    insert_items(conn, c, p.id, &items).await?;
    audit::record(
        conn,
        &Actor::from(user),
        Event::new("formulary.proposal_created", "formulary_proposal", p.id)
            .after(serde_json::json!({"kind": kind.code(), "items": items.len(), "effective_date": effective}))
            .reason(reason),
    )
    .await?;
    Ok(p.id)
}

async fn insert_items(
    conn: &impl ConnectionTrait,
    c: i64,
    pid: i64,
    items: &[PlannedItem],
) -> AppResult<()> {
    let models: Vec<item::ActiveModel> = items
        .iter()
        .enumerate()
        .map(|(n, i)| item::ActiveModel {
            consortium_id: Set(c),
            proposal_id: Set(pid),
            seq: Set(n as i32),
            kind: Set(i.kind.code().into()),
            entry_id: Set(i.entry_id),
            generic_name_zh: Set(i.after.generic_name_zh.clone()),
            fields_json: Set(i.fields.to_string()),
            changes_json: Set(Some(serde_json::to_string(&i.changes).unwrap_or_default())),
            ..Default::default()
        })
        .collect();
    for chunk in models.chunks(200) {
        item::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    Ok(())
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

pub async fn proposal_view(
    conn: &impl ConnectionTrait,
    p: proposal::Model,
    with_items: bool,
) -> AppResult<Proposal> {
    let items = if with_items {
        item::Entity::find()
            .filter(item::Column::ProposalId.eq(p.id))
            .order_by_asc(item::Column::Seq)
            .all(conn)
            .await?
            .iter()
            .map(|i| ProposalItemView {
                kind: ProposalKind::parse(&i.kind).unwrap_or(ProposalKind::Amend),
                entry_id: i.entry_id,
                generic_name_zh: i.generic_name_zh.clone(),
                changes: changes_of(i),
            })
            .collect()
    } else {
        vec![]
    };
    let ids: Vec<i64> = [Some(p.proposer_id), p.decided_by]
        .into_iter()
        .flatten()
        .collect();
    let who = people(conn, ids).await?;
    Ok(Proposal {
        id: p.id,
        kind: ProposalKind::parse(&p.kind).unwrap_or(ProposalKind::Amend),
        status: ProposalStatus::parse(&p.status).unwrap_or(ProposalStatus::Pending),
        reason: p.reason,
        effective_date: p.effective_date,
        justification: p.justification,
        proposer: person(&who, p.proposer_id),
        created_at: p.created_at,
        decided_by: p.decided_by.map(|d| person(&who, d)),
        decided_at: p.decided_at,
        decision_reason: p.decision_reason,
        item_count: p.item_count,
        items,
        version: p.version,
    })
}

pub async fn list_proposals(
    conn: &impl ConnectionTrait,
    c: i64,
    q: &ProposalQuery,
) -> AppResult<ProposalPage> {
    let limit = crate::paging::clamp_limit(q.limit);
    let mut sel = proposal::Entity::find().filter(proposal::Column::ConsortiumId.eq(c));
    if let Some(s) = q.status {
        sel = sel.filter(proposal::Column::Status.eq(s.code()));
    }
    if let Some(cur) = &q.cursor {
        let before: i64 = crate::paging::Cursor::decode(cur)
            .ok_or_else(|| AppError::field("cursor", tr("翻页游标无效", "invalid cursor")))?;
        sel = sel.filter(proposal::Column::Id.lt(before));
    }
    let mut rows = sel
        .order_by_desc(proposal::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| crate::paging::Cursor::encode(&r.id))
    } else {
        None
    };
    let mut items = Vec::with_capacity(rows.len());
    for p in rows {
        // Small proposals show their items in the inbox; big batches are opened one by one.
        let small = p.item_count <= 20;
        items.push(proposal_view(conn, p, small).await?);
    }
    Ok(ProposalPage { items, next_cursor })
}

/// Decide a pending proposal: the guarded UPDATE makes exactly one of two concurrent decisions
/// win; the other sees zero rows and answers 409.
async fn decide(
    conn: &impl ConnectionTrait,
    p: &proposal::Model,
    by: i64,
    status: ProposalStatus,
    why: Option<String>,
) -> AppResult<()> {
    let res = proposal::Entity::update_many()
        .col_expr(proposal::Column::Status, Expr::value(status.code()))
        .col_expr(proposal::Column::DecidedBy, Expr::value(Some(by)))
        .col_expr(proposal::Column::DecidedAt, Expr::value(Some(Utc::now())))
        .col_expr(proposal::Column::DecisionReason, Expr::value(why))
        .col_expr(proposal::Column::Version, Expr::value(p.version + 1))
        .filter(proposal::Column::Id.eq(p.id))
        .filter(proposal::Column::Status.eq(ProposalStatus::Pending.code()))
        .filter(proposal::Column::Version.eq(p.version))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::Conflict(
            tr(
                "该提议刚刚已由他人处理，请刷新",
                "this proposal was decided by someone else a moment ago; reload it",
            )
            .into(),
        ));
    }
    Ok(())
}

fn ensure_pending(p: &proposal::Model) -> AppResult<()> {
    if p.status != ProposalStatus::Pending.code() {
        return Err(AppError::Conflict(tr(
            format!("该提议已处于“{}”状态", p.status),
            format!("this proposal is already {}", p.status),
        )));
    }
    Ok(())
}

async fn planned_from_items(
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
        let fields: Value =
            serde_json::from_str(&i.fields_json).map_err(|e| AppError::Internal(e.into()))?;
        let kind = ProposalKind::parse(&i.kind).unwrap_or(ProposalKind::Amend);
        let after = match i.entry_id {
            None => parse_fields(fields.clone())?,
            Some(id) => apply_patch(&to_fields(&latest_version(conn, c, id).await?), &fields)?,
        };
        planned.push(PlannedItem {
            kind,
            entry_id: i.entry_id,
            fields,
            after,
            changes: changes_of(i),
        });
    }
    Ok((items, planned))
}

pub async fn approve(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    c: i64,
    id: i64,
    note: Option<String>,
) -> AppResult<()> {
    let p = find_proposal(conn, c, id).await?;
    ensure_pending(&p)?;
    rules::f1_four_eyes(p.proposer_id, user.id()).map_err(|r| AppError::Rule {
        rule: r.rule,
        status: axum::http::StatusCode::FORBIDDEN,
        message: r.message,
    })?;
    let (items, planned) = planned_from_items(conn, c, p.id).await?;
    if p.justification.is_none() {
        let v = f5_violations(conn, c, &planned).await?;
        if !v.is_empty() {
            return Err(f5_refusal(&v));
        }
    }
    decide(conn, &p, user.id(), ProposalStatus::Approved, note.clone()).await?;
    for (i, plan) in items.iter().zip(&planned) {
        apply_item(conn, c, p.id, p.effective_date, i, plan).await?;
    }
    bump_rev(conn, c).await?;
    let mut e = Event::new("formulary.proposal_approved", "formulary_proposal", p.id)
        .before(serde_json::json!({"status": "pending"}))
        .after(serde_json::json!({"status": "approved", "effective_date": p.effective_date, "items": items.len(), "justification": p.justification}));
    if let Some(n) = note {
        e = e.reason(n);
    }
    audit::record(conn, &Actor::from(user), e).await?;
    Ok(())
}

pub async fn bump_rev(conn: &impl ConnectionTrait, c: i64) -> AppResult<()> {
    consortium::Entity::update_many()
        .col_expr(
            consortium::Column::FormularyRev,
            Expr::col(consortium::Column::FormularyRev).add(1),
        )
        .filter(consortium::Column::Id.eq(c))
        .exec(conn)
        .await?;
    Ok(())
}

/// Apply one approved change on its effective date.
pub async fn apply_item(
    conn: &impl ConnectionTrait,
    c: i64,
    pid: i64,
    effective: NaiveDate,
    i: &item::Model,
    plan: &PlannedItem,
) -> AppResult<()> {
    let (entry_id, changes) = match i.entry_id {
        None => {
            let e = formulary_entry::ActiveModel {
                consortium_id: Set(c),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            version_model(c, e.id, pid, effective, &plan.after)
                .insert(conn)
                .await?;
            (e.id, rules::all_fields(&plan.after))
        }
        Some(id) => {
            let latest = latest_version(conn, c, id).await?;
            if latest.valid_from > effective {
                return Err(AppError::Conflict(format!(
                    "entry {id} already has a change effective {}; this proposal's date {effective} is earlier — propose again for that day or later",
                    latest.valid_from
                )));
            }
            let before = to_fields(&latest);
            version::Entity::update_many()
                .col_expr(version::Column::ValidTo, Expr::value(Some(effective)))
                .filter(version::Column::Id.eq(latest.id))
                .exec(conn)
                .await?;
            version_model(c, id, pid, effective, &plan.after)
                .insert(conn)
                .await?;
            (id, rules::field_changes(&before, &plan.after))
        }
    };
    item::Entity::update_many()
        .col_expr(item::Column::EntryId, Expr::value(Some(entry_id)))
        .col_expr(
            item::Column::ChangesJson,
            Expr::value(Some(serde_json::to_string(&changes).unwrap_or_default())),
        )
        .filter(item::Column::Id.eq(i.id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn reject(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    c: i64,
    id: i64,
    reason: String,
) -> AppResult<()> {
    let p = find_proposal(conn, c, id).await?;
    ensure_pending(&p)?;
    rules::f1_four_eyes(p.proposer_id, user.id()).map_err(|r| AppError::Rule {
        rule: r.rule,
        status: axum::http::StatusCode::FORBIDDEN,
        message:
            tr("这是您提出的变更，须由另一位药事委员审批（您可以撤回）", "you proposed this change; another committee member decides on it (you may withdraw it)")
                .into(),
    })?;
    decide(
        conn,
        &p,
        user.id(),
        ProposalStatus::Rejected,
        Some(reason.clone()),
    )
    .await?;
    audit::record(
        conn,
        &Actor::from(user),
        Event::new("formulary.proposal_rejected", "formulary_proposal", p.id).reason(reason),
    )
    .await
}

pub async fn withdraw(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    c: i64,
    id: i64,
) -> AppResult<()> {
    let p = find_proposal(conn, c, id).await?;
    if p.proposer_id != user.id() {
        return Err(AppError::Forbidden(
            tr(
                "只有提议人可以撤回提议",
                "only the proposer may withdraw a proposal",
            )
            .into(),
        ));
    }
    ensure_pending(&p)?;
    decide(conn, &p, user.id(), ProposalStatus::Withdrawn, None).await?;
    audit::record(
        conn,
        &Actor::from(user),
        Event::new("formulary.proposal_withdrawn", "formulary_proposal", p.id),
    )
    .await
}

/// F2: what changed between two days. Versions are contiguous, so two range queries find
/// everything: the versions valid on `to` that began after `from` (the new states), and the
/// versions valid on `from` that ended by `to` (the old states). The cost follows the number of
/// changes, not the size of the formulary.
pub async fn diff(
    conn: &impl ConnectionTrait,
    c: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Diff> {
    if from > to {
        return Err(AppError::field(
            "from",
            tr("起始日期不能晚于结束日期", "from must be on or before to"),
        ));
    }
    let after = version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(version::Column::ValidFrom.gt(from))
        .filter(valid_at(to))
        .all(conn)
        .await?;
    let before: HashMap<i64, version::Model> = version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(valid_at(from))
        .filter(version::Column::ValidTo.lte(to))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.entry_id, v))
        .collect();
    let mut d = Diff {
        from,
        to,
        added: vec![],
        changed: vec![],
        suspended: vec![],
        withdrawn: vec![],
        reinstated: vec![],
    };
    for a in &after {
        let Some(b) = before.get(&a.entry_id) else {
            d.added.push(to_entry(a));
            continue;
        };
        let (fb, fa) = (to_fields(b), to_fields(a));
        if fb.status != fa.status {
            match fa.status {
                EntryStatus::Suspended => d.suspended.push(to_entry(a)),
                EntryStatus::Withdrawn => d.withdrawn.push(to_entry(a)),
                EntryStatus::Active => d.reinstated.push(to_entry(a)),
            }
        }
        let changes: Vec<FieldChange> = rules::field_changes(&fb, &fa)
            .into_iter()
            .filter(|c| c.field != "status")
            .collect();
        if !changes.is_empty() {
            d.changed.push(ChangedEntry {
                entry: to_entry(a),
                changes,
            });
        }
    }
    let key = |e: &Entry| (e.fields.generic_name_zh.clone(), e.id);
    d.added.sort_by_key(key);
    d.suspended.sort_by_key(key);
    d.withdrawn.sort_by_key(key);
    d.reinstated.sort_by_key(key);
    d.changed.sort_by_key(|c| key(&c.entry));
    Ok(d)
}

pub async fn targets(conn: &impl ConnectionTrait, c: i64) -> AppResult<Targets> {
    let m = consortium::Entity::find_by_id(c)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Targets {
        primary: f64::from(m.target_primary_pm) / 10.0,
        secondary: f64::from(m.target_secondary_pm) / 10.0,
        tertiary: f64::from(m.target_tertiary_pm) / 10.0,
    })
}

pub async fn set_targets(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    c: i64,
    t: &Targets,
) -> AppResult<()> {
    let before = targets(conn, c).await?;
    let pm = |v: f64| (v * 10.0).round() as i32;
    consortium::Entity::update_many()
        .col_expr(
            consortium::Column::TargetPrimaryPm,
            Expr::value(pm(t.primary)),
        )
        .col_expr(
            consortium::Column::TargetSecondaryPm,
            Expr::value(pm(t.secondary)),
        )
        .col_expr(
            consortium::Column::TargetTertiaryPm,
            Expr::value(pm(t.tertiary)),
        )
        .filter(consortium::Column::Id.eq(c))
        .exec(conn)
        .await?;
    audit::record(
        conn,
        &Actor::from(user),
        Event::new("formulary.targets_changed", "consortium", c)
            .before(&before)
            .after(t),
    )
    .await
}

pub async fn essential_share(
    conn: &impl ConnectionTrait,
    c: i64,
    as_of: NaiveDate,
) -> AppResult<ShareReport> {
    let rows: Vec<(String, String, bool, bool)> = version::Entity::find()
        .select_only()
        .column(version::Column::GenericNameZh)
        .column(version::Column::LevelScope)
        .column(version::Column::EssentialNational)
        .column(version::Column::EssentialProvincial)
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(valid_at(as_of))
        .filter(version::Column::Status.eq(EntryStatus::Active.code()))
        .into_tuple()
        .all(conn)
        .await?;
    let t = targets(conn, c).await?;
    let products: Vec<(&str, Level, bool)> = rows
        .iter()
        .map(|(n, l, a, b)| (n.as_str(), Level::parse(l).unwrap_or(Level::Lead), *a || *b))
        .collect();
    let items = rules::f3_essential_share(products.iter().copied())
        .into_iter()
        .map(|(group, varieties, ess)| {
            let target = match group {
                ShareGroup::Primary => t.primary,
                ShareGroup::Secondary => t.secondary,
                ShareGroup::Tertiary => t.tertiary,
            };
            let share = rules::share_percent(varieties, ess);
            ShareRow {
                group,
                varieties,
                essential_varieties: ess,
                share,
                target,
                below_target: share < target,
            }
        })
        .collect();
    Ok(ShareReport { as_of, items })
}

/// Every version of a consortium's formulary (for the search index).
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

pub async fn formulary_rev(conn: &impl ConnectionTrait, c: i64) -> AppResult<i64> {
    let rev: Option<i64> = consortium::Entity::find_by_id(c)
        .select_only()
        .column(consortium::Column::FormularyRev)
        .into_tuple()
        .one(conn)
        .await?;
    rev.ok_or(AppError::NotFound)
}

/// Every product valid on day `d` (exports).
pub async fn entries_at(
    conn: &impl ConnectionTrait,
    c: i64,
    d: NaiveDate,
) -> AppResult<Vec<Entry>> {
    Ok(version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(valid_at(d))
        .order_by_asc(version::Column::SortKey)
        .order_by_asc(version::Column::EntryId)
        .all(conn)
        .await?
        .iter()
        .map(to_entry)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Prices survive the trip through the integer column exactly (O6 habit: no floats).
        #[test]
        fn price_round_trip(units in 0i64..10_000_000_000i64) {
            let p = Decimal::new(units, 4);
            prop_assert_eq!(price_from_e4(price_e4(p)), p);
            prop_assert_eq!(price_e4(price_from_e4(units)), units);
        }
    }
}
