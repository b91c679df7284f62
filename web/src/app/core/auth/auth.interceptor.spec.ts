import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { ME, signIn } from '../../../testing/fixtures';
import { authInterceptor } from './auth.interceptor';
import { AuthService } from './auth.service';

describe('authInterceptor', () => {
  let http: HttpTestingController;
  let client: HttpClient;

  beforeEach(() => {
    localStorage.clear();
    signIn(ME, 'jwt-abc');
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    client = TestBed.inject(HttpClient);
  });

  afterEach(() => http.verify());

  it('adds the bearer token to API calls', () => {
    client.get('/api/me').subscribe();
    expect(http.expectOne('/api/me').request.headers.get('Authorization')).toBe('Bearer jwt-abc');
  });

  it('does not send the token elsewhere', () => {
    client.get('https://example.com/x').subscribe();
    expect(http.expectOne('https://example.com/x').request.headers.has('Authorization')).toBe(false);
  });

  it('ends the session and goes to login on 401', () => {
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    client.get('/api/conversations').subscribe({ error: () => undefined });
    http
      .expectOne('/api/conversations')
      .flush({ code: 'unauthorized', message: 'Expired' }, { status: 401, statusText: 'Unauthorized' });
    expect(TestBed.inject(AuthService).isAuthenticated()).toBe(false);
    expect(localStorage.getItem('onebox.token')).toBeNull();
    expect(navigate).toHaveBeenCalledWith(['/login']);
  });

  describe('after a password change', () => {
    const unauthorized = { status: 401, statusText: 'Unauthorized' };
    const revoked = { code: 'unauthorized', message: 'Sign in to continue' };

    it('sends a call the old token lost once more with the new one, and keeps the session', () => {
      const auth = TestBed.inject(AuthService);
      const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
      const answers: unknown[] = [];
      client.get('/api/conversations').subscribe((body) => answers.push(body));
      const stale = http.expectOne('/api/conversations');
      auth.replaceToken('jwt-new');
      stale.flush(revoked, unauthorized);

      const retry = http.expectOne('/api/conversations');
      expect(retry.request.headers.get('Authorization')).toBe('Bearer jwt-new');
      retry.flush({ items: [] });
      expect(answers).toEqual([{ items: [] }]);
      expect(auth.isAuthenticated()).toBe(true);
      expect(navigate).not.toHaveBeenCalled();
    });

    it('takes over the new token another tab stored for the same user', () => {
      const auth = TestBed.inject(AuthService);
      client.get('/api/me').subscribe();
      const stale = http.expectOne('/api/me');
      localStorage.setItem('onebox.token', 'jwt-from-other-tab');
      stale.flush(revoked, unauthorized);

      http.expectOne('/api/me').flush(ME);
      expect(auth.token()).toBe('jwt-from-other-tab');
    });

    it('ends the session when the new token is refused too', () => {
      const auth = TestBed.inject(AuthService);
      jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
      let failed = false;
      client.get('/api/me').subscribe({ error: () => (failed = true) });
      const stale = http.expectOne('/api/me');
      auth.replaceToken('jwt-new');
      stale.flush(revoked, unauthorized);
      http.expectOne('/api/me').flush(revoked, unauthorized);
      expect(failed).toBe(true);
      expect(auth.isAuthenticated()).toBe(false);
    });

    it('does not take over a token stored for another user', () => {
      const auth = TestBed.inject(AuthService);
      jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
      client.get('/api/me').subscribe({ error: () => undefined });
      const stale = http.expectOne('/api/me');
      signIn({ ...ME, id: 'u-other' }, 'jwt-other-user');
      stale.flush(revoked, unauthorized);
      http.expectNone('/api/me');
      expect(auth.isAuthenticated()).toBe(false);
    });
  });

  it('keeps the session on other errors', () => {
    client.get('/api/conversations').subscribe({ error: () => undefined });
    http
      .expectOne('/api/conversations')
      .flush({ code: 'forbidden', message: 'No' }, { status: 403, statusText: 'Forbidden' });
    expect(TestBed.inject(AuthService).isAuthenticated()).toBe(true);
  });
});
