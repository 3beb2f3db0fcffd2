//! The formulary's services: each takes the context and the actor, checks the consortium,
//! opens, commits or rolls back its own transaction, and refreshes this instance's search index
//! after a change. Storage details are in `store`, pure rules in `rules`.
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use entity::formulary_proposal as proposal;
use entity::formulary_setting as setting;
use entity::formulary_version as version;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::io;
use super::rules;
use tongyao_search::{MatchField, MatchKind};
use super::memory::{Doc, FormularyCache, Snapshot};
use super::store::{self, NewProposal, PlannedItem};
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::i18n::tr;
use crate::kernel::paging::{Direction, Page};
use crate::kernel::versioned::guarded_update;
use crate::kernel::{Actor, Ctx, Download};
use entity::institution::Level;

/// A page of the formulary as the in-memory snapshot keeps it; the shape of `EntryPage`.
pub struct ListAnswer {
    snap: Arc<Snapshot>,
    docs: Vec<usize>,
    next_cursor: Option<String>,
    total: u64,
}

impl Serialize for ListAnswer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Raw<'a> {
            items: Vec<Doc<'a>>,
            next_cursor: &'a Option<String>,
            total: u64,
        }
        Raw {
            items: self.docs.iter().map(|d| self.snap.doc(*d)).collect(),
            next_cursor: &self.next_cursor,
            total: self.total,
        }
        .serialize(s)
    }
}

/// The list's filters, asked alike of the list, search and export.
#[derive(Default)]
struct Filters {
    status: Option<EntryStatus>,
    level: Option<Level>,
    essential: Option<bool>,
    special: Option<SpecialClass>,
    route: Option<Route>,
}

impl Filters {
    /// Does an entry with these values pass? Withdrawn entries only when asked for.
    fn accept(
        &self,
        status: EntryStatus,
        scope: Level,
        essential: bool,
        special: SpecialClass,
        route: Route,
    ) -> bool {
        let status_ok = match self.status {
            Some(s) => status == s,
            None => status != EntryStatus::Withdrawn,
        };
        status_ok
            && self.level.is_none_or(|l| l.may_use(scope))
            && self.essential.is_none_or(|x| essential == x)
            && self.special.is_none_or(|s| special == s)
            && self.route.is_none_or(|r| route == r)
    }

    /// A version valid on `d` that passes.
    fn accept_doc(&self, v: Doc<'_>, d: NaiveDate) -> bool {
        v.valid_on(d)
            && self.accept(v.status(), v.level_scope(), v.essential(), v.special_class(), v.route())
    }
}

/// Versions valid on `d` that pass the filters (and match `text`, when given), in name order.
fn select(snap: &Snapshot, filters: &Filters, d: NaiveDate, text: &str) -> Vec<usize> {
    let accept = |i: usize| filters.accept_doc(snap.doc(i), d);
    if text.is_empty() {
        snap.in_name_order().filter(|&i| accept(i)).collect()
    } else {
        let mut hits = snap.matching(text, accept);
        hits.sort_unstable_by_key(|&i| snap.name_pos(i));
        hits
    }
}

/// The formulary as it stands on a day (default today), filtered, optionally by search text,
/// ordered by name (pinyin), price or manufacturer, and paged.
pub async fn list(ctx: &Ctx, actor: &Actor, q: &ListQuery) -> AppResult<ListAnswer> {
    let c = actor.consortium()?;
    let page: Page<(String, i64)> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let d = q.as_of.unwrap_or_else(|| ctx.clock.today());
    let text = q.q.as_deref().map(str::trim).unwrap_or("");
    let sort = q.sort.unwrap_or_default();
    let snap = ctx.part::<FormularyCache>().get(&ctx.db, c).await?;
    let filters = Filters {
        status: q.status,
        level: q.level,
        essential: q.essential,
        special: q.special_class,
        route: q.route,
    };
    let mut hits = select(&snap, &filters, d, text);
    let s = &snap;
    match sort {
        ListSort::Name => {}
        ListSort::Price => {
            hits.sort_by_key(|&i| (s.doc(i).price_e4().max(0), s.name_pos(i)))
        }
        ListSort::PriceDesc => hits.sort_by_key(|&i| {
            (std::cmp::Reverse(s.doc(i).price_e4().max(0)), s.name_pos(i))
        }),
        ListSort::Manufacturer => hits.sort_by_key(|&i| (s.maker_rank(i), s.name_pos(i))),
    }
    // The page key (in the cursor): the order's value as text that sorts like it, then the
    // entry. The hits are in that order, so the page starts right after the cursor's key.
    let key = |i: &usize| {
        let v = s.doc(*i);
        let k = match sort {
            ListSort::Name => v.sort_key().to_owned(),
            ListSort::Price => format!("{:020}\u{1}{}", v.price_e4().max(0), v.sort_key()),
            ListSort::PriceDesc => {
                format!("{:020}\u{1}{}", i64::MAX - v.price_e4().max(0), v.sort_key())
            }
            ListSort::Manufacturer => format!("{:020}\u{1}{}", s.maker_rank(*i), v.sort_key()),
        };
        (k, v.entry_id())
    };
    let total = hits.len() as u64;
    if let Some(after) = &page.after {
        let start = hits.partition_point(|i| key(i) <= *after);
        hits.drain(..start);
    }
    hits.truncate(page.fetch() as usize);
    let (docs, next_cursor) = page.finish(hits, key);
    Ok(ListAnswer {
        snap,
        docs,
        next_cursor,
        total,
    })
}

