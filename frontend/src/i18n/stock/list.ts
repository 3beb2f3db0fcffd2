/** Texts of the stock pages' "list" area (stock.list.*): zh-CN first, English with the same keys. */
export const zh = {
  title: 'TODO',
};

export const en: { [K in keyof typeof zh]: string } = {
  title: 'TODO',
};
