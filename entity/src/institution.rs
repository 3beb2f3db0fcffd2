use sea_orm::entity::prelude::*;

crate::coded_enum!(
    /// Institution level (DOMAIN.md §1), highest first.
    Level { Lead = "lead" / "牵头医院", Secondary = "secondary" / "二级医院",
            Township = "township" / "乡镇卫生院" | "社区卫生服务中心", Village = "village" / "村卫生室" });

impl Level {
    /// Higher is a higher level of care.
    pub fn rank(self) -> u8 {
        match self {
            Level::Lead => 4,
            Level::Secondary => 3,
            Level::Township => 2,
            Level::Village => 1,
        }
    }

    /// May an institution of level `self` use an entry whose lowest allowed level is `scope`?
    pub fn may_use(self, scope: Level) -> bool {
        self.rank() >= scope.rank()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "institutions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub name: String,
    pub code: String,
    pub level: Level,
    pub parent_id: Option<i64>,
    /// JSON array of addresses.
    pub contact_emails: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
