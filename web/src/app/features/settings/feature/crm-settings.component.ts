import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { ActivatedRoute, Router } from '@angular/router';
import type {
  ChannelDto,
  CreateCrmRequest,
  CrmConnectionDto,
  CrmPipelineDto,
  CrmUserDto,
  UpdateCrmRequest,
  UserDto,
} from '@onebox/contracts';
import { apiErrorMessage, apiErrorOf, fieldErrors } from '../../../core/api/api-error';
import type { TranslationKey } from '../../../core/i18n/en';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ExternalNavigation } from '../../../core/navigation/external-navigation';
import { ToastService } from '../../../core/toast/toast.service';
import { CrmApi, type CrmTypeDto } from '../data-access/crm-api.service';
import { SettingsApi } from '../data-access/settings-api.service';
import { CrmConnectFormComponent } from '../ui/crm-connect-form.component';
import { CrmConnectionCardComponent } from '../ui/crm-connection-card.component';

/**
 * The workspace's CRM: the connect form (generated from the server's CRM types) while none is
 * connected, then the connection's settings and sync status.
 *
 * OAuth: connecting answers `authorizing` with an `authorizeUrl`, where the browser goes for the
 * admin's consent; the server then sends it back to `/settings?tab=crm&connected=1` (or `&error=…`),
 * which is toasted once and cleared from the address.
 */
