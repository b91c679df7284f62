import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import type { ChannelDto, CostSettings, UserDto } from '@onebox/contracts';
import { forkJoin } from 'rxjs';
import { apiErrorMessage, fieldErrors } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { SettingsApi } from '../data-access/settings-api.service';
import { WorkspaceSettingsApi } from '../data-access/workspace-settings-api.service';

/** Currencies offered in the currency field; any other ISO 4217 code may be typed. */
const CURRENCIES = ['RUB', 'USD', 'EUR', 'KZT', 'BYN', 'UZS', 'KGS', 'AMD', 'GEL', 'AZN', 'TRY', 'CNY', 'AED', 'GBP'];

/** The form's working copy: amounts as typed, by user / channel id; empty means no cost. */
interface Draft {
  currency: string;
  hourly: Record<string, string>;
  monthly: Record<string, string>;
}

function draftOf(costs: CostSettings): Draft {
  return { currency: costs.currency, hourly: { ...costs.managerHourly }, monthly: { ...costs.channelMonthly } };
}

/** "1 500,50" → "1500.50": spaces and a decimal comma as people type them; the server checks the rest. */
function amountOf(typed: string | undefined): string {
  return (typed ?? '').replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
}

/** The non-empty amounts of the given ids (stale ids of removed users or channels are dropped). */
function amounts(typed: Record<string, string>, ids: string[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [id, amountOf(typed[id])]).filter(([, amount]) => amount !== ''));
}

/**
 * Settings → Costs (admins): the currency, each user's hourly cost and each channel's monthly
 * cost, from which the dashboard shows cost per chat and ROI. Saves only the `costs` key.
 */
