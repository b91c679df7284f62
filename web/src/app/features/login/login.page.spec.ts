import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { authInterceptor } from '../../core/auth/auth.interceptor';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { ME } from '../../../testing/fixtures';
import { LoginPage } from './login.page';

describe(LoginPage.name, () => {
  let fixture: ComponentFixture<LoginPage>;
  let http: HttpTestingController;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
      ],
    });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(LoginPage);
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const q = (id: string) => fixture.nativeElement.querySelector(`[data-testid="${id}"]`) as HTMLInputElement;

  async function submit(email = 'admin@onebox.local', password = 'secret'): Promise<void> {
    q('login-email').value = email;
    q('login-email').dispatchEvent(new Event('input'));
    q('login-password').value = password;
    q('login-password').dispatchEvent(new Event('input'));
    q('login-submit').click();
    await fixture.whenStable();
  }

  it('stores the token and user and opens the inbox', async () => {
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
    await submit();
    const req = http.expectOne('/api/auth/login');
    expect(req.request.body).toEqual({ email: 'admin@onebox.local', password: 'secret' });
    expect(req.request.headers.has('Authorization')).toBe(false);
    req.flush({ accessToken: 'jwt-1', user: ME });
    expect(localStorage.getItem('onebox.token')).toBe('jwt-1');
    expect(TestBed.inject(AuthService).user()).toEqual(ME);
    expect(navigate).toHaveBeenCalledWith('/inbox');
  });

  it('says the credentials are wrong on 401', async () => {
    await submit();
    http
      .expectOne('/api/auth/login')
      .flush(
        { code: 'invalid_credentials', message: 'Invalid credentials' },
        { status: 401, statusText: 'Unauthorized' },
      );
    await fixture.whenStable();
    expect(q('login-error').textContent).toContain('Wrong email or password.');
    expect(localStorage.getItem('onebox.token')).toBeNull();
  });

  it('tells how long to wait on 429, in the chosen language', async () => {
    await submit();
    http
      .expectOne('/api/auth/login')
      .flush(
        { code: 'too_many_requests', message: 'Too many' },
        { status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': '42' } },
      );
    await fixture.whenStable();
    expect(q('login-error').textContent).toContain('Too many attempts, try again in 42 s');

    TestBed.inject(I18nService).setLang('ru');
    await fixture.whenStable();
    expect(q('login-error').textContent).toContain('повторите через 42 с');
  });
});
