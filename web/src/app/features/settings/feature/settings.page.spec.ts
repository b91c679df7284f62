import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { UserRole } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ME, signIn } from '../../../../testing/fixtures';
import { SettingsPage } from './settings.page';

describe(SettingsPage.name, () => {
  let fixture: ComponentFixture<SettingsPage>;

  async function render(role: UserRole, tab?: string): Promise<void> {
    localStorage.clear();
    signIn({ ...ME, role });
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    TestBed.inject(I18nService).setLang('ru');
    fixture = TestBed.createComponent(SettingsPage);
    if (tab) fixture.componentRef.setInput('tab', tab);
    await fixture.whenStable();
  }

  const el = () => fixture.nativeElement as HTMLElement;
  const sections = () => [...el().querySelectorAll('.side__link')].map((b) => b.getAttribute('data-testid'));

  it.each<UserRole>(['manager', 'head'])('gives a %s their canned responses and their account', async (role) => {
    await render(role);
    expect(sections()).toEqual(['settings-canned', 'settings-account']);
    expect(el().querySelector('[data-testid=settings-account]')?.textContent?.trim()).toBe('Мой профиль');
  });

  it('lists My account last for admins', async () => {
    await render('admin');
    expect(sections().at(-1)).toBe('settings-account');
    expect(sections()).toHaveLength(9);
  });

  it('opens My account from ?tab=account, as the top bar links it', async () => {
    await render('manager', 'account');
    expect(el().querySelector('ob-account-settings')).not.toBeNull();
    expect(el().querySelector('[data-testid=settings-account]')?.classList).toContain('side__link--on');
  });
});
