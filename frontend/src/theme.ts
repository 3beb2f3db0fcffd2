import type { ThemeConfig } from 'antd';

/** A calm, hospital-admin look: muted teal, small radii, dense tables. */
export const theme: ThemeConfig = {
  token: {
    colorPrimary: '#1f6f8b',
    colorInfo: '#1f6f8b',
    colorSuccess: '#3b8c5a',
    colorWarning: '#d48806',
    colorError: '#c0392b',
    borderRadius: 4,
    fontSize: 14,
    colorBgLayout: '#f3f5f7',
    fontFamily:
      "-apple-system, BlinkMacSystemFont, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  },
  components: {
    Layout: {
      siderBg: '#123c4c',
      headerBg: '#ffffff',
      headerHeight: 52,
      headerPadding: '0 20px',
    },
    Menu: {
      darkItemBg: '#123c4c',
      darkSubMenuItemBg: '#0e3140',
      darkItemSelectedBg: '#1f6f8b',
      darkGroupTitleColor: 'rgba(255,255,255,0.45)',
    },
    Table: {
      headerBg: '#f0f4f6',
      cellPaddingBlockSM: 6,
    },
    Descriptions: {
      labelBg: '#f5f7f9',
    },
  },
};
