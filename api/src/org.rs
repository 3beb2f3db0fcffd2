//! Institution levels (DOMAIN.md §1), shared by administration and the formulary's level scope.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Institution level, highest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 牵头医院
    Lead,
    /// 二级医院 / 县中医院
    Secondary,
    /// 乡镇卫生院 / 社区卫生服务中心
    Township,
    /// 村卫生室
    Village,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Lead,
        Level::Secondary,
        Level::Township,
        Level::Village,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Lead => "lead",
            Level::Secondary => "secondary",
            Level::Township => "township",
            Level::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s.trim() {
            "lead" | "牵头医院" => Some(Level::Lead),
            "secondary" | "二级医院" => Some(Level::Secondary),
            "township" | "乡镇卫生院" | "社区卫生服务中心" => Some(Level::Township),
            "village" | "村卫生室" => Some(Level::Village),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Level::Lead => "牵头医院",
            Level::Secondary => "二级医院",
            Level::Township => "乡镇卫生院",
            Level::Village => "村卫生室",
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_order() {
        assert!(Level::Lead.may_use(Level::Village));
        assert!(!Level::Village.may_use(Level::Township));
        assert!(Level::Township.may_use(Level::Township));
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
            assert_eq!(Level::parse(l.zh()), Some(l));
        }
    }
}
