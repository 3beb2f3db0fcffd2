use sea_orm::entity::prelude::*;

crate::coded_enum!(
    /// The roles of DOMAIN.md §1.
    Role { SystemAdmin = "system_admin" / "系统管理员", ConsortiumAdmin = "consortium_admin" / "医共体管理员",
           Committee = "committee" / "药事委员会委员", Pharmacist = "pharmacist" / "药师",
           Prescriber = "prescriber" / "医师", Procurement = "procurement" / "采购员",
           Distribution = "distribution" / "配送员", Auditor = "auditor" / "审计员" });

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: Option<i64>,
    pub institution_id: Option<i64>,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    /// Comma-separated role codes.
    pub roles: String,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub password_changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Roles are stored as a comma-separated list of codes. A code this program does not know is
/// an error, not a silently dropped role.
pub fn parse_roles(s: &str) -> Result<Vec<Role>, DbErr> {
    use crate::codes::Coded;
    let mut v = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let role = Role::ALL
            .iter()
            .copied()
            .find(|r| r.code() == part)
            .ok_or_else(|| DbErr::Type(format!("unknown role code {part:?} in users.roles")))?;
        v.push(role);
    }
    v.sort();
    v.dedup();
    Ok(v)
}

pub fn format_roles(roles: &[Role]) -> String {
    use crate::codes::Coded;
    let mut v = roles.to_vec();
    v.sort();
    v.dedup();
    v.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

impl Model {
    pub fn role_list(&self) -> Result<Vec<Role>, DbErr> {
        parse_roles(&self.roles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_codes_fail() {
        let s = format_roles(&[Role::Auditor, Role::Committee, Role::Committee]);
        assert_eq!(s, "committee,auditor");
        assert_eq!(
            parse_roles(&s).unwrap(),
            vec![Role::Committee, Role::Auditor]
        );
        assert!(parse_roles("bogus, committee").is_err());
        assert_eq!(parse_roles("").unwrap(), vec![]);
    }
}