/// Search hits as the snapshot keeps each entry; the shape of `SearchResults`.
pub struct SearchAnswer {
    snap: Arc<Snapshot>,
    hits: Vec<(usize, HitMatch, HitField)>,
}

impl Serialize for SearchAnswer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct RawHit<'a> {
            entry: Doc<'a>,
            #[serde(rename = "match")]
            match_kind: HitMatch,
            field: HitField,
        }
        #[derive(Serialize)]
        struct Raw<'a> {
            items: Vec<RawHit<'a>>,
        }
        Raw {
            items: self
                .hits
                .iter()
                .map(|(d, m, f)| RawHit {
                    entry: self.snap.doc(*d),
                    match_kind: *m,
                    field: *f,
                })
                .collect(),
        }
        .serialize(s)
    }
}

/// Type-ahead search (F4).
pub async fn search(ctx: &Ctx, actor: &Actor, q: &SearchQuery) -> AppResult<SearchAnswer> {
    let c = actor.consortium()?;
    if q.q.chars().count() > 100 {
        return Err(AppError::field(
            "q",
            tr("最多 100 个字符", "at most 100 characters"),
        ));
    }
    let limit = q.limit.unwrap_or(20);
    if !(1..=50).contains(&limit) {
        return Err(AppError::field(
            "limit",
            tr("应在 1 到 50 之间", "from 1 to 50"),
        ));
    }
    let d = q.as_of.unwrap_or_else(|| ctx.clock.today());
    let filters = Filters {
        status: q.status,
        level: q.level,
        essential: q.essential,
        special: q.special_class,
        ..Filters::default()
    };
    let snap = ctx.part::<FormularyCache>().get(&ctx.db, c).await?;
    let hits = snap
        .search(&q.q, limit, |i| filters.accept_doc(snap.doc(i), d))
        .into_iter()
        .map(|h| {
            (
                h.doc,
                match h.kind {
                    MatchKind::CodeExact => HitMatch::CodeExact,
                    MatchKind::Prefix => HitMatch::Prefix,
                    MatchKind::Substring => HitMatch::Substring,
                },
                match h.field {
                    MatchField::Code => HitField::Code,
                    MatchField::NameZh => HitField::NameZh,
                    MatchField::NameEn => HitField::NameEn,
                    MatchField::Initials => HitField::Initials,
                    MatchField::Pinyin => HitField::Pinyin,
                },
            )
        })
        .collect();
    Ok(SearchAnswer { snap, hits })
}

pub async fn get_entry(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    as_of: Option<NaiveDate>,
) -> AppResult<EntryDetail> {
    let c = actor.consortium()?;
    let as_of = as_of.unwrap_or_else(|| ctx.clock.today());
    store::entry_exists(&ctx.db, c, id).await?;
    let v = version::Entity::find()
        .filter(version::Column::EntryId.eq(id))
        .filter(store::valid_at(as_of))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| {
            AppError::NotFoundBecause(tr(
                format!("条目 {id} 在 {as_of} 尚未列入目录"),
                format!("entry {id} was not yet in the formulary on {as_of}"),
            ))
        })?;
    let later = version::Entity::find()
        .filter(version::Column::EntryId.eq(id))
        .filter(version::Column::ValidFrom.gt(as_of))
        .order_by_asc(version::Column::ValidFrom)
        .order_by_asc(version::Column::Id)
        .all(&ctx.db)
        .await?;
    Ok(EntryDetail {
        upcoming: store::scheduled_changes(
            Some(store::to_fields(&v)),
            &later.iter().collect::<Vec<_>>(),
        ),
        entry: store::to_entry(&v),
    })
}

