import { ChangeDetectionStrategy, Component, computed, inject, input, linkedSignal, output } from '@angular/core';
import type { DealDto, UpdateDealRequest } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import type { DealStage } from '../data-access/deal.store';

/**
 * "15 000,50" or "15000.50" → "15000.50"; null unless it is what the server takes: a non-negative
 * decimal with up to 15 digits and 2 decimals.
 */
export function parseAmount(text: string): string | null {
  const normalized = text.replace(/[\s\u00a0]/g, '').replace(',', '.');
  return /^\d{1,15}(\.\d{1,2})?$/.test(normalized) ? normalized : null;
}

/**
 * One deal: title, stage pill (won green, lost red, open neutral), amount, responsible, the
 * CRM link and sync state; a stage select and an amount input saved together; the stage history.
 */
@Component({
  selector: 'ob-deal-details',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let d = deal();
    <div class="top">
      <strong class="title" data-testid="deal-title">{{ d.title }}</strong>
      <span
        class="pill"
        [class]="'pill pill--' + d.semantic"
        data-testid="deal-stage"
        [attr.data-semantic]="d.semantic"
        >{{ d.stageName ?? ('deal.semantic.' + d.semantic | t) }}</span
      >
    </div>
    <dl class="props">
      <dt>{{ 'deal.amount' | t }}</dt>
      <dd data-testid="deal-amount-value">{{ d.amount !== null ? format.money(d.amount, d.currency) : '—' }}</dd>
      <dt>{{ 'deal.responsible' | t }}</dt>
      <dd data-testid="deal-responsible">{{ d.responsible?.name ?? '—' }}</dd>
    </dl>
    @switch (d.syncState) {
      @case ('pending') {
        <p class="sync" role="status" data-testid="deal-sync" data-state="pending">
          <span class="spinner" aria-hidden="true"></span> {{ 'deal.syncing' | t }}
        </p>
      }
      @case ('failed') {
        <p class="sync sync--failed" role="alert" data-testid="deal-sync" data-state="failed">
          {{ 'deal.syncFailed' | t: { error: d.syncError ?? ('errors.unknown' | t) } }}
        </p>
      }
    }
    @if (d.url) {
      <a class="crm-link" [href]="d.url" target="_blank" rel="noopener noreferrer" data-testid="deal-open-crm"
        >{{ 'deal.openInCrm' | t }} ↗</a
      >
    }
    <form class="edit" novalidate (submit)="$event.preventDefault(); submit()">
      <label class="field">
        <span class="field__label">{{ 'deal.stage' | t }}</span>
        <select
          class="input input--sm"
          data-testid="deal-stage-select"
          [disabled]="busy() || !stages().length"
          (change)="stageId.set($any($event.target).value)"
        >
          @if (!hasCurrentStage()) {
            <option value="" selected>{{ d.stageName ?? '—' }}</option>
          }
          @for (s of stages(); track s.id) {
            <option [value]="s.id" [selected]="s.id === stageId()">{{ s.name }}</option>
          }
        </select>
      </label>
      <label class="field">
        <span class="field__label">{{ 'deal.amount' | t }}{{ d.currency ? ', ' + d.currency : '' }}</span>
        <input
          class="input input--sm"
          inputmode="decimal"
          autocomplete="off"
          data-testid="deal-amount"
          [value]="amountText()"
          [disabled]="busy()"
          [attr.aria-invalid]="amountInvalid()"
          (input)="amountText.set($any($event.target).value)"
        />
        @if (amountInvalid()) {
          <span class="field__error" data-testid="deal-amount-error">{{ 'deal.amountInvalid' | t }}</span>
        }
      </label>
      <button class="btn btn--sm btn--primary" type="submit" data-testid="deal-save" [disabled]="!changes() || busy()">
        {{ 'deal.save' | t }}
      </button>
    </form>
    @if (history().length) {
      <h4 class="section">{{ 'deal.history' | t }}</h4>
      <ol class="history" data-testid="deal-history">
        @for (h of history(); track $index) {
          <li>
            <span class="dot" [class]="'dot dot--' + h.semantic" aria-hidden="true"></span>
            <span class="history__stage">{{ h.stageName ?? ('deal.semantic.' + h.semantic | t) }}</span>
            @if (h.amount !== null) {
              <span class="muted">· {{ format.money(h.amount, d.currency) }}</span>
            }
            <time class="muted history__at" [attr.datetime]="h.at">{{ format.dateTime(h.at) }}</time>
          </li>
        }
      </ol>
    }
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 8px;
    }
    .top {
      display: flex;
      align-items: flex-start;
      gap: 8px;
    }
    .title {
      flex: 1;
      min-width: 0;
      font-size: 13px;
      overflow-wrap: anywhere;
    }
    .pill {
      flex: none;
      max-width: 55%;
      padding: 1px 8px;
      border-radius: 10px;
      font-size: 11px;
      font-weight: 600;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .pill--open {
      background: var(--hover);
      color: var(--text-muted);
    }
    .pill--won {
      background: #dcfae6;
      color: #067647;
    }
    .pill--lost {
      background: var(--danger-soft);
      color: var(--danger);
    }
    .props {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 4px 12px;
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
    .sync {
      display: flex;
      align-items: center;
      gap: 6px;
      margin: 0;
      font-size: 12px;
      color: var(--text-muted);
    }
    .sync--failed {
      color: var(--danger);
    }
    .crm-link {
      font-size: 13px;
    }
    .edit {
      display: flex;
      flex-direction: column;
      gap: 6px;
    }
    .edit .btn {
      align-self: flex-start;
    }
    .section {
      margin: 6px 0 0;
      font-size: 11px;
      text-transform: uppercase;
      letter-spacing: 0.06em;
      color: var(--text-muted);
    }
    .history {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 4px;
      font-size: 12px;
    }
    .history li {
      display: flex;
      align-items: baseline;
      flex-wrap: wrap;
      gap: 4px;
    }
    .history__at {
      margin-left: auto;
      font-size: 11px;
    }
    .dot {
      width: 6px;
      height: 6px;
      border-radius: 50%;
      background: var(--border-strong);
      align-self: center;
    }
    .dot--won {
      background: #17b26a;
    }
    .dot--lost {
      background: var(--danger);
    }
    .muted {
      color: var(--text-muted);
    }
  `,
})
export class DealDetailsComponent {
  protected readonly format = inject(FormatService);

  /** The deal to show. */
  readonly deal = input.required<DealDto>();
  /** The stages of the deal's pipeline, in CRM order; empty hides nothing but locks the select. */
  readonly stages = input<DealStage[]>([]);
  /** True while a change is being sent; locks the inputs. */
  readonly busy = input(false);
  /** The changed fields only (stage and/or amount). */
  readonly save = output<UpdateDealRequest>();

  protected readonly stageId = linkedSignal(() => this.deal().stageId ?? '');
  protected readonly amountText = linkedSignal(() => this.deal().amount ?? '');
  protected readonly hasCurrentStage = computed(() => this.stages().some((s) => s.id === this.deal().stageId));
  protected readonly amountInvalid = computed(
    () => !!this.amountText().trim() && parseAmount(this.amountText()) === null,
  );
  /** Newest first. */
  protected readonly history = computed(() => [...this.deal().history].sort((a, b) => b.at.localeCompare(a.at)));

  /** What Save would send, or null when nothing (valid) changed. */
  protected readonly changes = computed<UpdateDealRequest | null>(() => {
    const deal = this.deal();
    const body: UpdateDealRequest = {};
    const stageId = this.stageId();
    if (stageId && stageId !== deal.stageId) body.stageId = stageId;
    if (this.amountInvalid()) return null;
    const amount = parseAmount(this.amountText());
    if (amount !== null && (deal.amount === null || Number(amount) !== Number(deal.amount))) body.amount = amount;
    return Object.keys(body).length ? body : null;
  });

  protected submit(): void {
    const body = this.changes();
    if (body && !this.busy()) this.save.emit(body);
  }
}