@Component({
  selector: 'ob-costs-settings',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ 'costs.title' | t }}</h2>
    <p class="muted intro">{{ 'costs.hint' | t }}</p>
    @if (loading()) {
      <p class="muted">{{ 'common.loading' | t }}</p>
    } @else if (!draft()) {
      <div class="card empty-state" data-testid="costs-none">
        <div class="empty-state__art" aria-hidden="true">💰</div>
        <h3>{{ 'costs.none' | t }}</h3>
        <p>{{ 'costs.noneHint' | t }}</p>
        <button type="button" class="btn btn--primary setup" data-testid="costs-set-up" (click)="setUp()">
          {{ 'costs.setUp' | t }}
        </button>
      </div>
    } @else {
      @let d = draft()!;
      <form class="form" data-testid="costs-form" novalidate (ngSubmit)="save()">
        <label class="field currency">
          <span class="field__label">{{ 'costs.currency' | t }}</span>
          <input
            class="input"
            name="currency"
            list="costs-currencies"
            maxlength="3"
            autocomplete="off"
            data-testid="costs-currency"
            [(ngModel)]="d.currency"
          />
          <datalist id="costs-currencies">
            @for (code of currencies; track code) {
              <option [value]="code"></option>
            }
          </datalist>
          <span class="muted hint">{{ 'costs.currencyHint' | t }}</span>
          @if (errors()['costs.currency']; as e) {
            <span class="field__error" data-testid="error-costs.currency">{{ e }}</span>
          }
        </label>

        <section class="card">
          <h3>{{ 'costs.managers' | t }}</h3>
          <table class="table" data-testid="costs-managers">
            <thead>
              <tr>
                <th>{{ 'settings.users.name' | t }}</th>
                <th>{{ 'settings.users.role' | t }}</th>
                <th class="num">{{ 'costs.managerHourly' | t }}, {{ d.currency }}</th>
              </tr>
            </thead>
            <tbody>
              @for (u of users(); track u.id) {
                <tr data-testid="costs-user">
                  <td>{{ u.name }}</td>
                  <td class="muted">{{ 'role.' + u.role | t }}</td>
                  <td class="num">
                    <input
                      class="input input--sm amount"
                      inputmode="decimal"
                      placeholder="—"
                      [name]="'hourly-' + u.id"
                      [attr.data-testid]="'costs-hourly-' + u.id"
                      [attr.aria-label]="'costs.amountOf' | t: { what: ('costs.managerHourly' | t), name: u.name }"
                      [attr.aria-invalid]="invalid('costs.managerHourly', u.id)"
                      [class.amount--invalid]="invalid('costs.managerHourly', u.id)"
                      [(ngModel)]="d.hourly[u.id]"
                    />
                  </td>
                </tr>
              } @empty {
                <tr>
                  <td colspan="3" class="muted">{{ 'costs.noUsers' | t }}</td>
                </tr>
              }
            </tbody>
          </table>
          @if (errorText('costs.managerHourly'); as e) {
            <span class="field__error" data-testid="error-costs.managerHourly">{{ e }}</span>
          }
        </section>

        <section class="card">
          <h3>{{ 'costs.channels' | t }}</h3>
          <table class="table" data-testid="costs-channels">
            <thead>
              <tr>
                <th>{{ 'settings.channels.name' | t }}</th>
                <th>{{ 'settings.channels.type' | t }}</th>
                <th class="num">{{ 'costs.channelMonthly' | t }}, {{ d.currency }}</th>
              </tr>
            </thead>
            <tbody>
              @for (c of channels(); track c.id) {
                <tr data-testid="costs-channel">
                  <td>{{ c.name }}</td>
                  <td class="muted">{{ 'channel.' + c.type | t }}</td>
                  <td class="num">
                    <input
                      class="input input--sm amount"
                      inputmode="decimal"
                      placeholder="—"
                      [name]="'monthly-' + c.id"
                      [attr.data-testid]="'costs-monthly-' + c.id"
                      [attr.aria-label]="'costs.amountOf' | t: { what: ('costs.channelMonthly' | t), name: c.name }"
                      [attr.aria-invalid]="invalid('costs.channelMonthly', c.id)"
                      [class.amount--invalid]="invalid('costs.channelMonthly', c.id)"
                      [(ngModel)]="d.monthly[c.id]"
                    />
                  </td>
                </tr>
              } @empty {
                <tr>
                  <td colspan="3" class="muted">{{ 'costs.noChannels' | t }}</td>
                </tr>
              }
            </tbody>
          </table>
          @if (errorText('costs.channelMonthly'); as e) {
            <span class="field__error" data-testid="error-costs.channelMonthly">{{ e }}</span>
          }
        </section>

        @if (errors()['costs']; as e) {
          <span class="field__error" data-testid="error-costs">{{ e }}</span>
        }
        <div class="actions">
          <button class="btn btn--primary" type="submit" data-testid="costs-save" [disabled]="busy()">
            {{ (busy() === 'save' ? 'common.saving' : 'costs.save') | t }}
          </button>
          @if (stored()) {
            <button
              class="btn btn--danger"
              type="button"
              data-testid="costs-clear"
              [disabled]="busy()"
              (click)="clear()"
            >
              {{ (busy() === 'clear' ? 'common.saving' : 'costs.clear') | t }}
            </button>
          } @else {
            <button class="btn btn--ghost" type="button" data-testid="costs-cancel" (click)="draft.set(null)">
              {{ 'costs.cancel' | t }}
            </button>
          }
        </div>
      </form>
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
    h3 {
      margin: 0 0 8px;
      font-size: 14px;
    }
    .intro {
      margin: -8px 0 0;
      font-size: 13px;
    }
    .setup {
      margin-top: 12px;
    }
    .form {
      display: flex;
      flex-direction: column;
      gap: 16px;
    }
    .currency {
      max-width: 320px;
    }
    .muted {
      color: var(--text-muted);
    }
    .hint {
      font-size: 12px;
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
    .num {
      text-align: right;
    }
    .amount {
      width: 140px;
      text-align: right;
    }
    .amount--invalid {
      border-color: var(--danger);
    }
    .actions {
      display: flex;
      gap: 8px;
    }
  `,
})
export class CostsSettingsComponent implements OnInit {
  private readonly workspaceApi = inject(WorkspaceSettingsApi);
  private readonly settingsApi = inject(SettingsApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  protected readonly currencies = CURRENCIES;
  protected readonly loading = signal(true);
  protected readonly users = signal<UserDto[]>([]);
  protected readonly channels = signal<ChannelDto[]>([]);
  /** What the server holds: null = no costs. */
  protected readonly stored = signal<CostSettings | null>(null);
  /** The form; null shows the "no costs" state. */
  protected readonly draft = signal<Draft | null>(null);
  protected readonly errors = signal<Record<string, string>>({});
  protected readonly busy = signal<'save' | 'clear' | null>(null);

  /** Names by id, to name the row a server error is about instead of its id. */
  private readonly names = computed(
    () => new Map([...this.users(), ...this.channels()].map((item) => [item.id, item.name] as const)),
  );

  ngOnInit(): void {
    forkJoin({
      settings: this.workspaceApi.get(),
      users: this.settingsApi.users(),
      channels: this.settingsApi.channels(),
    }).subscribe({
      next: ({ settings, users, channels }) => {
        const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, this.i18n.locale());
        this.users.set([...users].sort(byName));
        this.channels.set([...channels].sort(byName));
        this.apply(settings.costs);
        this.loading.set(false);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.fail(err);
      },
    });
  }

  protected setUp(): void {
    this.errors.set({});
    this.draft.set({ currency: 'RUB', hourly: {}, monthly: {} });
  }

  protected save(): void {
    const d = this.draft();
    if (!d || this.busy()) return;
    const costs: CostSettings = {
      currency: d.currency.trim().toUpperCase(),
      managerHourly: amounts(
        d.hourly,
        this.users().map((u) => u.id),
      ),
      channelMonthly: amounts(
        d.monthly,
        this.channels().map((c) => c.id),
      ),
    };
    this.send('save', costs, 'costs.saved');
  }

  protected clear(): void {
    if (this.busy() || !confirm(this.i18n.t('costs.confirmClear'))) return;
    this.send('clear', null, 'costs.cleared');
  }

  /** The row a field error names (the server puts the offending id in its message). */
  protected invalid(field: string, id: string): boolean {
    return this.errors()[field]?.includes(id) ?? false;
  }

  /**
   * A field error as it reads beside its table: without the field's own name in front
   * ("managerHourly: …") and with the ids replaced by the names of the users / channels they are.
   */
  protected errorText(field: string): string | null {
    const message = this.errors()[field];
    if (!message) return null;
    const prefix = `${field.split('.').pop()}: `;
    let text = message.startsWith(prefix) ? message.slice(prefix.length) : message;
    for (const [id, name] of this.names()) text = text.split(id).join(`"${name}"`);
    return text;
  }

  private send(kind: 'save' | 'clear', costs: CostSettings | null, done: 'costs.saved' | 'costs.cleared'): void {
    this.busy.set(kind);
    this.errors.set({});
    this.workspaceApi.update({ costs }).subscribe({
      next: (saved) => {
        this.busy.set(null);
        this.apply(saved.costs);
        this.toast.success(this.i18n.t(done));
      },
      error: (err: unknown) => {
        this.busy.set(null);
        const errors = fieldErrors(err);
        this.errors.set(errors);
        if (!Object.keys(errors).length) this.fail(err);
      },
    });
  }

  private apply(costs: CostSettings | null): void {
    this.stored.set(costs);
    this.draft.set(costs ? draftOf(costs) : null);
  }

  private fail(err: unknown): void {
    this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
  }
}