/// The entry's proposals and decisions, with who and when (F2).
pub async fn timeline(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Timeline> {
    use entity::formulary_proposal_item as item;
    let c = actor.consortium()?;
    let conn = &ctx.db;
    store::entry_exists(conn, c, id).await?;
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
    let ids = store::proposal_people(props.values());
    let who = store::people(conn, ids).await?;
    let mut out = Vec::with_capacity(items.len());
    for i in &items {
        let Some(p) = props.get(&i.proposal_id) else {
            continue;
        };
        out.push(TimelineEvent {
            proposal_id: p.id,
            kind: i.kind,
            status: p.status,
            reason: p.reason.clone(),
            effective_date: p.effective_date,
            proposer: store::person(&who, p.proposer_id)?,
            proposed_at: p.created_at,
            decided_by: p.decided_by.map(|d| store::person(&who, d)).transpose()?,
            decided_at: p.decided_at,
            decision_reason: p.decision_reason.clone(),
            justification: p.justification.clone(),
            changes: store::changes_of(i)?,
        });
    }
    out.sort_by_key(|e| (e.proposed_at, e.proposal_id));
    Ok(Timeline { items: out })
}

/// F2: what changed between two days: the versions valid on `to` that began after `from` (the
/// new states), against the versions valid on `from` that ended by `to` (the old states). Read
/// from the in-memory snapshot, so a diff of the whole formulary costs what copying it costs.
pub async fn diff(
    ctx: &Ctx,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<DiffAnswer> {
    let c = actor.consortium()?;
    if from > to {
        return Err(AppError::field(
            "from",
            tr("起始日期不能晚于结束日期", "from must be on or before to"),
        ));
    }
    let snap = ctx.part::<FormularyCache>().get(&ctx.db, c).await?;
    let mut after: Vec<usize> = Vec::new();
    let mut before: HashMap<i64, usize> = HashMap::new();
    for i in snap.in_name_order() {
        let v = snap.doc(i);
        if v.valid_from() > from && v.valid_on(to) {
            after.push(i);
        } else if v.valid_on(from) && v.valid_to().is_some_and(|t| t <= to) {
            before.insert(v.entry_id(), i);
        }
    }
    let mut d = DiffAnswer {
        from,
        to,
        added: vec![],
        changed: vec![],
        suspended: vec![],
        withdrawn: vec![],
        reinstated: vec![],
        snap: snap.clone(),
    };
    for &i in &after {
        let a = snap.doc(i);
        let Some(&b) = before.get(&a.entry_id()) else {
            d.added.push(i);
            continue;
        };
        let b = snap.doc(b);
        if b.status() != a.status() {
            match a.status() {
                EntryStatus::Suspended => d.suspended.push(i),
                EntryStatus::Withdrawn => d.withdrawn.push(i),
                EntryStatus::Active => d.reinstated.push(i),
            }
        }
        let changes: Vec<FieldChange> =
            rules::field_changes(&b.entry().fields, &a.entry().fields)
                .into_iter()
                .filter(|c| c.field != "status")
                .collect();
        if !changes.is_empty() {
            d.changed.push((i, changes));
        }
    }
    Ok(d)
}

/// A diff as the snapshot keeps its entries (each in name order); the shape of `Diff`.
pub struct DiffAnswer {
    snap: Arc<Snapshot>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub added: Vec<usize>,
    pub changed: Vec<(usize, Vec<FieldChange>)>,
    pub suspended: Vec<usize>,
    pub withdrawn: Vec<usize>,
    pub reinstated: Vec<usize>,
}

impl Serialize for DiffAnswer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Changed<'a> {
            entry: Doc<'a>,
            changes: &'a [FieldChange],
        }
        #[derive(Serialize)]
        struct Raw<'a> {
            from: NaiveDate,
            to: NaiveDate,
            added: Vec<Doc<'a>>,
            changed: Vec<Changed<'a>>,
            suspended: Vec<Doc<'a>>,
            withdrawn: Vec<Doc<'a>>,
            reinstated: Vec<Doc<'a>>,
        }
        let docs = |v: &[usize]| v.iter().map(|&i| self.snap.doc(i)).collect::<Vec<_>>();
        Raw {
            from: self.from,
            to: self.to,
            added: docs(&self.added),
            changed: self
                .changed
                .iter()
                .map(|(i, changes)| Changed {
                    entry: self.snap.doc(*i),
                    changes,
                })
                .collect(),
            suspended: docs(&self.suspended),
            withdrawn: docs(&self.withdrawn),
            reinstated: docs(&self.reinstated),
        }
        .serialize(s)
    }
}

fn targets_of(s: &setting::Model) -> Targets {
    Targets {
        primary: f64::from(s.target_primary_pm) / 10.0,
        secondary: f64::from(s.target_secondary_pm) / 10.0,
        tertiary: f64::from(s.target_tertiary_pm) / 10.0,
    }
}

pub async fn get_settings(ctx: &Ctx, actor: &Actor) -> AppResult<FormularySettings> {
    let c = actor.consortium()?;
    Ok(FormularySettings {
        essential_targets: targets_of(&store::settings_row(&ctx.db, c).await?),
    })
}

