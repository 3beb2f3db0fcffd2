/** Texts of the stock pages' "consumption" area (stock.consumption.*): zh-CN first, English with the same keys. */
export const zh = {
  title: 'TODO',
};

export const en: { [K in keyof typeof zh]: string } = {
  title: 'TODO',
};
