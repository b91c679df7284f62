import { HttpClient } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  OnDestroy,
  computed,
  effect,
  inject,
  signal,
  untracked,
} from '@angular/core';
import { RouterLink } from '@angular/router';
import type { CrmConnectionDto } from '@onebox/contracts';
import type { Subscription } from 'rxjs';
import { AuthService } from '../auth/auth.service';
import { FormatService } from '../i18n/format.service';
import { TranslatePipe } from '../i18n/translate.pipe';
import { AgentSocketService } from '../socket/agent-socket.service';

/** While a problem is shown, the backlog count is refreshed this often. */
const REFRESH_MS = 60_000;

/**
 * For admins, across the whole app: the workspace's CRM is not answering (`degraded`: since
 * when, how many changes wait, the last error) or its sync stopped (`error`), with a link to
 * Settings → CRM. Loaded from `GET /api/crm`, again on each `crm.status` event.
 */
@Component({
  selector: 'ob-crm-outage-banner',
  imports: [TranslatePipe, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (problem(); as c) {
      <div class="banner" role="alert" data-testid="crm-outage-banner" [attr.data-status]="c.status">
        <span data-testid="crm-outage-text">
          @if (c.status === 'degraded') {
            {{
              'crm.outage.degraded'
                | t
                  : {
                      crm: c.name,
                      since: c.degradedSince ? format.dateTime(c.degradedSince) : '—',
                      pending: format.number(c.sync.pending),
                    }
            }}
          } @else {
            {{ 'crm.outage.error' | t: { crm: c.name, message: c.statusMessage ?? '' } }}
          }
        </span>
        @if (c.status === 'degraded' && (c.statusMessage || c.sync.lastError); as error) {
          <span class="muted" data-testid="crm-outage-error">{{ 'crm.outage.lastError' | t: { error } }}</span>
        }
        <a routerLink="/settings" [queryParams]="{ tab: 'crm' }" data-testid="crm-outage-open">{{
          'crm.outage.open' | t
        }}</a>
      </div>
    }
  `,
  styles: `
    .banner {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 4px 12px;
      padding: 8px 16px;
      background: var(--warning-soft, #fff4e0);
      border-bottom: 1px solid var(--border);
      font-size: 13px;
    }
    .banner[data-status='error'] {
      background: var(--danger-soft, #fde8e8);
    }
    .muted {
      color: var(--text-muted);
      overflow-wrap: anywhere;
    }
  `,
})
export class CrmOutageBannerComponent implements OnDestroy {
  private readonly http = inject(HttpClient);
  private readonly auth = inject(AuthService);
  private readonly socket = inject(AgentSocketService);
  protected readonly format = inject(FormatService);
  private readonly connections = signal<CrmConnectionDto[]>([]);
  private subscription: Subscription | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  /** The connection with a problem admins should know of, if any. */
  protected readonly problem = computed(
    () => this.connections().find((c) => c.status === 'degraded' || c.status === 'error') ?? null,
  );

  constructor() {
    effect(() => {
      if (this.auth.user()?.role === 'admin') this.start();
      else this.stop();
    });
    // An outage that began while the socket was (re)connecting sent its event to nobody: every
    // connection reads the state afresh.
    effect(() => {
      if (this.socket.state() === 'connected' && this.auth.user()?.role === 'admin') untracked(() => this.reload());
    });
    effect(() => {
      const showing = this.problem() !== null;
      if (showing && !this.timer) this.timer = setInterval(() => this.reload(), REFRESH_MS);
      if (!showing && this.timer) this.clearTimer();
    });
  }

  ngOnDestroy(): void {
    this.stop();
  }

  private start(): void {
    if (this.subscription) return;
    this.subscription = this.socket.on('crm.status').subscribe(() => this.reload());
    this.reload();
  }

  private stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.clearTimer();
    this.connections.set([]);
  }

  private clearTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private reload(): void {
    this.http.get<CrmConnectionDto[]>('/api/crm').subscribe({
      next: (list) => this.connections.set(list),
      error: () => undefined,
    });
  }
}