/// Change the essential-medicine targets.
pub async fn put_settings(
    ctx: &Ctx,
    actor: &Actor,
    req: FormularySettings,
) -> AppResult<FormularySettings> {
    let c = actor.consortium()?;
    let t = &req.essential_targets;
    let tx = ctx.write().await?;
    store::ensure_settings(&tx, c).await?;
    let current = store::settings_row(&tx, c).await?;
    let before = targets_of(&current);
    let pm = |v: f64| (v * 10.0).round() as i32;
    guarded_update(
        &tx,
        setting::Entity::update_many()
            .col_expr(setting::Column::TargetPrimaryPm, Expr::value(pm(t.primary)))
            .col_expr(
                setting::Column::TargetSecondaryPm,
                Expr::value(pm(t.secondary)),
            )
            .col_expr(
                setting::Column::TargetTertiaryPm,
                Expr::value(pm(t.tertiary)),
            )
            .filter(setting::Column::ConsortiumId.eq(c)),
        setting::Column::Version,
        current.version,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Event::new("formulary.targets_changed", "consortium", c)
            .before(&before)
            .after(t),
    )
    .await?;
    tx.commit().await?;
    Ok(req)
}

/// F3: essential-medicine share per level group against the consortium's targets.
pub async fn essential_share(
    ctx: &Ctx,
    actor: &Actor,
    as_of: Option<NaiveDate>,
) -> AppResult<ShareReport> {
    let c = actor.consortium()?;
    let as_of = as_of.unwrap_or_else(|| ctx.clock.today());
    let rows: Vec<(String, Level, bool, bool)> = version::Entity::find()
        .select_only()
        .column(version::Column::GenericNameZh)
        .column(version::Column::LevelScope)
        .column(version::Column::EssentialNational)
        .column(version::Column::EssentialProvincial)
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(store::valid_at(as_of))
        .filter(version::Column::Status.eq(EntryStatus::Active))
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let t = targets_of(&store::settings_row(&ctx.db, c).await?);
    let items = rules::f3_essential_share(rows.iter().map(|(n, l, a, b)| (n.as_str(), *l, *a || *b)))
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

/// A proposal about to be made.
pub struct Draft {
    pub kind: ProposalKind,
    pub reason: String,
    pub effective: NaiveDate,
    pub justification: Option<String>,
    pub items: Vec<PlannedItem>,
}

/// Create a pending proposal of any kind (batch from imports), in the caller's transaction:
/// F1 (not in the past) and F5 (unless justified) are checked here.
pub async fn create_proposal(
    ctx: &Ctx,
    conn: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    c: i64,
    d: Draft,
) -> AppResult<i64> {
    rules::f1_effective_date(d.effective, ctx.clock.today())?;
    if d.justification.is_none() {
        let v = store::f5_violations(conn, c, &d.items).await?;
        if !v.is_empty() {
            return Err(store::f5_refusal(&v));
        }
    }
    let id = store::insert_proposal(
        conn,
        c,
        NewProposal {
            kind: d.kind,
            reason: &d.reason,
            effective: d.effective,
            justification: d.justification,
            proposer: actor.id(),
            at: ctx.clock.now(),
        },
        &d.items,
    )
    .await?;
    audit::record(
        conn,
        actor,
        Event::new("formulary.proposal_created", "formulary_proposal", id)
            .after(serde_json::json!({"kind": d.kind, "items": d.items.len(), "effective_date": d.effective}))
            .reason(d.reason),
    )
    .await?;
    Ok(id)
}

/// The same change (suspend, withdraw, or amend with the same fields) of several entries, one
/// item each, for one batch proposal. Every entry's problem is named with its number.
async fn plan_many(
    conn: &impl sea_orm::ConnectionTrait,
    c: i64,
    req: &ProposalRequest,
    ids: &[i64],
) -> AppResult<Vec<store::PlannedItem>> {
    let refuse = |zh: &str, en: &str| Err(AppError::field("entry_ids", tr(zh, en)));
    if req.kind == ProposalRequestKind::Add {
        return refuse(
            "新增药品不能按条目批量提议；请用批量导入",
            "new products are not proposed by entry; import them",
        );
    }
    if req.entry_id.is_some() {
        return refuse(
            "请只给 entry_id 或 entry_ids 之一",
            "give entry_id or entry_ids, not both",
        );
    }
    // An entry named twice is changed once, in the order first named.
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<i64> = ids.iter().copied().filter(|i| seen.insert(*i)).collect();
    if ids.is_empty() || ids.len() > 500 {
        return refuse("请选择 1 到 500 个条目", "choose 1 to 500 entries");
    }
    let mut items = Vec::with_capacity(ids.len());
    for id in &ids {
        let one = ProposalRequest {
            entry_id: Some(*id),
            entry_ids: None,
            ..req.clone()
        };
        match store::plan_item(conn, c, &one).await {
            Ok(i) => items.push(i),
            Err(AppError::Validation(errs)) => {
                return Err(AppError::Validation(
                    errs.into_iter()
                        .map(|e| {
                            crate::error::FieldError::new(
                                format!("entry_ids[{id}].{}", e.field),
                                e.message,
                            )
                        })
                        .collect(),
                ));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(items)
}

/// Propose a change (F1): add, amend, suspend or withdraw.
pub async fn propose(ctx: &Ctx, actor: &Actor, req: &ProposalRequest) -> AppResult<Proposal> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let (kind, items) = match &req.entry_ids {
        None => (req.kind.into(), vec![store::plan_item(&tx, c, req).await?]),
        Some(ids) => (ProposalKind::Batch, plan_many(&tx, c, req, ids).await?),
    };
    let id = create_proposal(
        ctx,
        &tx,
        actor,
        c,
        Draft {
            kind,
            reason: req.reason.clone(),
            effective: req.effective_date,
            justification: req.justification.clone(),
            items,
        },
    )
    .await?;
    let p = store::proposal_view(&tx, c, id).await?;
    tx.commit().await?;
    Ok(p)
}

/// The warnings a draft proposal would meet (F5), without saving it. A half-filled form is
/// still checked on what it has (a generic name and a route are enough for F5).
pub async fn check(ctx: &Ctx, actor: &Actor, req: &ProposalRequest) -> AppResult<CheckResult> {
    let c = actor.consortium()?;
    let item = match store::plan_item(&ctx.db, c, req).await {
        Ok(item) => item,
        Err(AppError::Validation(_)) => {
            let draft = req.fields.as_ref().and_then(|f| {
                let name = f.generic_name_zh.as_deref().unwrap_or("").trim();
                (!name.is_empty())
                    .then_some(())
                    .and(f.route)
                    .map(|route| rules::draft_product(name, route))
            });
            let Some(after) = draft else {
                return Ok(CheckResult { warnings: vec![] });
            };
            PlannedItem {
                kind: ProposalKind::Add,
                entry_id: req.entry_id,
                patch: EntryPatch::default(),
                after,
                changes: vec![],
                base: None,
            }
        }
        Err(e) => return Err(e),
    };
    let warnings = store::f5_violations(&ctx.db, c, &[item])
        .await?
        .into_iter()
        .map(|r| Warning {
            rule: r.rule,
            message: r.message,
        })
        .collect();
    Ok(CheckResult { warnings })
}

/// Proposals, newest first: a fixed number of queries whatever the page size.
pub async fn list_proposals(
    ctx: &Ctx,
    actor: &Actor,
    q: &ProposalQuery,
) -> AppResult<ProposalPage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let mut sel = proposal::Entity::find().filter(proposal::Column::ConsortiumId.eq(c));
    if let Some(s) = q.status {
        sel = sel.filter(proposal::Column::Status.eq(s));
    }
    let (rows, next_cursor) = page
        .by_id(&ctx.db, sel, proposal::Column::Id, Direction::Down, |p| p.id)
        .await?;
    // Small proposals show their items in the inbox; big batches are opened one by one.
    let items = store::proposal_views(&ctx.db, rows, 20).await?;
    Ok(ProposalPage { items, next_cursor })
}

pub async fn get_proposal(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Proposal> {
    store::proposal_view(&ctx.db, actor.consortium()?, id).await
}

/// One proposal's items, page by page (a batch import may carry thousands).
pub async fn proposal_items(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    q: &ItemQuery,
) -> AppResult<ProposalItemPage> {
    use entity::formulary_proposal_item as item;
    let p = store::find_proposal(&ctx.db, actor.consortium()?, id).await?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let sel = item::Entity::find().filter(item::Column::ProposalId.eq(p.id));
    let (rows, next_cursor) = page
        .by_id(&ctx.db, sel, item::Column::Id, Direction::Up, |i| i.id)
        .await?;
    Ok(ProposalItemPage {
        items: store::item_views(&ctx.db, rows)
            .await?
            .into_iter()
            .map(|(_, v)| v)
            .collect(),
        next_cursor,
        total: p.item_count,
    })
}

fn ensure_pending(p: &proposal::Model) -> AppResult<()> {
    if p.status != ProposalStatus::Pending {
        use crate::kernel::Coded;
        return Err(AppError::Conflict(tr(
            format!("该提议已处于“{}”状态", p.status.zh()),
            format!("this proposal is already {}", p.status.code()),
        )));
    }
    Ok(())
}

/// Decide a pending proposal: the guarded UPDATE makes exactly one of two concurrent decisions
/// win; the other sees zero rows and answers 409.
async fn decide(
    ctx: &Ctx,
    conn: &impl sea_orm::ConnectionTrait,
    p: &proposal::Model,
    by: i64,
    status: ProposalStatus,
    why: Option<String>,
) -> AppResult<()> {
    guarded_update(
        conn,
        proposal::Entity::update_many()
            .col_expr(proposal::Column::Status, Expr::value(status))
            .col_expr(proposal::Column::DecidedBy, Expr::value(Some(by)))
            .col_expr(proposal::Column::DecidedAt, Expr::value(Some(ctx.clock.now())))
            .col_expr(proposal::Column::DecisionReason, Expr::value(why))
            .filter(proposal::Column::Id.eq(p.id))
            .filter(proposal::Column::Status.eq(ProposalStatus::Pending)),
        proposal::Column::Version,
        p.version,
    )
    .await
}

fn four_eyes(proposer: i64, actor: &Actor, message: Option<String>) -> AppResult<()> {
    rules::f1_four_eyes(proposer, actor.id()).map_err(|r| AppError::Rule {
        rule: r.rule,
        status: axum::http::StatusCode::FORBIDDEN,
        message: message.unwrap_or(r.message),
    })
}

/// Approve (F1: by a committee member other than the proposer).
pub async fn approve(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    note: Option<String>,
) -> AppResult<Proposal> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let p = store::find_proposal(&tx, c, id).await?;
    ensure_pending(&p)?;
    four_eyes(p.proposer_id, actor, None)?;
    let (items, planned) = store::planned_from_items(&tx, c, p.id).await?;
    store::ensure_current(&tx, c, &planned).await?;
    if p.justification.is_none() {
        let v = store::f5_violations(&tx, c, &planned).await?;
        if !v.is_empty() {
            return Err(store::f5_refusal(&v));
        }
    }
    decide(ctx, &tx, &p, actor.id(), ProposalStatus::Approved, note.clone()).await?;
    // The revision first: it locks the consortium's settings row, so versions are written one
    // approval at a time and their ids grow in commit order (the snapshot reads what is new by
    // id).
    store::bump_rev(&tx, c).await?;
    let now = ctx.clock.now();
    for (i, plan) in items.iter().zip(&planned) {
        store::apply_item(&tx, c, p.id, p.effective_date, i, plan, now).await?;
    }
    let mut e = Event::new("formulary.proposal_approved", "formulary_proposal", p.id)
        .before(serde_json::json!({"status": "pending"}))
        .after(serde_json::json!({"status": "approved", "effective_date": p.effective_date, "items": items.len(), "justification": p.justification}));
    if let Some(n) = note {
        e = e.reason(n);
    }
    audit::record(&tx, actor, e).await?;
    tx.commit().await?;
    ctx.part::<FormularyCache>().changed(c);
    store::proposal_view(&ctx.db, c, id).await
}

/// Reject with a reason.
pub async fn reject(ctx: &Ctx, actor: &Actor, id: i64, reason: String) -> AppResult<Proposal> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let p = store::find_proposal(&tx, c, id).await?;
    ensure_pending(&p)?;
    four_eyes(
        p.proposer_id,
        actor,
        Some(tr(
            "这是您提出的变更，须由另一位药事委员审批（您可以撤回）",
            "you proposed this change; another committee member decides on it (you may withdraw it)",
        )),
    )?;
    decide(ctx, &tx, &p, actor.id(), ProposalStatus::Rejected, Some(reason.clone())).await?;
    audit::record(
        &tx,
        actor,
        Event::new("formulary.proposal_rejected", "formulary_proposal", p.id).reason(reason),
    )
    .await?;
    tx.commit().await?;
    store::proposal_view(&ctx.db, c, id).await
}

/// The proposer withdraws a pending proposal.
pub async fn withdraw(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Proposal> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let p = store::find_proposal(&tx, c, id).await?;
    if p.proposer_id != actor.id() {
        return Err(AppError::Forbidden(tr(
            "只有提议人可以撤回提议",
            "only the proposer may withdraw a proposal",
        )));
    }
    ensure_pending(&p)?;
    decide(ctx, &tx, &p, actor.id(), ProposalStatus::Withdrawn, None).await?;
    audit::record(
        &tx,
        actor,
        Event::new("formulary.proposal_withdrawn", "formulary_proposal", p.id),
    )
    .await?;
    tx.commit().await?;
    store::proposal_view(&ctx.db, c, id).await
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The import template (Chinese headers; English headers are accepted too).
pub fn template(format: TemplateFormat) -> AppResult<Download> {
    Ok(match format {
        TemplateFormat::Csv => Download::new(
            io::template_csv(),
            "text/csv; charset=utf-8",
            "formulary-template.csv",
        ),
        TemplateFormat::Xlsx => Download::new(
            io::to_xlsx(std::iter::empty::<Entry>()).map_err(|e| AppError::Internal(e.into()))?,
            XLSX,
            "formulary-template.xlsx",
        ),
    })
}

/// The entries as the list shows them (valid on `d`, filtered, matching `text` when given), in
/// the list's order.
async fn entries(
    ctx: &Ctx,
    c: i64,
    d: NaiveDate,
    filters: &Filters,
    text: &str,
) -> AppResult<Vec<Entry>> {
    let snap = ctx.part::<FormularyCache>().get(&ctx.db, c).await?;
    Ok(select(&snap, filters, d, text)
        .into_iter()
        .map(|i| snap.doc(i).entry())
        .collect())
}

/// Every entry on day `d` that the list shows by default (all but withdrawn ones), by name.
pub async fn entries_on(ctx: &Ctx, actor: &Actor, d: NaiveDate) -> AppResult<Vec<Entry>> {
    entries(ctx, actor.consortium()?, d, &Filters::default(), "").await
}

/// The formulary (today or `as_of`) as CSV (UTF-8 with BOM), XLSX or FHIR R5 JSON: what the
/// list shows with the same filters and search text, in the list's order.
pub async fn export(ctx: &Ctx, actor: &Actor, q: &ExportQuery) -> AppResult<Download> {
    let c = actor.consortium()?;
    let d = q.as_of.unwrap_or_else(|| ctx.clock.today());
    let filters = Filters {
        status: q.status,
        level: q.level,
        essential: q.essential,
        special: q.special_class,
        route: q.route,
    };
    let text = q.q.as_deref().map(str::trim).unwrap_or("");
    let snap = ctx.part::<FormularyCache>().get(&ctx.db, c).await?;
    let docs = select(&snap, &filters, d, text);
    let rows = docs.len();
    let format = q.format.unwrap_or_default();
    // Entries are made one at a time as the file is written, off the async executor.
    let bytes = tokio::task::spawn_blocking(move || -> AppResult<Vec<u8>> {
        let entries = docs.iter().map(|&i| snap.doc(i).entry());
        Ok(match format {
            ExportFormat::Csv => io::to_csv(entries),
            ExportFormat::Xlsx => io::to_xlsx(entries).map_err(|e| AppError::Internal(e.into()))?,
            ExportFormat::Fhir => io::write_fhir(entries, d, 60),
        })
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))??;
    if rows > 10_000 {
        crate::kernel::memory::release_free_memory();
    }
    let name = |ext: &str| format!("formulary-{d}.{ext}");
    Ok(match format {
        ExportFormat::Csv => Download::new(bytes, "text/csv; charset=utf-8", name("csv")),
        ExportFormat::Xlsx => Download::new(bytes, XLSX, name("xlsx")),
        ExportFormat::Fhir => Download::new(bytes, "application/fhir+json", name("json")),
    })
}

/// A product as other capabilities show it beside their own rows (stock lines, order lines):
/// its version valid on the day asked, else its latest.
#[derive(Debug, Clone)]
pub struct Product {
    pub entry_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub dosage_form: String,
    pub strength: String,
    pub manufacturer: String,
    pub base_unit: String,
    pub pack_size: i32,
    pub pack_unit: String,
    pub nhsa_code: Option<String>,
    pub storage: entity::formulary_version::Storage,
    pub level_scope: Level,
    pub status: entity::formulary_version::EntryStatus,
    pub price_e4: i64,
    /// Its place in the formulary's name order (拼音排序), to sort others' rows by.
    pub name_pos: u32,
}

/// How an imported row names a product: its 条目编号, else its 医保药品代码, else 名称+规格+生产企业.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductKey {
    Entry,
    Nhsa,
    Name,
}

/// Finds products of a consortium's formulary the way imported files name them.
pub struct ProductFinder<'a> {
    prods: &'a HashMap<i64, Product>,
    by_nhsa: HashMap<&'a str, i64>,
    by_name: HashMap<(&'a str, &'a str, &'a str), i64>,
}

impl<'a> ProductFinder<'a> {
    pub fn new(prods: &'a HashMap<i64, Product>) -> Self {
        ProductFinder {
            prods,
            by_nhsa: prods.values().filter_map(|p| p.nhsa_code.as_deref().map(|n| (n, p.entry_id))).collect(),
            by_name: prods
                .values()
                .map(|p| ((p.name_zh.as_str(), p.strength.as_str(), p.manufacturer.as_str()), p.entry_id))
                .collect(),
        }
    }

    /// The entry a row names (blank cells are not given), or which key failed and why.
    pub fn find(&self, entry: &str, nhsa: &str, name: &str, strength: &str, maker: &str) -> Result<&'a Product, (ProductKey, String)> {
        let found = if !entry.is_empty() {
            entry.parse::<i64>().ok().filter(|e| self.prods.contains_key(e)).ok_or_else(|| {
                (ProductKey::Entry, tr(format!("目录中没有条目编号 {entry}"), format!("the formulary has no entry {entry}")))
            })?
        } else if !nhsa.is_empty() {
            *self.by_nhsa.get(nhsa).ok_or_else(|| {
                (ProductKey::Nhsa, tr(format!("目录中没有医保药品代码 {nhsa}"), format!("no formulary entry has the NHSA code {nhsa}")))
            })?
        } else {
            *self.by_name.get(&(name, strength, maker)).ok_or_else(|| {
                (
                    ProductKey::Name,
                    tr(format!("目录中没有“{name} {strength} {maker}”"), format!("the formulary has no {name} {strength} by {maker}")),
                )
            })?
        };
        self.prods.get(&found).ok_or((ProductKey::Entry, String::new()))
    }
}

