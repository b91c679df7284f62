import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import type { Delta } from '../data-access/analytics-format';

/** One headline number with its change against the previous period; clicking opens its drill-down. */
@Component({
  selector: 'ob-kpi-tile',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <button
      type="button"
      class="tile"
      [attr.data-testid]="'kpi-' + metric()"
      [attr.aria-label]="
        'analytics.kpi.open' | t: { label: label(), value: note() ? value() + ', ' + note() : value() }
      "
      (click)="opened.emit()"
    >
      <span class="tile__label">{{ label() }}</span>
      @if (loading()) {
        <span class="skeleton tile__skeleton" data-testid="kpi-loading"></span>
      } @else {
        <span class="tile__value" [class.tile__value--long]="value().length > 10" data-testid="kpi-value">{{
          value()
        }}</span>
        @if (note(); as n) {
          <span class="tile__note" data-testid="kpi-note">{{ n }}</span>
        }
        @if (delta(); as d) {
          <span class="tile__delta tile__delta--{{ d.tone }}" data-testid="kpi-delta">
            {{ d.text }} <span class="tile__vs">{{ 'analytics.kpi.vsPrevious' | t }}</span>
          </span>
        } @else if (showDelta()) {
          <span class="tile__delta tile__delta--neutral" data-testid="kpi-delta">—</span>
        }
      }
    </button>
  `,
  styles: `
    :host {
      display: block;
    }
    .tile {
      height: 100%;
      display: flex;
      flex-direction: column;
      align-items: flex-start;
      gap: 4px;
      width: 100%;
      min-height: 96px;
      padding: 12px 14px;
      border: 1px solid var(--border);
      border-radius: 12px;
      background: var(--surface);
      font: inherit;
      text-align: left;
      color: var(--text);
      cursor: pointer;
    }
    .tile:hover {
      border-color: var(--accent);
    }
    .tile__label {
      font-size: 12px;
      font-weight: 600;
      color: var(--text-muted);
    }
    .tile__value {
      font-size: 22px;
      font-weight: 700;
      line-height: 1.2;
      overflow-wrap: break-word;
    }
    .tile__value--long {
      font-size: 17px;
    }
    .tile__note {
      font-size: 12px;
      color: var(--text-muted);
    }
    .tile__skeleton {
      width: 70%;
      height: 26px;
      border-radius: 6px;
    }
    .tile__delta {
      font-size: 12px;
      font-weight: 600;
    }
    .tile__delta--good {
      color: var(--success);
    }
    .tile__delta--bad {
      color: var(--danger);
    }
    .tile__delta--neutral {
      color: var(--text-muted);
    }
    .tile__vs {
      font-weight: 400;
      color: var(--text-faint);
    }
  `,
})
export class KpiTileComponent {
  readonly metric = input.required<string>();
  readonly label = input.required<string>();
  readonly value = input('—');
  readonly delta = input<Delta | null>(null);
  /** A secondary line under the value, e.g. the same figure counted in working hours only. */
  readonly note = input<string | null>(null);
  /** Comparing is on: a missing delta shows as a dash rather than nothing. */
  readonly showDelta = input(false);
  readonly loading = input(false);
  readonly opened = output<void>();
}
