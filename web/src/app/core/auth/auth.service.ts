import { HttpClient } from '@angular/common/http';
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

/** The signed-in agent: JWT and user kept in localStorage, `/api/me` loaded after sign-in. */
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

  private persist(token: string, user: UserDto): void {
    try {
      localStorage.setItem(TOKEN_KEY, token);
      localStorage.setItem(USER_KEY, JSON.stringify(user));
    } catch {
      /* ignore */
    }
  }
}
