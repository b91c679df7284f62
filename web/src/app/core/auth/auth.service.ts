import { HttpClient } from '@angular/common/http';
import { DOCUMENT } from '@angular/common';
import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import type { LoginResponse, MeDto, UserDto } from '@onebox/contracts';
import { Observable, tap } from 'rxjs';
import { FormatService } from '../i18n/format.service';

const TOKEN_KEY = 'onebox.token';
const USER_KEY = 'onebox.user';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function readUser(): UserDto | null {
  const raw = read(USER_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as UserDto;
  } catch {
    return null;
  }
}

/**
 * The signed-in agent: JWT and user kept in localStorage, `/api/me` loaded after sign-in. Tabs of
 * one browser share the session: a newer token another tab stores for the same user (after a
 * password change) is taken over instead of ending the session.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);
  private readonly router = inject(Router);
  private readonly format = inject(FormatService);

  private readonly tokenSignal = signal<string | null>(read(TOKEN_KEY));
  private readonly userSignal = signal<UserDto | null>(readUser());
  private readonly meSignal = signal<MeDto | null>(null);

  readonly token = this.tokenSignal.asReadonly();
  readonly user = this.userSignal.asReadonly();
  readonly me = this.meSignal.asReadonly();
  readonly isAuthenticated = computed(() => !!this.tokenSignal());
  readonly isAdmin = computed(() => this.userSignal()?.role === 'admin');
  /** Heads of sales and admins may hand conversations to anyone. */
  readonly canReassign = computed(() => ['head', 'admin'].includes(this.userSignal()?.role ?? ''));

  constructor() {
    inject(DOCUMENT).defaultView?.addEventListener('storage', (event) => {
      if (event.key === TOKEN_KEY) this.adoptStoredToken();
    });
  }

  login(email: string, password: string): Observable<LoginResponse> {
    return this.http.post<LoginResponse>('/api/auth/login', { email, password }).pipe(
      tap((res) => {
        this.tokenSignal.set(res.accessToken);
        this.userSignal.set(res.user);
        this.persist(res.accessToken, res.user);
      }),
    );
  }

  loadMe(): Observable<MeDto> {
    return this.http.get<MeDto>('/api/me').pipe(
      tap((me) => {
        this.meSignal.set(me);
        const user: UserDto = { id: me.id, email: me.email, name: me.name, role: me.role };
        this.userSignal.set(user);
        const token = this.tokenSignal();
        if (token) this.persist(token, user);
        this.format.setTimeZone(me.workspace?.timeZone);
      }),
    );
  }

  /** A new token for the signed-in user (after a password change): later requests and reconnects use it. */
  replaceToken(token: string): void {
    this.tokenSignal.set(token);
    try {
      localStorage.setItem(TOKEN_KEY, token);
    } catch {
      /* this tab keeps it in memory */
    }
  }

  /**
   * The server refused `token`. When the session already holds a newer token (this tab or another
   * changed the password meanwhile), answers it for a retry; otherwise ends the session and answers null.
   */
  tokenRejected(token: string | null): string | null {
    this.adoptStoredToken();
    const current = this.tokenSignal();
    if (current && current !== token) return current;
    this.logout();
    return null;
  }

  /** Forget the session and go to the login page. */
  logout(): void {
    this.tokenSignal.set(null);
    this.userSignal.set(null);
    this.meSignal.set(null);
    try {
      localStorage.removeItem(TOKEN_KEY);
      localStorage.removeItem(USER_KEY);
    } catch {
      /* ignore */
    }
    void this.router.navigate(['/login']);
  }

  /** Another tab stored a newer token: it is this session's when it belongs to the same user. */
  private adoptStoredToken(): void {
    const stored = read(TOKEN_KEY);
    const current = this.tokenSignal();
    if (stored && current && stored !== current && readUser()?.id === this.userSignal()?.id) {
      this.tokenSignal.set(stored);
    }
  }

  private persist(token: string, user: UserDto): void {
    try {
      localStorage.setItem(TOKEN_KEY, token);
      localStorage.setItem(USER_KEY, JSON.stringify(user));
    } catch {
      /* ignore */
    }
  }
}
