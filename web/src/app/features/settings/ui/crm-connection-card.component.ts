import { ChangeDetectionStrategy, Component, computed, inject, input, linkedSignal, output } from '@angular/core';
import type {
  ChannelDto,
  CrmConnectionDto,
  CrmPipelineDto,
  CrmUserDto,
  UpdateCrmRequest,
  UserDto,
} from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';

/**
 * The connected CRM: account and status, the webhook URL to register in the CRM, where new
 * deals go (pipeline, initial stage, which channels), who owns them (Onebox user → CRM user),
 * and how the sync is doing. Edits stay local until Save emits one `UpdateCrmRequest`.
 * An OAuth connection waiting for consent (`authorizing`), or one in `error`, offers "Authorize in <CRM>";
 * a CRM that is not answering (`degraded`) says since when and why.
 */
@Component({
  selector: 'ob-crm-connection-card',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let c = connection();
    <section class="card block" data-testid="crm-card">
      <div class="head">
        <strong class="name">{{ c.name }}</strong>
        <span class="muted">{{ 'crm.' + c.type | t }}</span>
        <span class="muted" data-testid="crm-account">{{ c.accountName }}</span>
        <span
          class="status-pill"
          [class.status-pill--bad]="c.status === 'error'"
          [class.status-pill--wait]="c.status === 'authorizing' || c.status === 'degraded'"
          data-testid="crm-status"
          [attr.data-status]="c.status"
          >{{ 'settings.crm.status.' + c.status | t }}</span
        >
        @if (canAuthorize()) {
          <button
            type="button"
            class="btn btn--sm btn--primary push"
            data-testid="crm-authorize"
            [disabled]="authorizing()"
            (click)="authorize.emit()"
          >
            {{ 'settings.crm.authorize' | t: { crm: 'crm.' + c.type | t } }}
          </button>
        }
        <button
          type="button"
          class="btn btn--sm btn--danger"
          [class.push]="!canAuthorize()"
          (click)="disconnect.emit()"
          data-testid="crm-disconnect"
        >
          {{ 'settings.crm.disconnect' | t }}
        </button>
      </div>
      @if (c.status === 'error' && c.statusMessage) {
        <p class="status-message" data-testid="crm-status-message">{{ c.statusMessage }}</p>
      }
      @if (c.status === 'degraded') {
        <p class="status-message" data-testid="crm-status-message">
          {{ 'settings.crm.degradedSince' | t: { since: c.degradedSince ? format.dateTime(c.degradedSince) : '—' } }}
          {{ c.statusMessage }}
        </p>
      }
      @if (c.status === 'authorizing') {
        <p class="note" data-testid="crm-authorizing-help">
          {{ 'settings.crm.authorizingHelp' | t: { crm: 'crm.' + c.type | t } }}
        </p>
      }
      <div class="small">
        <span class="muted">{{ 'settings.crm.webhook' | t }}</span>
        <div class="copyable">
          <code data-testid="crm-webhook-url">{{ c.webhookUrl }}</code>
          <button
            type="button"
            class="btn btn--sm"
            (click)="copyText.emit(c.webhookUrl)"
            data-testid="crm-copy-webhook"
          >
            {{ 'settings.crm.copy' | t }}
          </button>
        </div>
        <p class="note" data-testid="crm-webhook-help">{{ 'settings.crm.webhookHelp.' + c.type | t }}</p>
      </div>
    </section>

    <section class="card block">
      <h3>{{ 'settings.crm.deals' | t }}</h3>
      @if (pipelinesError(); as error) {
        <p class="status-message" data-testid="crm-pipelines-failed">{{ error }}</p>
      }
      <div class="grid">
        <label class="field">
          <span class="field__label">{{ 'settings.crm.pipeline' | t }}</span>
          <select
            class="input"
            data-testid="crm-pipeline"
            [disabled]="!pipelines().length"
            (change)="selectPipeline($any($event.target).value)"
          >
            @for (p of pipelines(); track p.id) {
              <option [value]="p.id" [selected]="p.id === pipelineId()">{{ p.name }}</option>
            }
          </select>
        </label>
        <label class="field">
          <span class="field__label">{{ 'settings.crm.stage' | t }}</span>
          <select
            class="input"
            data-testid="crm-stage"
            [disabled]="!stages().length"
            (change)="stageId.set($any($event.target).value)"
          >
            @for (s of stages(); track s.id) {
              <option [value]="s.id" [selected]="s.id === effectiveStageId()">{{ s.name }}</option>
            }
          </select>
        </label>
      </div>
      <label class="check">
        <input
          type="checkbox"
          data-testid="crm-auto-create"
          [checked]="autoCreate()"
          (change)="autoCreate.set($any($event.target).checked)"
        />
        {{ 'settings.crm.autoCreate' | t }}
      </label>
      <fieldset class="channels" [disabled]="!autoCreate()">
        <legend class="field__label">{{ 'settings.crm.channels' | t }}</legend>
        <label class="check">
          <input
            type="checkbox"
            data-testid="crm-all-channels"
            [checked]="channelIds() === null"
            (change)="setAllChannels($any($event.target).checked)"
          />
          {{ 'settings.crm.allChannels' | t }}
        </label>
        @for (ch of channels(); track ch.id) {
          <label class="check check--nested">
            <input
              type="checkbox"
              [attr.data-testid]="'crm-channel-' + ch.id"
              [disabled]="channelIds() === null"
              [checked]="channelIds() === null || channelIds()!.includes(ch.id)"
              (change)="toggleChannel(ch.id, $any($event.target).checked)"
            />
            {{ ch.name }} <span class="muted">· {{ 'channel.' + ch.type | t }}</span>
          </label>
        } @empty {
          <p class="muted small">{{ 'settings.crm.noChannels' | t }}</p>
        }
      </fieldset>
    </section>

    <section class="card block">
      <h3>{{ 'settings.crm.managers' | t }}</h3>
      <p class="muted small">{{ 'settings.crm.managersHint' | t }}</p>
      @if (crmUsersError(); as error) {
        <p class="status-message" data-testid="crm-users-failed">{{ error }}</p>
      }
      <table class="table" data-testid="crm-user-map">
        <thead>
          <tr>
            <th>{{ 'settings.crm.oneboxUser' | t }}</th>
            <th>{{ 'settings.crm.crmUser' | t }}</th>
          </tr>
        </thead>
        <tbody>
          @for (u of users(); track u.id) {
            <tr>
              <td>
                {{ u.name }} <span class="muted">{{ u.email }}</span>
              </td>
              <td>
                <select
                  class="input input--sm"
                  [attr.data-testid]="'crm-user-' + u.id"
                  [attr.aria-label]="'settings.crm.crmUser' | t"
                  (change)="mapUser(u.id, $any($event.target).value)"
                >
                  <option value="" [selected]="!userMap()[u.id]">{{ 'settings.crm.notMapped' | t }}</option>
                  @for (cu of crmUsers(); track cu.id) {
                    <option [value]="cu.id" [selected]="userMap()[u.id] === cu.id">
                      {{ cu.name }}{{ cu.email ? ' · ' + cu.email : '' }}
                    </option>
                  }
                </select>
              </td>
            </tr>
          }
        </tbody>
      </table>
      <div>
        <button type="button" class="btn btn--primary" data-testid="crm-save" [disabled]="saving()" (click)="submit()">
          {{ (saving() ? 'common.saving' : 'settings.crm.save') | t }}
        </button>
      </div>
    </section>

    <section class="card block" data-testid="crm-sync">
      <h3>{{ 'settings.crm.sync' | t }}</h3>
      <dl class="props">
        <dt>{{ 'settings.crm.sync.pending' | t }}</dt>
        <dd data-testid="crm-sync-pending">{{ format.number(c.sync.pending) }}</dd>
        <dt>{{ 'settings.crm.sync.failed' | t }}</dt>
        <dd data-testid="crm-sync-failed" [class.bad]="c.sync.failed > 0">{{ format.number(c.sync.failed) }}</dd>
        <dt>{{ 'settings.crm.sync.lastSynced' | t }}</dt>
        <dd data-testid="crm-sync-last">
          {{ c.sync.lastSyncedAt ? format.dateTime(c.sync.lastSyncedAt) : ('settings.crm.sync.never' | t) }}
        </dd>
        @if (c.sync.lastError) {
          <dt>{{ 'settings.crm.sync.lastError' | t }}</dt>
          <dd class="bad" data-testid="crm-sync-error">{{ c.sync.lastError }}</dd>
        }
      </dl>
      <div>
        <button
          type="button"
          class="btn btn--sm"
          data-testid="crm-retry"
          [disabled]="retrying() || c.sync.failed === 0"
          (click)="retry.emit()"
        >
          {{ 'settings.crm.retry' | t }}
        </button>
      </div>
    </section>
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 12px;
    }
    .block {
      display: flex;
      flex-direction: column;
      gap: 10px;
    }
    h3 {
      margin: 0;
      font-size: 14px;
    }
    .head {
      display: flex;
      align-items: center;
      gap: 10px;
      flex-wrap: wrap;
    }
    .push {
      margin-left: auto;
    }
    .grid {
      display: grid;
      grid-template-columns: 1fr 1fr;
      gap: 12px;
    }
    .status-message,
    .bad {
      margin: 0;
      font-size: 12px;
      color: var(--danger);
    }
    .note {
      margin: 6px 0 0;
      font-size: 12px;
      color: var(--text-muted);
    }
    .check {
      display: flex;
      align-items: center;
      gap: 8px;
      font-size: 13px;
    }
    .check--nested {
      padding-left: 22px;
    }
    .channels {
      display: flex;
      flex-direction: column;
      gap: 6px;
      margin: 0;
      padding: 0;
      border: 0;
    }
    .table {
      width: 100%;
      border-collapse: collapse;
      font-size: 13px;
    }
    th,
    td {
      text-align: left;
      padding: 6px 8px;
      border-bottom: 1px solid var(--border);
    }
    th {
      font-size: 11px;
      text-transform: uppercase;
      letter-spacing: 0.05em;
      color: var(--text-muted);
    }
    .props {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 6px 16px;
      margin: 0;
      font-size: 13px;
    }
    .props dt {
      color: var(--text-muted);
    }
    .props dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    .muted {
      color: var(--text-muted);
    }
    .small {
      margin: 0;
      font-size: 12px;
    }
  `,
})
export class CrmConnectionCardComponent {
  protected readonly format = inject(FormatService);

  /** The connected CRM. */
  readonly connection = input.required<CrmConnectionDto>();
  /** The CRM's pipelines with their stages (`GET /api/crm/:id/pipelines`). */
  readonly pipelines = input<CrmPipelineDto[]>([]);
  /** Why the pipelines could not be loaded, if they could not. */
  readonly pipelinesError = input<string | null>(null);
  /** The CRM's users, for matching managers (`GET /api/crm/:id/users`). */
  readonly crmUsers = input<CrmUserDto[]>([]);
  /** Why the CRM's users could not be loaded, if they could not. */
  readonly crmUsersError = input<string | null>(null);
  /** The workspace's channels, to choose which ones get deals. */
  readonly channels = input<ChannelDto[]>([]);
  /** The workspace's Onebox users, each matched with a CRM user. */
  readonly users = input<UserDto[]>([]);
  /** True while the settings are being saved. */
  readonly saving = input(false);
  /** True while failed sync jobs are being queued again. */
  readonly retrying = input(false);
  /** Offer "Authorize in <CRM>": an OAuth connection waiting for consent, or one whose access broke. */
  readonly canAuthorize = input(false);
  /** True while the consent link is being fetched. */
  readonly authorizing = input(false);

  /** The edited settings, sent as `PATCH /api/crm/:id`. */
  readonly save = output<UpdateCrmRequest>();
  /** The admin asked to queue the failed sync jobs again. */
  readonly retry = output<void>();
  /** The admin asked to disconnect the CRM (the parent confirms). */
  readonly disconnect = output<void>();
  /** Text to copy to the clipboard (the webhook URL). */
  readonly copyText = output<string>();
  /** The admin asked to (re)grant Onebox access in the CRM (the parent fetches the link and goes there). */
  readonly authorize = output<void>();

  /** No pipeline saved yet: the CRM's main one is what new deals would get. */
  protected readonly pipelineId = linkedSignal(
    () => this.connection().pipelineId ?? this.pipelines().find((p) => p.isMain)?.id ?? this.pipelines()[0]?.id ?? null,
  );
  protected readonly stageId = linkedSignal<string | null>(() => this.connection().stageId);
  protected readonly autoCreate = linkedSignal(() => this.connection().autoCreateDeal);
  protected readonly channelIds = linkedSignal<string[] | null>(() => this.connection().channelIds);
  protected readonly userMap = linkedSignal<Record<string, string>>(() => ({ ...this.connection().userMap }));

  /** A deal starts in an open stage; won and lost ones close it. */
  protected readonly stages = computed(() =>
    [...(this.pipelines().find((p) => p.id === this.pipelineId())?.stages ?? [])]
      .filter((s) => s.semantic === 'open')
      .sort((a, b) => a.sort - b.sort),
  );
  /** The saved stage when it belongs to the chosen pipeline, else its first stage. */
  protected readonly effectiveStageId = computed(() => {
    const stages = this.stages();
    const chosen = this.stageId();
    return stages.some((s) => s.id === chosen) ? chosen : (stages[0]?.id ?? chosen);
  });

  protected selectPipeline(id: string): void {
    this.pipelineId.set(id);
    this.stageId.set(null);
  }

  protected setAllChannels(all: boolean): void {
    this.channelIds.set(all ? null : this.channels().map((c) => c.id));
  }

  protected toggleChannel(id: string, on: boolean): void {
    this.channelIds.update((ids) => {
      const rest = (ids ?? []).filter((x) => x !== id);
      return on ? [...rest, id] : rest;
    });
  }

  protected mapUser(userId: string, crmUserId: string): void {
    this.userMap.update((map) => {
      const next = { ...map };
      if (crmUserId) next[userId] = crmUserId;
      else delete next[userId];
      return next;
    });
  }

  protected submit(): void {
    this.save.emit({
      pipelineId: this.pipelineId(),
      stageId: this.effectiveStageId(),
      autoCreateDeal: this.autoCreate(),
      channelIds: this.channelIds(),
      userMap: this.userMap(),
    });
  }
}
