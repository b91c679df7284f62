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

  it('keeps the session on other errors', () => {
    client.get('/api/conversations').subscribe({ error: () => undefined });
    http
      .expectOne('/api/conversations')
      .flush({ code: 'forbidden', message: 'No' }, { status: 403, statusText: 'Forbidden' });
    expect(TestBed.inject(AuthService).isAuthenticated()).toBe(true);
  });
});
