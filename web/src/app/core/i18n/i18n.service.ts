import { DOCUMENT } from '@angular/common';
import { Injectable, computed, inject, signal } from '@angular/core';
import { EN, type Dictionary, type TranslationKey } from './en';
import { RU } from './ru';

export type Lang = 'ru' | 'en';
export const LANGS: readonly Lang[] = ['ru', 'en'];
const STORAGE_KEY = 'onebox.lang';
const DICTIONARIES: Record<Lang, Dictionary> = { en: EN, ru: RU };

/**
 * The one translation layer: a language signal, two dictionaries and `{param}` interpolation.
 * Templates use the `t` pipe, which reads the signal, so switching needs no reload.
 */
@Injectable({ providedIn: 'root' })
export class I18nService {
  private readonly document = inject(DOCUMENT);
  private readonly langSignal = signal<Lang>(this.initialLang());

  /** The chosen UI language. */
  readonly lang = this.langSignal.asReadonly();
  /** BCP 47 locale for Intl formatting. */
  readonly locale = computed(() => (this.langSignal() === 'ru' ? 'ru-RU' : 'en-GB'));

  constructor() {
    this.document.documentElement.lang = this.langSignal();
  }

  setLang(lang: Lang): void {
    this.langSignal.set(lang);
    this.document.documentElement.lang = lang;
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      /* storage may be disabled; the choice then lasts for this page only */
    }
  }

  toggle(): void {
    this.setLang(this.langSignal() === 'ru' ? 'en' : 'ru');
  }

  t(key: TranslationKey, params?: Record<string, string | number>): string {
    const template = DICTIONARIES[this.langSignal()][key] ?? EN[key] ?? key;
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  }

  private initialLang(): Lang {
    try {
      const stored = localStorage.getItem(STORAGE_KEY);
      if (stored === 'ru' || stored === 'en') return stored;
    } catch {
      /* ignore */
    }
    const browser = this.document.defaultView?.navigator.language ?? 'en';
    return browser.toLowerCase().startsWith('ru') ? 'ru' : 'en';
  }
}
