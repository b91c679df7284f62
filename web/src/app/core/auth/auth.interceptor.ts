import { HttpErrorResponse, HttpEvent, HttpInterceptorFn, HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { Observable, catchError, throwError } from 'rxjs';
import { AuthService } from './auth.service';

const LOGIN_URL = '/api/auth/login';

/**
 * Adds `Authorization: Bearer` to API calls. A 401 ends the session, unless the token it refused
 * has been replaced meanwhile (a password change): then the call is sent once more with the new one.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  if (!req.url.startsWith('/api/') || req.url === LOGIN_URL) return next(req);
  const auth = inject(AuthService);
  const send = (token: string | null, retried: boolean): Observable<HttpEvent<unknown>> =>
    next(withToken(req, token)).pipe(
      catchError((err: unknown) => {
        if (!(err instanceof HttpErrorResponse) || err.status !== 401) return throwError(() => err);
        const newer = auth.tokenRejected(token);
        return newer && !retried ? send(newer, true) : throwError(() => err);
      }),
    );
  return send(auth.token(), false);
};

function withToken<T>(req: HttpRequest<T>, token: string | null): HttpRequest<T> {
  return token ? req.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : req;
}
