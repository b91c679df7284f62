import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { WEEKDAYS, minutesOf, type Weekday, type WeeklySchedule } from '@onebox/contracts';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';

/** One row of the editor: a weekday open from–to, or closed. */
interface DayRow {
  day: Weekday;
  open: boolean;
  from: string;
  to: string;
}

const DEFAULT_RANGE = { from: '09:00', to: '18:00' };

/** The rows for a schedule: each day's first opening (a day with none is closed). */
export function rowsOf(schedule: WeeklySchedule): DayRow[] {
  return WEEKDAYS.map((day) => {
    const first = schedule[day]?.[0];
    return first ? { day, open: true, from: first.from, to: first.to } : { day, open: false, ...DEFAULT_RANGE };
  });
}

/** Mon–Fri 09:00–18:00: what "by schedule" starts from. */
export const OFFICE_HOURS: WeeklySchedule = Object.fromEntries(
  WEEKDAYS.map((day) => [day, ['sat', 'sun'].includes(day) ? [] : [{ ...DEFAULT_RANGE }]]),
);

/** A weekly schedule as one row per weekday: open or closed, from and to (`to` before `from` runs overnight). */
@Component({
  selector: 'ob-working-hours-editor',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="days" [attr.data-testid]="testIdPrefix() + 'hours'">
      @for (row of rows(); track row.day) {
        <div class="day">
          <label class="day__name">
            <input
              type="checkbox"
              [checked]="row.open"
              [disabled]="disabled()"
              [attr.data-testid]="testIdPrefix() + 'day-' + row.day + '-open'"
              (change)="set(row.day, { open: $any($event.target).checked })"
            />
            {{ 'ws.day.' + row.day | t }}
          </label>
          @if (row.open) {
            <input
              class="input input--sm"
              type="time"
              [value]="row.from"
              [disabled]="disabled()"
              [attr.aria-label]="('ws.day.' + row.day | t) + ' — ' + ('ws.hours.from' | t)"
              [attr.data-testid]="testIdPrefix() + 'day-' + row.day + '-from'"
              (change)="set(row.day, { from: $any($event.target).value })"
            />
            <span class="muted">–</span>
            <input
              class="input input--sm"
              type="time"
              [value]="row.to === '24:00' ? '00:00' : row.to"
              [disabled]="disabled()"
              [attr.aria-label]="('ws.day.' + row.day | t) + ' — ' + ('ws.hours.to' | t)"
              [attr.data-testid]="testIdPrefix() + 'day-' + row.day + '-to'"
              (change)="set(row.day, { to: $any($event.target).value })"
            />
            @if (overnight(row)) {
              <span class="muted hint">{{ 'ws.hours.overnight' | t }}</span>
            }
          } @else {
            <span class="muted">{{ 'ws.hours.closed' | t }}</span>
          }
        </div>
      }
    </div>
  `,
  styles: `
    .days {
      display: flex;
      flex-direction: column;
      gap: 6px;
    }
    .day {
      display: flex;
      align-items: center;
      gap: 8px;
      min-height: 30px;
    }
    .day__name {
      display: flex;
      align-items: center;
      gap: 6px;
      width: 150px;
    }
    .hint {
      font-size: 12px;
    }
  `,
})
export class WorkingHoursEditorComponent {
  /** The schedule being edited. */
  readonly schedule = input.required<WeeklySchedule>();
  readonly disabled = input(false);
  /** Prefix of the rows' data-testids (e.g. `ws-` → `ws-day-mon-from`). */
  readonly testIdPrefix = input('ws-');
  /** The whole schedule after each edit. */
  readonly scheduleChange = output<WeeklySchedule>();

  protected readonly rows = computed(() => rowsOf(this.schedule()));

  protected overnight(row: DayRow): boolean {
    return row.to !== '24:00' && row.to !== '00:00' && minutesOf(row.to) < minutesOf(row.from);
  }

  protected set(day: Weekday, patch: Partial<DayRow>): void {
    const next: WeeklySchedule = {};
    for (const row of this.rows()) {
      const r = row.day === day ? { ...row, ...patch } : row;
      // An end of 00:00 means midnight: the end of the day.
      const to = r.to === '00:00' ? '24:00' : r.to;
      const kept = row.day === day ? [] : (this.schedule()[row.day] ?? []).slice(1);
      next[row.day] = r.open && r.from && r.to ? [{ from: r.from, to }, ...kept] : [];
    }
    this.scheduleChange.emit(next);
  }
}
