import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { CannedResponseDto, UserDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ME, signIn } from '../../../../testing/fixtures';
import { CannedSettingsComponent } from './canned-settings.component';

const MINE: CannedResponseDto = {
  id: 'cr-1',
  title: 'Greeting',
  shortcut: 'hello',
  text: 'Hello {{contact.name}}!',
  shared: false,
  ownerId: ME.id,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};
const SHARED: CannedResponseDto = {
  ...MINE,
  id: 'cr-2',
  title: 'Delivery',
  shortcut: null,
  shared: true,
  ownerId: 'u-head',
};
const HEAD: UserDto = { id: 'u-head', email: 'head@onebox.local', name: 'Hanna Head', role: 'head' };

describe(CannedSettingsComponent.name, () => {
  let fixture: ComponentFixture<CannedSettingsComponent>;
  let http: HttpTestingController;

  async function start(user: UserDto): Promise<void> {
    localStorage.clear();
    signIn(user);
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(CannedSettingsComponent);
    await fixture.whenStable();
    http.expectOne('/api/canned-responses').flush([MINE, SHARED]);
    await fixture.whenStable();
  }

  afterEach(() => {
    jest.restoreAllMocks();
    http.verify();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends HTMLElement = HTMLElement>(testId: string, root: Element = el()) =>
    root.querySelector(`[data-testid="${testId}"]`) as T | null;
  const items = () => Array.from(el().querySelectorAll<HTMLElement>('[data-testid="canned-item"]'));

  function fill(testId: string, value: string): void {
    const input = q<HTMLInputElement>(testId) as HTMLInputElement;
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }

  describe('as a manager', () => {
    beforeEach(() => start(ME));

    it('lists the shared and own responses; only its own can be changed', () => {
      expect(items().map((i) => q('canned-item-title', i)?.textContent?.trim())).toEqual(['Delivery', 'Greeting']);
      expect(q('canned-shared-badge', items()[0])).not.toBeNull();
      expect(q('canned-item-shortcut', items()[1])?.textContent).toBe('/hello');
      expect(q('canned-item-text', items()[1])?.textContent).toBe('Hello {{contact.name}}!');
      expect(q('canned-delete', items()[0])).toBeNull();
      expect(q('canned-delete', items()[1])).not.toBeNull();
    });

    it('shows the placeholders hint and no share checkbox', () => {
      expect(q('canned-placeholders')?.textContent).toContain('{{contact.name}}');
      expect(q('canned-placeholders')?.textContent).toContain('{{manager.name}}');
      expect(q('canned-shared')).toBeNull();
    });

    it('posts a new response without the shared flag', async () => {
      fill('canned-title', ' Payment ');
      fill('canned-shortcut', '/pay');
      fill('canned-text', 'Pay by card, {{contact.name}}.');
      await fixture.whenStable();
      q('canned-save')?.click();
      const req = http.expectOne('/api/canned-responses');
      expect(req.request.method).toBe('POST');
      expect(req.request.body).toEqual({ title: 'Payment', shortcut: 'pay', text: 'Pay by card, {{contact.name}}.' });
      req.flush({ ...MINE, id: 'cr-3', title: 'Payment', shortcut: 'pay', text: 'Pay by card, {{contact.name}}.' });
      await fixture.whenStable();
      expect(items()).toHaveLength(3);
      expect(q<HTMLInputElement>('canned-title')?.value).toBe('');
    });

    it('requires a title and a text, then shows the server field errors', async () => {
      q('canned-save')?.click();
      await fixture.whenStable();
      expect(q('error-title')?.textContent).toContain('Required');
      expect(q('error-text')?.textContent).toContain('Required');

      fill('canned-title', 'T');
      fill('canned-text', 'x');
      fill('canned-shortcut', 'a b');
      q('canned-save')?.click();
      http.expectOne('/api/canned-responses').flush(
        {
          code: 'validation_failed',
          message: 'Invalid',
          details: [{ field: 'shortcut', message: 'No spaces in a shortcut' }],
        },
        { status: 400, statusText: 'Bad Request' },
      );
      await fixture.whenStable();
      expect(q('error-shortcut')?.textContent).toContain('No spaces in a shortcut');
      expect(q('error-title')).toBeNull();
    });

    it('edits with PATCH and deletes after a confirmation', async () => {
      (q('canned-edit', items()[1]) as HTMLElement).click();
      await fixture.whenStable();
      expect(q<HTMLInputElement>('canned-title')?.value).toBe('Greeting');
      fill('canned-text', 'Hi {{contact.name}}');
      q('canned-save')?.click();
      const patch = http.expectOne('/api/canned-responses/cr-1');
      expect(patch.request.method).toBe('PATCH');
      expect(patch.request.body).toEqual({ title: 'Greeting', shortcut: 'hello', text: 'Hi {{contact.name}}' });
      patch.flush({ ...MINE, text: 'Hi {{contact.name}}' });
      await fixture.whenStable();

      jest.spyOn(window, 'confirm').mockReturnValue(true);
      (q('canned-delete', items()[1]) as HTMLElement).click();
      const del = http.expectOne('/api/canned-responses/cr-1');
      expect(del.request.method).toBe('DELETE');
      del.flush(null, { status: 204, statusText: 'No Content' });
      await fixture.whenStable();
      expect(items()).toHaveLength(1);
    });
  });

  describe('as a head of sales', () => {
    beforeEach(() => start(HEAD));

    it('can share with the team', async () => {
      fill('canned-title', 'Hours');
      fill('canned-text', 'We work 9–18.');
      const shared = q<HTMLInputElement>('canned-shared') as HTMLInputElement;
      shared.click();
      q('canned-save')?.click();
      const req = http.expectOne('/api/canned-responses');
      expect(req.request.body).toEqual({ title: 'Hours', shortcut: null, text: 'We work 9–18.', shared: true });
      req.flush({ code: 'forbidden', message: 'Forbidden' }, { status: 403, statusText: 'Forbidden' });
      await fixture.whenStable();
      expect(q('error-shared')?.textContent).toContain('Only heads of sales and admins');
      expect(q('canned-delete', items()[0])).not.toBeNull();
    });
  });
});