/// The products `ids` of consortium `c` as of `d` (every entry of the consortium when `ids` is
/// none), read from the in-memory formulary.
pub async fn products(
    ctx: &Ctx,
    c: i64,
    ids: Option<&std::collections::HashSet<i64>>,
    d: NaiveDate,
) -> AppResult<HashMap<i64, Product>> {
    let snap = ctx.part::<FormularyCache>().get(&ctx.db, c).await?;
    // Per entry: the version valid on `d` if there is one, else the latest.
    let mut best: HashMap<i64, usize> = HashMap::new();
    for i in 0..snap.len() {
        let v = snap.doc(i);
        let e = v.entry_id();
        if ids.is_some_and(|ids| !ids.contains(&e)) {
            continue;
        }
        match best.get(&e) {
            Some(&j) => {
                let w = snap.doc(j);
                let better = (v.valid_on(d), v.valid_from()) > (w.valid_on(d), w.valid_from());
                if better {
                    best.insert(e, i);
                }
            }
            None => {
                best.insert(e, i);
            }
        }
    }
    Ok(best
        .into_iter()
        .map(|(e, i)| {
            let en = snap.doc(i).entry();
            let f = en.fields;
            (
                e,
                Product {
                    entry_id: e,
                    name_zh: f.generic_name_zh,
                    name_en: f.generic_name_en,
                    dosage_form: f.dosage_form,
                    strength: f.strength,
                    manufacturer: f.manufacturer,
                    base_unit: f.base_unit,
                    pack_size: f.pack_size,
                    pack_unit: f.pack_unit,
                    nhsa_code: f.nhsa_code,
                    storage: f.storage,
                    level_scope: f.level_scope,
                    status: f.status,
                    price_e4: snap.doc(i).price_e4(),
                    name_pos: snap.name_pos(i),
                },
            )
        })
        .collect())
}

