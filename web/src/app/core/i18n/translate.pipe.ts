import { Pipe, PipeTransform, inject } from '@angular/core';
import type { TranslationKey } from './en';
import { I18nService } from './i18n.service';

/**
 * `{{ 'key' | t }}` / `{{ 'key' | t: {n: 3} }}`. Impure on purpose: it reads the language signal,
 * so a template re-renders in the new language as soon as the signal changes.
 */
@Pipe({ name: 't', pure: false })
export class TranslatePipe implements PipeTransform {
  private readonly i18n = inject(I18nService);

  transform(key: TranslationKey | string, params?: Record<string, string | number>): string {
    return this.i18n.t(key as TranslationKey, params);
  }
}
