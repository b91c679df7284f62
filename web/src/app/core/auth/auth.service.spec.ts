import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { ME, signIn } from '../../../testing/fixtures';
import { AuthService } from './auth.service';

describe(AuthService.name, () => {
  let auth: AuthService;

  beforeEach(() => {
    localStorage.clear();
    signIn(ME, 'jwt-old');
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    auth = TestBed.inject(AuthService);
  });

  /** What the browser does in this tab when another tab writes localStorage. */
  function otherTabStores(key: string, value: string): void {
    localStorage.setItem(key, value);
    window.dispatchEvent(new StorageEvent('storage', { key, newValue: value }));
  }

  it('keeps a replaced token for the next visit', () => {
    auth.replaceToken('jwt-new');
    expect(auth.token()).toBe('jwt-new');
    expect(localStorage.getItem('onebox.token')).toBe('jwt-new');
    expect(auth.user()).toEqual(ME);
  });

  it("takes over the token another tab got for the same user (that tab's password change)", () => {
    otherTabStores('onebox.token', 'jwt-new');
    expect(auth.token()).toBe('jwt-new');
  });

  it('ignores a token another tab got for someone else', () => {
    localStorage.setItem('onebox.user', JSON.stringify({ ...ME, id: 'u-other' }));
    otherTabStores('onebox.token', 'jwt-other-user');
    expect(auth.token()).toBe('jwt-old');
  });
});
