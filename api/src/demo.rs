//! The demo consortium (modelled on seed 001, Hangjin Banner, whose county runs two consortia):
//! the county people's hospital leading six township centres and a dozen village clinics, one
//! user per role, and a second smaller consortium so isolation can be seen. Every demo account
//! has the password `tongyao-demo` — demo only; `demo` refuses to run in production.
use chrono::Utc;
use entity::{consortium, institution, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};

use crate::audit::{self, Event};
use crate::auth::password;
use crate::config::{Environment, Settings};
use crate::kernel::Actor;
use entity::institution::Level;
use entity::user::{Role, format_roles};

pub const DEMO_PASSWORD: &str = "tongyao-demo";

const TOWNSHIPS: [(&str, &str, [&str; 2]); 6] = [
    (
        "DGTL",
        "独贵塔拉中心卫生院",
        ["独贵塔拉镇杭锦淖村卫生室", "独贵塔拉镇乌兰村卫生室"],
    ),
    (
        "BLG",
        "巴拉贡中心卫生院",
        ["巴拉贡镇新建村卫生室", "巴拉贡镇红旗村卫生室"],
    ),
    (
        "JRGLT",
        "吉日嘎朗图中心卫生院",
        ["吉日嘎朗图镇胜利村卫生室", "吉日嘎朗图镇光明村卫生室"],
    ),
    (
        "HHMD",
        "呼和木独中心卫生院",
        ["呼和木独镇团结村卫生室", "呼和木独镇和平村卫生室"],
    ),
    (
        "HJNE",
        "杭锦淖尔卫生院",
        ["杭锦淖尔村卫生室", "杭锦淖尔乡永胜村卫生室"],
    ),
    (
        "TRGL",
        "塔然高勒卫生院",
        ["塔然高勒镇友谊村卫生室", "塔然高勒镇黄河村卫生室"],
    ),
];

struct DemoUser {
    username: &'static str,
    display_name: &'static str,
    roles: &'static [Role],
    /// Institution code within the consortium; None for the system administrator.
    institution: Option<&'static str>,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        username: "demo-admin",
        display_name: "系统管理员",
        roles: &[Role::SystemAdmin],
        institution: None,
    },
    DemoUser {
        username: "demo-consortium-admin",
        display_name: "医共体管理员 李明",
        roles: &[Role::ConsortiumAdmin],
        institution: Some("RMYY"),
    },
    DemoUser {
        username: "demo-committee-1",
        display_name: "药事委员 张华",
        roles: &[Role::Committee],
        institution: Some("RMYY"),
    },
    DemoUser {
        username: "demo-committee-2",
        display_name: "药事委员 王芳",
        roles: &[Role::Committee],
        institution: Some("RMYY"),
    },
    DemoUser {
        username: "demo-procurement",
        display_name: "采购员 赵强",
        roles: &[Role::Procurement],
        institution: Some("RMYY"),
    },
    DemoUser {
        username: "demo-distribution",
        display_name: "配送员 孙伟",
        roles: &[Role::Distribution],
        institution: Some("RMYY"),
    },
    DemoUser {
        username: "demo-pharmacist",
        display_name: "药师 周丽",
        roles: &[Role::Pharmacist],
        institution: Some("DGTL"),
    },
    DemoUser {
        username: "demo-village",
        display_name: "村医 吴刚",
        roles: &[Role::Pharmacist],
        institution: Some("DGTL-1"),
    },
    DemoUser {
        username: "demo-prescriber",
        display_name: "医师 郑洁",
        roles: &[Role::Prescriber],
        institution: Some("RMYY"),
    },
    DemoUser {
        username: "demo-auditor",
        display_name: "审计员 陈静",
        roles: &[Role::Auditor],
        institution: Some("RMYY"),
    },
    DemoUser {
        username: "demo2-committee-1",
        display_name: "药事委员 巴特尔",
        roles: &[Role::Committee],
        institution: Some("MYZH"),
    },
];

async fn upsert_consortium(
    db: &DatabaseConnection,
    code: &str,
    name: &str,
    region: &str,
) -> anyhow::Result<consortium::Model> {
    if let Some(c) = consortium::Entity::find()
        .filter(consortium::Column::Code.eq(code))
        .one(db)
        .await?
    {
        return Ok(c);
    }
    Ok(crate::admin::service::new_consortium(name, code, region)
        .insert(db)
        .await?)
}