@Component({
  selector: 'ob-crm-settings',
  imports: [TranslatePipe, CrmConnectFormComponent, CrmConnectionCardComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ 'settings.crm' | t }}</h2>
    @if (loading()) {
      <div class="card skeleton form-skeleton" aria-busy="true"></div>
    } @else if (connection(); as c) {
      <ob-crm-connection-card
        [connection]="c"
        [pipelines]="pipelines()"
        [pipelinesError]="pipelinesError()"
        [crmUsers]="crmUsers()"
        [crmUsersError]="crmUsersError()"
        [channels]="channels()"
        [users]="users()"
        [saving]="saving()"
        [retrying]="retrying()"
        [canAuthorize]="canAuthorize()"
        [authorizing]="authorizing()"
        (authorize)="authorize(c)"
        (save)="save(c, $event)"
        (retry)="retry(c)"
        (disconnect)="disconnect(c)"
        (copyText)="copy($event)"
      />
    } @else if (typesFailed()) {
      <p class="card muted" data-testid="crm-types-failed">{{ 'settings.crm.typesFailed' | t }}</p>
    } @else if (types(); as types) {
      <ob-crm-connect-form
        [types]="types"
        [connecting]="connecting()"
        [serverErrors]="errors()"
        [formError]="formError()"
        (connect)="create($event)"
      />
    } @else {
      <div class="card skeleton form-skeleton" aria-busy="true"></div>
    }
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 16px;
      max-width: 820px;
    }
    h2 {
      margin: 0;
      font-size: 18px;
    }
    .form-skeleton {
      height: 160px;
    }
    .muted {
      color: var(--text-muted);
    }
  `,
})
export class CrmSettingsComponent implements OnInit {
  private readonly api = inject(CrmApi);
  private readonly settings = inject(SettingsApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly navigation = inject(ExternalNavigation);
  private readonly route = inject(ActivatedRoute);
  private readonly router = inject(Router);

  protected readonly loading = signal(true);
  protected readonly connection = signal<CrmConnectionDto | null>(null);
  protected readonly types = signal<CrmTypeDto[] | null>(null);
  protected readonly typesFailed = signal(false);
  protected readonly connecting = signal(false);
  protected readonly errors = signal<Record<string, string>>({});
  protected readonly formError = signal<string | null>(null);

  protected readonly pipelines = signal<CrmPipelineDto[]>([]);
  protected readonly pipelinesError = signal<string | null>(null);
  protected readonly crmUsers = signal<CrmUserDto[]>([]);
  protected readonly crmUsersError = signal<string | null>(null);
  protected readonly channels = signal<ChannelDto[]>([]);
  protected readonly users = signal<UserDto[]>([]);
  protected readonly saving = signal(false);
  protected readonly retrying = signal(false);
  protected readonly authorizing = signal(false);
  /** Connections the server said were made with a token (409 `not_oauth`): no authorize button. */
  private readonly notOauth = signal<ReadonlySet<string>>(new Set());
  /**
   * Only the server knows whether a connection uses OAuth, so the button shows whenever consent
   * could help (waiting for it, or an error such as revoked access) until the server says `not_oauth`.
   */
  protected readonly canAuthorize = computed(() => {
    const c = this.connection();
    return !!c && (c.status === 'authorizing' || c.status === 'error') && !this.notOauth().has(c.id);
  });

  ngOnInit(): void {
    this.showOauthReturn();
    this.api.list().subscribe({
      next: (list) => {
        this.loading.set(false);
        const connection = list[0] ?? null;
        this.connection.set(connection);
        if (connection) this.loadDetails(connection);
        else this.loadTypes();
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.toast.error(this.errorText(err));
        this.loadTypes();
      },
    });
  }

  protected create(request: CreateCrmRequest): void {
    if (this.connecting()) return;
    this.connecting.set(true);
    this.errors.set({});
    this.formError.set(null);
    this.api.create(request).subscribe({
      next: (connection) => {
        this.connecting.set(false);
        const { authorizeUrl, ...saved } = connection;
        this.connection.set(saved);
        this.loadDetails(saved);
        if (authorizeUrl) this.navigation.assign(authorizeUrl);
        else this.toast.success(this.i18n.t('settings.crm.connected', { name: connection.name }));
      },
      error: (err: unknown) => {
        this.connecting.set(false);
        this.showCreateError(request, err);
      },
    });
  }

  protected save(connection: CrmConnectionDto, body: UpdateCrmRequest): void {
    if (this.saving()) return;
    this.saving.set(true);
    this.api.update(connection.id, body).subscribe({
      next: (saved) => {
        this.saving.set(false);
        this.connection.set(saved);
        this.toast.success(this.i18n.t('settings.crm.saved'));
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.toast.error(this.errorText(err));
      },
    });
  }

  /** Re-queues the failed jobs, then reads the connection again for the new counts. */
  protected retry(connection: CrmConnectionDto): void {
    if (this.retrying()) return;
    this.retrying.set(true);
    this.api.retry(connection.id).subscribe({
      next: () => {
        this.toast.success(this.i18n.t('settings.crm.retried'));
        this.api.list().subscribe({
          next: (list) => {
            this.retrying.set(false);
            const fresh = list.find((c) => c.id === connection.id);
            if (fresh) this.connection.set(fresh);
          },
          error: () => this.retrying.set(false),
        });
      },
      error: (err: unknown) => {
        this.retrying.set(false);
        this.toast.error(this.errorText(err));
      },
    });
  }

  /** A fresh consent link, then off to the CRM; a token connection (409 `not_oauth`) just loses the button. */
  protected authorize(connection: CrmConnectionDto): void {
    if (this.authorizing()) return;
    this.authorizing.set(true);
    this.api.authorize(connection.id).subscribe({
      next: ({ authorizeUrl }) => {
        this.authorizing.set(false);
        this.navigation.assign(authorizeUrl);
      },
      error: (err: unknown) => {
        this.authorizing.set(false);
        if (apiErrorOf(err)?.code === 'not_oauth') this.notOauth.update((ids) => new Set(ids).add(connection.id));
        else this.toast.error(this.errorText(err));
      },
    });
  }

  protected disconnect(connection: CrmConnectionDto): void {
    if (!confirm(this.i18n.t('settings.crm.confirmDisconnect', { name: connection.name }))) return;
    this.api.remove(connection.id).subscribe({
      next: () => {
        this.connection.set(null);
        this.toast.success(this.i18n.t('settings.crm.disconnected'));
        if (!this.types()) this.loadTypes();
      },
      error: (err: unknown) => this.toast.error(this.errorText(err)),
    });
  }

  protected copy(text: string): void {
    const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard;
    if (!clipboard) {
      this.toast.error(this.i18n.t('errors.unknown'));
      return;
    }
    clipboard.writeText(text).then(
      () => this.toast.success(this.i18n.t('settings.crm.copied')),
      () => this.toast.error(this.i18n.t('errors.unknown')),
    );
  }

  private loadTypes(): void {
    this.typesFailed.set(false);
    this.api.types().subscribe({
      next: (types) => this.types.set(types),
      error: (err: unknown) => {
        this.typesFailed.set(true);
        this.toast.error(this.errorText(err));
      },
    });
  }

  /**
   * What the settings card offers: the CRM's pipelines and users, the workspace's channels and
   * users. A connection still waiting for consent cannot reach the CRM yet, so it is not asked.
   */
  private loadDetails(connection: CrmConnectionDto): void {
    this.pipelinesError.set(null);
    this.crmUsersError.set(null);
    this.pipelines.set([]);
    this.crmUsers.set([]);
    if (connection.status !== 'authorizing') this.loadCrmCatalog(connection);
    this.settings.channels().subscribe({
      next: (channels) => this.channels.set(channels),
      error: (err: unknown) => this.toast.error(this.errorText(err)),
    });
    this.settings.users().subscribe({
      next: (users) => this.users.set(users),
      error: (err: unknown) => this.toast.error(this.errorText(err)),
    });
  }

  private loadCrmCatalog(connection: CrmConnectionDto): void {
    this.api.pipelines(connection.id).subscribe({
      next: (pipelines) => this.pipelines.set(pipelines),
      error: (err: unknown) => this.pipelinesError.set(this.errorText(err, 'settings.crm.pipelinesFailed')),
    });
    this.api.users(connection.id).subscribe({
      next: (users) => this.crmUsers.set(users),
      error: (err: unknown) => this.crmUsersError.set(this.errorText(err, 'settings.crm.usersFailed')),
    });
  }

  /** Back from the CRM's consent page: `connected=1` or `error=<message>`, shown once, then dropped from the URL. */
  private showOauthReturn(): void {
    const params = this.route.snapshot.queryParamMap;
    const connected = params.get('connected');
    const error = params.get('error');
    if (connected === null && error === null) return;
    if (error !== null) this.toast.error(error || this.i18n.t('settings.crm.authorizeFailed'));
    else this.toast.success(this.i18n.t('settings.crm.authorized'));
    void this.router.navigate([], {
      relativeTo: this.route,
      queryParams: { connected: null, error: null },
      queryParamsHandling: 'merge',
      replaceUrl: true,
    });
  }

  /**
   * Field problems go under their fields; `invalid_credentials` (the CRM said no) heads the form;
   * a CRM that could not be reached is both toasted and shown on the form.
   */
  private showCreateError(request: CreateCrmRequest, err: unknown): void {
    const code = apiErrorOf(err)?.code;
    const message = this.errorText(err);
    switch (code) {
      case 'invalid_credentials':
        this.formError.set(message);
        return;
      case 'crm_unavailable':
        this.formError.set(message);
        this.toast.error(message);
        return;
      default: {
        const byField = fieldErrors(err);
        const shown = new Set(['name', ...this.fieldKeys(request.type).map((key) => `settings.${key}`)]);
        const keys = Object.keys(byField);
        this.errors.set(byField);
        if (!keys.length) this.toast.error(message);
        if (!keys.length || keys.some((key) => !shown.has(key))) this.formError.set(message);
      }
    }
  }

  private fieldKeys(type: CrmTypeDto['type']): string[] {
    const found = this.types()?.find((t) => t.type === type);
    return [...(found?.settingsFields ?? []), ...(found?.oauthFields ?? [])].map((f) => f.key);
  }

  private errorText(err: unknown, fallback: TranslationKey = 'errors.unknown'): string {
    return apiErrorMessage(err, this.i18n.t(fallback), this.i18n.t('errors.network'));
  }
}