/// The entries of consortium `c` whose name, pinyin or codes match `q` (F4), in any version.
pub async fn matching_entries(
    ctx: &Ctx,
    c: i64,
    q: &str,
) -> AppResult<std::collections::HashSet<i64>> {
    let snap = ctx.part::<FormularyCache>().get(&ctx.db, c).await?;
    Ok(snap
        .matching(q, |_| true)
        .into_iter()
        .map(|i| snap.doc(i).entry_id())
        .collect())
}

/// Each entry's pack (base units per pack, pack unit, base unit) as of `d` — its version valid
/// that day, else its latest — read inside the caller's transaction (stock checks whole packs
/// with it).
pub async fn packs_of(
    conn: &impl sea_orm::ConnectionTrait,
    c: i64,
    ids: impl IntoIterator<Item = i64>,
    d: NaiveDate,
) -> AppResult<HashMap<i64, (i32, String, String)>> {
    let rows: Vec<(i64, NaiveDate, Option<NaiveDate>, i32, String, String)> = version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(version::Column::EntryId.is_in(ids))
        .select_only()
        .column(version::Column::EntryId)
        .column(version::Column::ValidFrom)
        .column(version::Column::ValidTo)
        .column(version::Column::PackSize)
        .column(version::Column::PackUnit)
        .column(version::Column::BaseUnit)
        .into_tuple()
        .all(conn)
        .await?;
    type Pack = (i32, String, String);
    let mut best: HashMap<i64, ((bool, NaiveDate), Pack)> = HashMap::new();
    for (e, from, to, n, pu, bu) in rows {
        let rank = (from <= d && to.is_none_or(|t| d < t), from);
        if best.get(&e).is_none_or(|(r, _)| rank > *r) {
            best.insert(e, (rank, (n, pu, bu)));
        }
    }
    Ok(best.into_iter().map(|(e, (_, p))| (e, p)).collect())
}
