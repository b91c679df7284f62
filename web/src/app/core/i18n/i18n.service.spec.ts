import { ChangeDetectionStrategy, Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { I18nService } from './i18n.service';
import { TranslatePipe } from './translate.pipe';

@Component({
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<p>{{ 'nav.inbox' | t }}</p>
    <span>{{ 'login.tooMany' | t: { n: 12 } }}</span>`,
})
class HostComponent {}

function setBrowserLanguage(lang: string): void {
  Object.defineProperty(window.navigator, 'language', { value: lang, configurable: true });
}

describe(I18nService.name, () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => setBrowserLanguage('en-US'));

  it('defaults to Russian when the browser language is Russian', () => {
    setBrowserLanguage('ru-RU');
    expect(TestBed.inject(I18nService).lang()).toBe('ru');
  });

  it('defaults to English for other browser languages', () => {
    setBrowserLanguage('de-DE');
    expect(TestBed.inject(I18nService).lang()).toBe('en');
  });

  it('prefers the stored choice over the browser language', () => {
    setBrowserLanguage('ru-RU');
    localStorage.setItem('onebox.lang', 'en');
    expect(TestBed.inject(I18nService).lang()).toBe('en');
  });

  it('persists the choice and sets <html lang>', () => {
    const i18n = TestBed.inject(I18nService);
    i18n.setLang('ru');
    expect(localStorage.getItem('onebox.lang')).toBe('ru');
    expect(document.documentElement.lang).toBe('ru');
  });

  it('fills placeholders', () => {
    const i18n = TestBed.inject(I18nService);
    i18n.setLang('en');
    expect(i18n.t('login.tooMany', { n: 7 })).toBe('Too many attempts, try again in 7 s.');
    i18n.setLang('ru');
    expect(i18n.t('login.tooMany', { n: 7 })).toBe('Слишком много попыток, повторите через 7 с.');
  });

  it('re-renders OnPush templates in the new language without reload', async () => {
    setBrowserLanguage('en-GB');
    const fixture = TestBed.createComponent(HostComponent);
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('p').textContent).toBe('Inbox');

    TestBed.inject(I18nService).toggle();
    await fixture.whenStable();

    expect(fixture.nativeElement.querySelector('p').textContent).toBe('Входящие');
    expect(fixture.nativeElement.querySelector('span').textContent).toContain('через 12 с');
  });
});