async fn upsert_institution(
    db: &DatabaseConnection,
    consortium_id: i64,
    code: &str,
    name: &str,
    level: Level,
    parent: Option<i64>,
    email: &str,
) -> anyhow::Result<institution::Model> {
    let found = institution::Entity::find()
        .filter(institution::Column::ConsortiumId.eq(consortium_id))
        .filter(institution::Column::Code.eq(code))
        .one(db)
        .await?;
    if let Some(i) = found {
        return Ok(i);
    }
    Ok(institution::ActiveModel {
        consortium_id: Set(consortium_id),
        name: Set(name.into()),
        code: Set(code.into()),
        level: Set(level),
        parent_id: Set(parent),
        contact_emails: Set(serde_json::to_string(&[email]).unwrap_or_else(|_| "[]".into())),
        active: Set(true),
        version: Set(1),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

async fn upsert_user(
    db: &DatabaseConnection,
    username: &str,
    display_name: &str,
    roles: &[Role],
    institution: Option<&institution::Model>,
    hash: &str,
) -> anyhow::Result<user::Model> {
    if let Some(u) = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?
    {
        let mut am = u.into_active_model();
        am.password_hash = Set(hash.into());
        am.roles = Set(format_roles(roles));
        am.active = Set(true);
        am.failed_logins = Set(0);
        am.locked_until = Set(None);
        return Ok(am.update(db).await?);
    }
    Ok(
        crate::admin::service::new_user(institution, username, display_name, roles, hash.into())
            .insert(db)
            .await?,
    )
}

/// The ids the demo created, for tests and for the formulary seed.
pub struct DemoIds {
    pub consortium: i64,
    pub second_consortium: i64,
}

/// Create or refresh the organisation part of the demo.
pub async fn load_organisation(db: &DatabaseConnection) -> anyhow::Result<DemoIds> {
    let c1 = upsert_consortium(
        db,
        "HJQ-RMYY",
        "杭锦旗人民医院医共体",
        "内蒙古自治区鄂尔多斯市杭锦旗",
    )
    .await?;
    let c2 = upsert_consortium(
        db,
        "HJQ-MYZH",
        "杭锦旗蒙医综合医院医共体",
        "内蒙古自治区鄂尔多斯市杭锦旗",
    )
    .await?;
    let mut inst = std::collections::HashMap::new();
    let lead = upsert_institution(
        db,
        c1.id,
        "RMYY",
        "杭锦旗人民医院",
        Level::Lead,
        None,
        "pharmacy@rmyy.hjq.example.org",
    )
    .await?;
    inst.insert("RMYY", lead.clone());
    for (code, name, villages) in TOWNSHIPS {
        let email = format!("{}@wsy.hjq.example.org", code.to_lowercase());
        let t = upsert_institution(
            db,
            c1.id,
            code,
            name,
            Level::Township,
            Some(lead.id),
            &email,
        )
        .await?;
        for (n, v) in villages.iter().enumerate() {
            let vcode = format!("{code}-{}", n + 1);
            let vemail = format!("{}@cws.hjq.example.org", vcode.to_lowercase());
            let vi = upsert_institution(db, c1.id, &vcode, v, Level::Village, Some(t.id), &vemail)
                .await?;
            if vcode == "DGTL-1" {
                inst.insert("DGTL-1", vi);
            }
        }
        if code == "DGTL" {
            inst.insert("DGTL", t);
        }
    }
    let lead2 = upsert_institution(
        db,
        c2.id,
        "MYZH",
        "杭锦旗蒙医综合医院",
        Level::Lead,
        None,
        "pharmacy@myzh.hjq.example.org",
    )
    .await?;
    let t2 = upsert_institution(
        db,
        c2.id,
        "YHWS",
        "伊和乌素中心卫生院",
        Level::Township,
        Some(lead2.id),
        "yhws@wsy.hjq.example.org",
    )
    .await?;
    upsert_institution(
        db,
        c2.id,
        "BYWS",
        "巴音乌素中心卫生院",
        Level::Township,
        Some(lead2.id),
        "byws@wsy.hjq.example.org",
    )
    .await?;
    upsert_institution(
        db,
        c2.id,
        "YHWS-1",
        "伊和乌素苏木阿日善村卫生室",
        Level::Village,
        Some(t2.id),
        "yhws-1@cws.hjq.example.org",
    )
    .await?;
    inst.insert("MYZH", lead2);
    // One hash for every demo account: they share the documented demo password anyway.
    let hash = password::hash(DEMO_PASSWORD.into()).await?;
    for u in USERS {
        let i = u.institution.and_then(|code| inst.get(code));
        debug_assert!(u.institution.is_none() || i.is_some());
        upsert_user(db, u.username, u.display_name, u.roles, i, &hash).await?;
    }
    Ok(DemoIds {
        consortium: c1.id,
        second_consortium: c2.id,
    })
}

/// Create or refresh everything; `entries` adds synthetic formulary entries for benchmarks.
pub async fn load(
    db: &DatabaseConnection,
    settings: &Settings,
    entries: Option<usize>,
) -> anyhow::Result<String> {
    if settings.environment == Environment::Production {
        anyhow::bail!("refusing to load demo data: the configured environment is production");
    }
    let ids = load_organisation(db).await?;
    let mut report = format!(
        "demo consortium ready: 杭锦旗人民医院医共体 (id {}), 杭锦旗蒙医综合医院医共体 (id {}); accounts demo-* with password {DEMO_PASSWORD}",
        ids.consortium, ids.second_consortium
    );
    let state = crate::state::AppState::new(db.clone(), settings.clone());
    for cap in crate::CAPABILITIES {
        if let Some(load) = cap.demo {
            let done = load(crate::capability::DemoArgs {
                db,
                ids: &ids,
                entries,
                clock: settings.clock(),
                ctx: &state.ctx,
            })
            .await?;
            report.push_str(&format!("; {}: {done}", cap.name));
        }
    }
    Ok(report)
}

/// `tongyao admin create-user`: the first system administrator of a real deployment.
pub async fn create_system_admin(
    db: &DatabaseConnection,
    username: &str,
    display_name: &str,
    pw: &str,
) -> anyhow::Result<()> {
    crate::admin::views::username_chars(username)
        .map_err(|_| anyhow::anyhow!("username: letters, digits, '.', '-' and '_' only"))?;
    password::check_strength(pw, username).map_err(|m| anyhow::anyhow!("password: {m}"))?;
    if user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?
        .is_some()
    {
        anyhow::bail!("username {username} is taken");
    }
    let hash = password::hash(pw.to_string()).await?;
    let u = upsert_user(
        db,
        username,
        display_name,
        &[Role::SystemAdmin],
        None,
        &hash,
    )
    .await?;
    let actor = Actor {
        username: Some("cli".into()),
        ..Default::default()
    };
    audit::record(
        db,
        &actor,
        Event::new("user.created", "user", u.id).reason("tongyao admin create-user"),
    )
    .await?;
    Ok(())
}
