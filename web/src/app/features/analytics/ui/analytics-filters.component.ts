import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { DashboardFilter, PERIOD_PRESETS, PeriodPreset } from '../data-access/analytics-filter';

export interface FilterOption {
  value: string;
  label: string;
}

/** Period, channel, manager, tag and "compare": every change is emitted as a whole new filter. */
@Component({
  selector: 'ob-analytics-filters',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="filters" role="group" [attr.aria-label]="'analytics.filters' | t">
      <label class="field">
        <span class="field__label">{{ 'analytics.period' | t }}</span>
        <select
          class="input input--sm"
          data-testid="analytics-period"
          [value]="filter().period"
          (change)="setPeriod($any($event.target).value)"
        >
          @for (preset of presets; track preset) {
            <option [value]="preset" [selected]="preset === filter().period">
              {{ 'analytics.period.' + preset | t }}
            </option>
          }
        </select>
      </label>
      @if (filter().period === 'custom') {
        <label class="field">
          <span class="field__label">{{ 'analytics.from' | t }}</span>
          <input
            type="date"
            class="input input--sm"
            data-testid="analytics-from"
            [value]="filter().fromDay ?? ''"
            (change)="setDay('fromDay', $any($event.target).value)"
          />
        </label>
        <label class="field">
          <span class="field__label">{{ 'analytics.to' | t }}</span>
          <input
            type="date"
            class="input input--sm"
            data-testid="analytics-to"
            [value]="filter().toDay ?? ''"
            (change)="setDay('toDay', $any($event.target).value)"
          />
        </label>
      }
      <label class="field">
        <span class="field__label">{{ 'analytics.channel' | t }}</span>
        <select
          class="input input--sm"
          data-testid="analytics-channel"
          (change)="set('channelId', $any($event.target).value)"
        >
          <option value="" [selected]="!filter().channelId">{{ 'analytics.allChannels' | t }}</option>
          @for (option of channels(); track option.value) {
            <option [value]="option.value" [selected]="option.value === filter().channelId">{{ option.label }}</option>
          }
        </select>
      </label>
      @if (showManager()) {
        <label class="field">
          <span class="field__label">{{ 'analytics.manager' | t }}</span>
          <select
            class="input input--sm"
            data-testid="analytics-manager"
            (change)="set('managerId', $any($event.target).value)"
          >
            <option value="" [selected]="!filter().managerId">{{ 'analytics.allManagers' | t }}</option>
            @for (option of managers(); track option.value) {
              <option [value]="option.value" [selected]="option.value === filter().managerId">
                {{ option.label }}
              </option>
            }
          </select>
        </label>
      }
      <label class="field">
        <span class="field__label">{{ 'analytics.tag' | t }}</span>
        <select class="input input--sm" data-testid="analytics-tag" (change)="set('tag', $any($event.target).value)">
          <option value="" [selected]="!filter().tag">{{ 'analytics.allTags' | t }}</option>
          @for (option of tags(); track option.value) {
            <option [value]="option.value" [selected]="option.value === filter().tag">{{ option.label }}</option>
          }
        </select>
      </label>
      @if (showCompare()) {
        <label class="compare">
          <input
            type="checkbox"
            data-testid="analytics-compare"
            [checked]="filter().compare"
            (change)="emit({ compare: $any($event.target).checked })"
          />
          {{ 'analytics.compare' | t }}
        </label>
      }
    </div>
  `,
  styles: `
    .filters {
      display: flex;
      flex-wrap: wrap;
      align-items: flex-end;
      gap: 10px 12px;
    }
    .field {
      min-width: 150px;
    }
    .compare {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      height: 32px;
      font-size: 13px;
      cursor: pointer;
    }
  `,
})
export class AnalyticsFiltersComponent {
  readonly filter = input.required<DashboardFilter>();
  readonly channels = input<FilterOption[]>([]);
  readonly managers = input<FilterOption[]>([]);
  readonly tags = input<FilterOption[]>([]);
  readonly showManager = input(true);
  readonly showCompare = input(true);
  /** Today in the workspace time zone (`YYYY-MM-DD`): where a new custom range starts. */
  readonly today = input(new Date().toISOString().slice(0, 10));
  readonly changed = output<DashboardFilter>();

  protected readonly presets = PERIOD_PRESETS;

  protected setPeriod(period: PeriodPreset): void {
    if (period !== 'custom') {
      this.emit({ period, fromDay: null, toDay: null });
      return;
    }
    // Start the custom range from today so the URL is complete right away.
    const today = this.today();
    this.emit({ period, fromDay: this.filter().fromDay ?? today, toDay: this.filter().toDay ?? today });
  }

  protected setDay(field: 'fromDay' | 'toDay', value: string): void {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) this.emit({ [field]: value });
  }

  protected set(field: 'channelId' | 'managerId' | 'tag', value: string): void {
    this.emit({ [field]: value || null });
  }

  protected emit(patch: Partial<DashboardFilter>): void {
    this.changed.emit({ ...this.filter(), ...patch });
  }
}
