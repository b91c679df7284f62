import { ComponentFixture, TestBed } from '@angular/core/testing';
import { I18nService } from '../../core/i18n/i18n.service';
import { DeclaredFieldsComponent, type DeclaredFieldChange, type DeclaredFieldView } from './declared-fields.component';
import { credentialProblem, fieldProblems, fieldValues } from './declared-fields';

const FIELDS: DeclaredFieldView[] = [
  {
    key: 'url',
    label: { en: 'Address', ru: 'Адрес' },
    secret: false,
    required: true,
    hint: { en: 'Yours', ru: 'Ваш' },
  },
  { key: 'token', label: { en: 'Token', ru: 'Токен' }, secret: true, required: false, pattern: '^\\d+$' },
  { key: 'app', label: { en: 'App', ru: 'Приложение' }, secret: false, required: false, testId: 'own-app' },
];

describe(DeclaredFieldsComponent.name, () => {
  let fixture: ComponentFixture<DeclaredFieldsComponent>;
  let changes: DeclaredFieldChange[];
  let blurs: string[];

  async function render(lang: 'en' | 'ru' = 'en'): Promise<void> {
    localStorage.clear();
    TestBed.inject(I18nService).setLang(lang);
    fixture = TestBed.createComponent(DeclaredFieldsComponent);
    fixture.componentRef.setInput('fields', FIELDS);
    fixture.componentRef.setInput('idPrefix', 'x-');
    fixture.componentRef.setInput('errorPrefix', 'settings.');
    fixture.componentRef.setInput('values', { url: 'https://a.example' });
    changes = [];
    blurs = [];
    fixture.componentInstance.valueChange.subscribe((c) => changes.push(c));
    fixture.componentInstance.fieldBlur.subscribe((k) => blurs.push(k));
    await fixture.whenStable();
  }

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends Element = HTMLElement>(testId: string) => el().querySelector<T>(`[data-testid="${testId}"]`);

  it('renders labelled inputs with test ids, values, hints in the current language and masked secrets', async () => {
    await render('ru');
    const inputs = Array.from(el().querySelectorAll('input'));
    expect(inputs.map((i) => [i.dataset['testid'], i.id, i.type])).toEqual([
      ['x-url', 'x-url', 'text'],
      ['x-token', 'x-token', 'password'],
      ['own-app', 'own-app', 'text'],
    ]);
    expect(q<HTMLInputElement>('x-url')!.value).toBe('https://a.example');
    expect(el().querySelector('label[for="x-url"]')?.textContent).toBe('Адрес');
    expect(el().querySelector('#x-url-hint')?.textContent).toBe('Ваш');
    expect(q('x-url')!.getAttribute('aria-describedby')).toBe('x-url-hint');
    expect(q('x-url-toggle')).toBeNull();
  });

  it('toggles a secret in clear and reports the revealed keys', async () => {
    await render();
    q<HTMLButtonElement>('x-token-toggle')!.click();
    await fixture.whenStable();
    expect(q<HTMLInputElement>('x-token')!.type).toBe('text');
    expect(q('x-token-toggle')!.getAttribute('aria-pressed')).toBe('true');
    expect([...fixture.componentInstance.revealed()]).toEqual(['token']);
  });

  it('emits edits and blurs, shows the given errors and locks when disabled', async () => {
    await render();
    const input = q<HTMLInputElement>('x-token')!;
    input.value = '42';
    input.dispatchEvent(new Event('input'));
    input.dispatchEvent(new Event('blur'));
    expect(changes).toEqual([{ key: 'token', value: '42' }]);
    expect(blurs).toEqual(['token']);

    fixture.componentRef.setInput('errors', { url: 'Required', token: null });
    fixture.componentRef.setInput('disabled', true);
    await fixture.whenStable();
    expect(q('error-settings.url')?.textContent).toBe('Required');
    expect(q('x-url')!.getAttribute('aria-invalid')).toBe('true');
    expect(q('error-settings.token')).toBeNull();
    expect(q<HTMLInputElement>('x-url')!.disabled).toBe(true);
  });
});

describe('declared field helpers', () => {
  it('checks required and pattern on trimmed values, keyed by the server error key', () => {
    expect(credentialProblem(FIELDS[0], ' ')).toBe('required');
    expect(fieldProblems(FIELDS, { token: ' 4x ' }, 'settings.')).toEqual({
      'settings.url': 'required',
      'settings.token': 'pattern',
    });
    expect(fieldProblems(FIELDS, { url: 'a', token: ' 42 ' }, 'credentials.')).toEqual({});
  });

  it('sends trimmed non-empty values of the given fields only', () => {
    expect(fieldValues(FIELDS, { url: ' a ', token: '  ', other: 'x' })).toEqual({ url: 'a' });
  });
});
