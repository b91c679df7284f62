import { ChangeDetectionStrategy, Component, OnDestroy, OnInit, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from '../core/auth/auth.service';
import { I18nService } from '../core/i18n/i18n.service';
import { TranslatePipe } from '../core/i18n/translate.pipe';
import { AgentSocketService } from '../core/socket/agent-socket.service';
import { OffersHostComponent } from '../core/offers/offers-host.component';
import { OffersStore } from '../core/offers/offers.store';
import { PresenceService } from '../core/presence/presence.service';
import { PresenceToggleComponent } from './presence-toggle.component';
import { MentionsBellComponent } from '../core/mentions/mentions-bell.component';
import { GlobalSearchComponent } from '../features/search/global-search.component';
import { CrmOutageBannerComponent } from '../core/crm-status/crm-outage-banner.component';

/** The signed-in frame: top bar, reconnect banner and the routed page. Owns the socket's life. */
@Component({
  selector: 'ob-shell',
  imports: [
    RouterOutlet,
    RouterLink,
    RouterLinkActive,
    TranslatePipe,
    PresenceToggleComponent,
    OffersHostComponent,
    GlobalSearchComponent,
    MentionsBellComponent,
    CrmOutageBannerComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <header class="topbar">
      <a class="brand" routerLink="/inbox">
        <span class="brand__logo" aria-hidden="true"></span>{{ 'app.name' | t }}
      </a>
      <nav class="nav">
        <a routerLink="/inbox" routerLinkActive="nav__link--active" class="nav__link" data-testid="nav-inbox">{{
          'nav.inbox' | t
        }}</a>
        @if (auth.user()?.role === 'head' || auth.user()?.role === 'admin') {
          <a
            routerLink="/analytics"
            routerLinkActive="nav__link--active"
            class="nav__link"
            data-testid="nav-analytics"
            >{{ 'nav.analytics' | t }}</a
          >
        }
        <a routerLink="/settings" routerLinkActive="nav__link--active" class="nav__link" data-testid="nav-settings">{{
          'nav.settings' | t
        }}</a>
      </nav>
      <ob-global-search />
      <div class="topbar__right">
        <button
          type="button"
          class="lang"
          data-testid="lang-switch"
          (click)="i18n.toggle()"
          [attr.aria-label]="'nav.switchLanguage' | t: { lang: i18n.lang() === 'ru' ? 'English' : 'Русский' }"
        >
          <span [class.lang__on]="i18n.lang() === 'ru'">RU</span>
          <span [class.lang__on]="i18n.lang() === 'en'">EN</span>
        </button>
        <ob-mentions-bell />
        <ob-presence-toggle />
        @if (auth.user(); as user) {
          <a
            class="user"
            routerLink="/settings"
            [queryParams]="{ tab: 'account' }"
            data-testid="current-user"
            [attr.title]="'settings.account' | t"
          >
            <span class="avatar" aria-hidden="true">{{ user.name.charAt(0) }}</span>
            <span class="user__text">
              <span class="user__name">{{ user.name }}</span>
              <span class="user__role">{{ 'role.' + user.role | t }}</span>
            </span>
          </a>
        }
        <button type="button" class="btn btn--ghost btn--sm" data-testid="logout" (click)="logout()">
          {{ 'nav.logout' | t }}
        </button>
      </div>
    </header>
    <div>
      @if (socket.reconnecting()) {
        <div class="banner" role="status" data-testid="reconnecting">{{ 'socket.reconnecting' | t }}</div>
      }
      <ob-crm-outage-banner />
    </div>
    <main class="page"><router-outlet /></main>
    <ob-offers />
  `,
  styles: `
    :host {
      display: grid;
      grid-template-rows: auto auto minmax(0, 1fr);
      /* One column no wider than the window, even when the top bar's items do not fit. */
      grid-template-columns: minmax(0, 1fr);
      height: 100vh;
      height: 100dvh;
      min-width: 0;
    }
    .topbar {
      display: flex;
      align-items: center;
      gap: 24px;
      height: 52px;
      padding: 0 16px;
      background: var(--surface);
      border-bottom: 1px solid var(--border);
    }
    .brand {
      display: flex;
      align-items: center;
      gap: 8px;
      font-weight: 700;
      font-size: 16px;
      color: var(--text);
      text-decoration: none;
    }
    .brand__logo {
      width: 22px;
      height: 22px;
      border-radius: 6px;
      background: var(--accent);
      box-shadow: inset 0 -6px 0 rgba(255, 255, 255, 0.25);
    }
    .nav {
      display: flex;
      gap: 4px;
    }
    .nav__link {
      padding: 6px 10px;
      border-radius: 6px;
      color: var(--text-muted);
      text-decoration: none;
      font-weight: 500;
    }
    .nav__link:hover {
      background: var(--hover);
      color: var(--text);
    }
    .nav__link--active {
      color: var(--accent);
      background: var(--accent-soft);
    }
    .topbar__right {
      margin-left: auto;
      display: flex;
      align-items: center;
      gap: 12px;
    }
    .lang {
      display: inline-flex;
      border: 1px solid var(--border);
      border-radius: 6px;
      background: var(--surface);
      padding: 2px;
      cursor: pointer;
      font: inherit;
      font-size: 12px;
    }
    .lang span {
      padding: 2px 6px;
      border-radius: 4px;
      color: var(--text-muted);
    }
    .lang .lang__on {
      background: var(--accent);
      color: #fff;
    }
    .user {
      display: flex;
      align-items: center;
      gap: 8px;
      padding: 2px 6px;
      margin: 0 -6px;
      border-radius: 6px;
      color: var(--text);
      text-decoration: none;
    }
    .user:hover {
      background: var(--hover);
    }
    .user__text {
      display: flex;
      flex-direction: column;
      line-height: 1.2;
    }
    .user__name {
      font-weight: 600;
      font-size: 13px;
    }
    .user__role {
      font-size: 11px;
      color: var(--text-muted);
    }
    .banner {
      grid-row: 2;
      padding: 6px 16px;
      background: #fef0c7;
      color: #93370d;
      font-size: 13px;
      text-align: center;
      border-bottom: 1px solid #fedf89;
    }
    /* Explicit rows: without the banner the page must still land in the stretching row. */
    .page {
      grid-row: 3;
      min-height: 0;
      min-width: 0;
      overflow: hidden;
    }
  `,
})
export class ShellComponent implements OnInit, OnDestroy {
  protected readonly auth = inject(AuthService);
  protected readonly i18n = inject(I18nService);
  protected readonly socket = inject(AgentSocketService);
  private readonly presence = inject(PresenceService);
  private readonly offers = inject(OffersStore);

  ngOnInit(): void {
    this.auth.loadMe().subscribe({ error: () => undefined });
    this.socket.connect(() => this.auth.token(), this.presence.handshake);
    this.presence.start();
    this.offers.start();
  }

  ngOnDestroy(): void {
    this.presence.stop();
    this.offers.stop();
    this.socket.disconnect();
  }

  protected logout(): void {
    this.presence.reset();
    this.offers.stop();
    this.socket.disconnect();
    this.auth.logout();
  }
}
