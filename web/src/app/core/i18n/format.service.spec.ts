import { TestBed } from '@angular/core/testing';
import { FormatService } from './format.service';
import { I18nService } from './i18n.service';

describe(FormatService.name, () => {
  let format: FormatService;
  let i18n: I18nService;

  beforeEach(() => {
    localStorage.clear();
    format = TestBed.inject(FormatService);
    i18n = TestBed.inject(I18nService);
    i18n.setLang('en');
  });

  it('formats times in the workspace time zone', () => {
    format.setTimeZone('Europe/Moscow');
    expect(format.time('2025-03-01T21:30:00.000Z')).toBe('00:30');
    expect(format.dayKey('2025-03-01T21:30:00.000Z')).toBe('2025-03-02');

    format.setTimeZone('America/New_York');
    expect(format.time('2025-03-01T21:30:00.000Z')).toBe('16:30');
    expect(format.dayKey('2025-03-01T21:30:00.000Z')).toBe('2025-03-01');
  });

  it('falls back to the browser zone for an unknown zone', () => {
    format.setTimeZone('Not/AZone');
    expect(format.timeZone()).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('labels today and yesterday in the chosen language', () => {
    format.setTimeZone('UTC');
    format.now.set(Date.parse('2025-03-02T12:00:00.000Z'));
    expect(format.dayLabel('2025-03-02T08:00:00.000Z')).toBe('Today');
    expect(format.dayLabel('2025-03-01T08:00:00.000Z')).toBe('Yesterday');
    i18n.setLang('ru');
    expect(format.dayLabel('2025-03-02T08:00:00.000Z')).toBe('Сегодня');
    expect(format.dayLabel('2025-02-20T08:00:00.000Z')).toContain('февраля');
  });

  it('gives compact relative times for list rows', () => {
    format.setTimeZone('UTC');
    format.now.set(Date.parse('2025-03-02T12:00:00.000Z'));
    expect(format.relative('2025-03-02T11:59:40.000Z')).toBe('now');
    expect(format.relative('2025-03-02T11:55:00.000Z')).toBe('5 min ago');
    expect(format.relative('2025-03-02T08:05:00.000Z')).toBe('08:05');
  });

  it('formats numbers for the locale', () => {
    i18n.setLang('ru');
    expect(format.number(12345)).toBe('12\u00a0345');
    i18n.setLang('en');
    expect(format.number(12345)).toBe('12,345');
  });
});

describe('FormatService.money', () => {
  beforeEach(() => localStorage.clear());

  it('formats a decimal string with its currency for the locale', () => {
    const format = TestBed.inject(FormatService);
    const i18n = TestBed.inject(I18nService);
    i18n.setLang('en');
    expect(format.money('15000.5', 'RUB')).toBe('RUB\u00a015,000.50');
    expect(format.money('1200', 'USD')).toBe('US$1,200');
    expect(format.money('0.5', 'USD')).toBe('US$0.50');
    expect(format.money('1200', null)).toBe('1,200');
    expect(format.money('1200', 'bananas')).toBe('1,200 bananas');
    i18n.setLang('ru');
    expect(format.money('15000.5', 'RUB')).toBe('15\u00a0000,50\u00a0₽');
  });
});

describe('FormatService with bad input', () => {
  it('renders an unparseable timestamp as empty text instead of throwing', () => {
    const format = TestBed.inject(FormatService);
    expect(format.time('not a date')).toBe('');
    expect(format.dayKey('not a date')).toBe('');
    expect(format.relative('not a date')).toBe('');
  });
});
