import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { UserDto } from '@onebox/contracts';
import { authInterceptor } from '../../../core/auth/auth.interceptor';
import { AuthService } from '../../../core/auth/auth.service';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ME, signIn } from '../../../../testing/fixtures';
import { AccountSettingsComponent } from './account-settings.component';

const URL = '/api/me/password';

describe(AccountSettingsComponent.name, () => {
  let fixture: ComponentFixture<AccountSettingsComponent>;
  let http: HttpTestingController;

  async function render(user: UserDto = ME, lang: 'en' | 'ru' = 'en'): Promise<void> {
    localStorage.clear();
    signIn(user, 'jwt-old');
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
      ],
    });
    TestBed.inject(I18nService).setLang(lang);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(AccountSettingsComponent);
    await fixture.whenStable();
  }

  afterEach(() => http.verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends HTMLElement = HTMLElement>(testId: string) =>
    el().querySelector(`[data-testid="${testId}"]`) as T;
  const input = (field: string) => q<HTMLInputElement>(`password-${field}`);
  const errorOf = (field: string) => q(`error-${field}`)?.textContent?.trim() ?? null;

  async function fill(values: Partial<Record<'currentPassword' | 'newPassword' | 'repeatPassword', string>>) {
    for (const [field, value] of Object.entries(values)) {
      input(field).value = value;
      input(field).dispatchEvent(new Event('input'));
    }
    await fixture.whenStable();
  }

  async function submit(): Promise<void> {
    q('password-save').click();
    await fixture.whenStable();
  }

  const valid = { currentPassword: 'old-secret', newPassword: 'new-secret-123', repeatPassword: 'new-secret-123' };

  it('shows who is signed in', async () => {
    await render({ ...ME, name: 'Olga Head', email: 'olga@shop.test', role: 'head' });
    expect(q('account-name').textContent).toBe('Olga Head');
    expect(q('account-email').textContent).toBe('olga@shop.test');
    expect(q('account-role').textContent).toBe('Head of sales');
  });

  it('labels every field and says what a new password needs, in Russian too', async () => {
    await render(ME, 'ru');
    const labels = [...el().querySelectorAll('label.field .field__label')].map((l) => l.textContent?.trim());
    expect(labels).toEqual(['Текущий пароль', 'Новый пароль', 'Повторите новый пароль']);
    expect(el().textContent).toContain('Не короче 8 символов');
    expect(input('currentPassword').getAttribute('autocomplete')).toBe('current-password');
    expect(input('newPassword').getAttribute('autocomplete')).toBe('new-password');
  });

  describe('checks before sending', () => {
    it('asks for the current password and a long enough new one, focusing the first', async () => {
      await render();
      await fill({ newPassword: 'short', repeatPassword: 'short' });
      await submit();
      http.expectNone(URL);
      expect(errorOf('currentPassword')).toBe('Enter your current password.');
      expect(errorOf('newPassword')).toBe('Use at least 8 characters.');
      expect(errorOf('repeatPassword')).toBeNull();
      expect(document.activeElement).toBe(input('currentPassword'));
      expect(input('currentPassword').getAttribute('aria-invalid')).toBe('true');
      expect(input('currentPassword').getAttribute('aria-describedby')).toBe(q('error-currentPassword').id);
    });

    it('wants the repeat to match, and focuses it', async () => {
      await render();
      await fill({ ...valid, repeatPassword: 'new-secret-124' });
      await submit();
      http.expectNone(URL);
      expect(errorOf('repeatPassword')).toBe('The passwords do not match.');
      expect(errorOf('currentPassword')).toBeNull();
      expect(document.activeElement).toBe(input('repeatPassword'));
    });

    it('wants a new password different from the current one', async () => {
      await render();
      await fill({ currentPassword: 'same-secret', newPassword: 'same-secret', repeatPassword: 'same-secret' });
      await submit();
      http.expectNone(URL);
      expect(errorOf('newPassword')).toBe('The new password must differ from the current one.');
    });

    it('shows the message in the language chosen after it appeared', async () => {
      await render();
      await submit();
      TestBed.inject(I18nService).setLang('ru');
      await fixture.whenStable();
      expect(errorOf('currentPassword')).toBe('Введите текущий пароль.');
    });
  });

  describe('the server refusing', () => {
    async function refused(status: number, body: object, headers: Record<string, string> = {}): Promise<void> {
      await render();
      await fill(valid);
      await submit();
      http.expectOne({ method: 'POST', url: URL }).flush(body, { status, statusText: 'Refused', headers });
      await fixture.whenStable();
    }

    it('puts a wrong current password on its field and focuses it', async () => {
      await refused(403, {
        code: 'wrong_password',
        message: 'currentPassword: is not your current password',
        details: [{ field: 'currentPassword', message: 'is not your current password' }],
      });
      expect(errorOf('currentPassword')).toBe('This is not your current password.');
      expect(errorOf('newPassword')).toBeNull();
      expect(document.activeElement).toBe(input('currentPassword'));
      expect(TestBed.inject(AuthService).token()).toBe('jwt-old');
    });

    it('puts a validation error on the field it names', async () => {
      await refused(400, {
        code: 'validation_failed',
        message: 'Invalid fields: newPassword',
        details: [{ field: 'newPassword', message: 'newPassword must be longer than or equal to 8 characters' }],
      });
      expect(errorOf('newPassword')).toBe('newPassword must be longer than or equal to 8 characters');
      expect(errorOf('currentPassword')).toBeNull();
      expect(document.activeElement).toBe(input('newPassword'));
    });

    it('says how long to wait when rate limited', async () => {
      await refused(
        429,
        { code: 'rate_limited', message: 'Too many sign-in attempts. Try again in 42 s.' },
        { 'Retry-After': '42' },
      );
      expect(q('password-error').textContent?.trim()).toBe('Too many attempts, try again in 42 s.');
      expect(q('password-error').getAttribute('role')).toBe('alert');
      expect(errorOf('currentPassword')).toBeNull();
    });
  });

  it('sends the change once, with the save button disabled meanwhile', async () => {
    await render();
    await fill(valid);
    await submit();
    const request = http.expectOne({ method: 'POST', url: URL });
    expect(request.request.body).toEqual({ currentPassword: 'old-secret', newPassword: 'new-secret-123' });
    expect(q<HTMLButtonElement>('password-save').disabled).toBe(true);
    expect(q('password-save').textContent?.trim()).toBe('Saving…');
    q<HTMLFormElement>('password-form').dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    http.expectNone(URL);
    request.flush({ accessToken: 'jwt-new' });
    await fixture.whenStable();
    expect(q<HTMLButtonElement>('password-save').disabled).toBe(false);
  });

  it("submits with the form, as Enter in any field does: the button is the form's submit button", async () => {
    await render();
    await fill(valid);
    const form = q<HTMLFormElement>('password-form');
    expect(q<HTMLButtonElement>('password-save').type).toBe('submit');
    expect(q('password-save').closest('form')).toBe(form);
    form.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    http.expectOne({ method: 'POST', url: URL }).flush({ accessToken: 'jwt-new' });
  });

  describe('success', () => {
    let request: TestRequest;

    beforeEach(async () => {
      await render();
      await fill(valid);
      await submit();
      request = http.expectOne({ method: 'POST', url: URL });
      expect(request.request.headers.get('Authorization')).toBe('Bearer jwt-old');
      expect(q('password-changed')).toBeNull();
      request.flush({ accessToken: 'jwt-new' });
      await fixture.whenStable();
    });

    it('says the other devices were signed out and empties the form', () => {
      expect(q('password-changed').textContent).toContain('Your other devices and browsers were signed out');
      expect(q('password-changed').closest('[role=status]')).not.toBeNull();
      expect(input('currentPassword').value).toBe('');
      expect(input('newPassword').value).toBe('');
      expect(input('repeatPassword').value).toBe('');
    });

    it('keeps the session with the new token, now and after a reload', () => {
      const auth = TestBed.inject(AuthService);
      expect(auth.isAuthenticated()).toBe(true);
      expect(auth.token()).toBe('jwt-new');
      expect(localStorage.getItem('onebox.token')).toBe('jwt-new');
      TestBed.inject(HttpClient).get('/api/me').subscribe();
      expect(http.expectOne('/api/me').request.headers.get('Authorization')).toBe('Bearer jwt-new');
    });
  });
});
