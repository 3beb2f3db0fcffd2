/** The language the user chose (remembered), readable without starting i18next. */
export const LANG_KEY = 'tongyao.lang';
export type Lang = 'zh-CN' | 'en';

export function storedLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

/** The Accept-Language the server reads to answer refusals in the user's language. */
export function acceptLanguage(): string {
  return storedLang() === 'en' ? 'en' : 'zh-CN,zh;q=0.9';
}
