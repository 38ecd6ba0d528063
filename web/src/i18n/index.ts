// vue-i18n set-up: zh-CN first, English on demand; the choice is remembered in localStorage.
import { createI18n } from 'vue-i18n';
import zhCN from './zh-CN';
import en from './en';
import type { Messages } from './zh-CN';

export type Locale = 'zh-CN' | 'en';
const localeKey = 'pingan.locale';

function initialLocale(): Locale {
  const saved = localStorage.getItem(localeKey);
  return saved === 'en' ? 'en' : 'zh-CN';
}

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false,
});

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  localStorage.setItem(localeKey, locale);
  document.documentElement.lang = locale;
  document.title = i18n.global.t('app.documentTitle');
}

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale;
}
