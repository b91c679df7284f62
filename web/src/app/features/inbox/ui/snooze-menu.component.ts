import { ChangeDetectionStrategy, Component, ElementRef, inject, input, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';

/** The preset wake-up times, in the browser's time zone. */
export function snoozePresets(now: Date): { hour: Date; tomorrow: Date; nextWeek: Date } {
  const hour = new Date(now.getTime() + 3_600_000);
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
  // Next Monday 9:00 (a week from today when today is Monday).
  const daysToMonday = (8 - now.getDay()) % 7 || 7;
  const nextWeek = new Date(now.getFullYear(), now.getMonth(), now.getDate() + daysToMonday, 9, 0, 0, 0);
  return { hour, tomorrow, nextWeek };
}

/** `yyyy-MM-ddTHH:mm` in local time, the value format of `<input type="datetime-local">`. */
export function toLocalInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The conversation header's Snooze action: presets (1 h, tomorrow 9:00, next week) or a chosen time. */
@Component({
  selector: 'ob-snooze-menu',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '(document:keydown.escape)': 'open.set(false)' },
  template: `
    <button
      type="button"
      class="btn btn--sm"
      data-testid="snooze"
      aria-haspopup="menu"
      [attr.aria-expanded]="open()"
      [disabled]="disabled()"
      (click)="toggle()"
    >
      ⏰ {{ 'snooze.button' | t }}
    </button>
    @if (open()) {
      <div class="panel" role="menu" data-testid="snooze-menu">
        <button type="button" role="menuitem" class="item" data-testid="snooze-1h" (click)="pick('hour')">
          {{ 'snooze.hour' | t }}
        </button>
        <button type="button" role="menuitem" class="item" data-testid="snooze-tomorrow" (click)="pick('tomorrow')">
          {{ 'snooze.tomorrow' | t }}
        </button>
        <button type="button" role="menuitem" class="item" data-testid="snooze-next-week" (click)="pick('nextWeek')">
          {{ 'snooze.nextWeek' | t }}
        </button>
        <form class="custom" (ngSubmit)="pickCustom()" novalidate>
          <label class="field__label" for="snooze-custom">{{ 'snooze.custom' | t }}</label>
          <div class="custom__row">
            <input
              id="snooze-custom"
              class="input input--sm"
              type="datetime-local"
              name="custom"
              data-testid="snooze-custom-input"
              [min]="minCustom"
              [(ngModel)]="custom"
            />
            <button
              type="submit"
              class="btn btn--sm btn--primary"
              data-testid="snooze-custom-apply"
              [disabled]="!custom"
            >
              {{ 'snooze.apply' | t }}
            </button>
          </div>
          @if (error()) {
            <span class="field__error" data-testid="snooze-error">{{ error() }}</span>
          }
        </form>
      </div>
    }
  `,
  styles: `
    :host {
      position: relative;
      display: inline-block;
    }
    .panel {
      position: absolute;
      right: 0;
      top: calc(100% + 6px);
      z-index: 20;
      width: 260px;
      display: flex;
      flex-direction: column;
      padding: 6px;
      background: var(--surface);
      border: 1px solid var(--border);
      border-radius: 8px;
      box-shadow: var(--shadow-lg);
    }
    .item {
      text-align: left;
      padding: 7px 10px;
      border: 0;
      border-radius: 6px;
      background: none;
      font: inherit;
      cursor: pointer;
    }
    .item:hover,
    .item:focus-visible {
      background: var(--hover);
    }
    .custom {
      display: flex;
      flex-direction: column;
      gap: 4px;
      padding: 8px 10px 4px;
      border-top: 1px solid var(--border);
      margin-top: 4px;
    }
    .custom__row {
      display: flex;
      gap: 6px;
    }
    .custom__row .input {
      flex: 1;
      min-width: 0;
    }
  `,
})
export class SnoozeMenuComponent {
  private readonly i18n = inject(I18nService);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  readonly disabled = input(false);
  /** The chosen wake-up time (always in the future). */
  readonly snooze = output<Date>();

  protected readonly open = signal(false);
  protected readonly error = signal<string | null>(null);
  protected custom = '';
  protected minCustom = '';

  /** Opens the menu (the `s` shortcut) with the first preset focused. */
  show(): void {
    if (this.disabled()) return;
    this.reset();
    this.open.set(true);
    setTimeout(() => this.host.nativeElement.querySelector<HTMLElement>('[data-testid="snooze-1h"]')?.focus());
  }

  protected toggle(): void {
    if (this.open()) this.open.set(false);
    else this.show();
  }

  protected pick(preset: 'hour' | 'tomorrow' | 'nextWeek'): void {
    this.emit(snoozePresets(new Date())[preset]);
  }

  protected pickCustom(): void {
    const until = new Date(this.custom);
    if (!this.custom || Number.isNaN(until.getTime()) || until.getTime() <= Date.now()) {
      this.error.set(this.i18n.t('snooze.invalid'));
      return;
    }
    this.emit(until);
  }

  private emit(until: Date): void {
    this.open.set(false);
    this.snooze.emit(until);
  }

  private reset(): void {
    const now = new Date();
    this.error.set(null);
    this.minCustom = toLocalInputValue(now);
    this.custom = toLocalInputValue(snoozePresets(now).tomorrow);
  }
}
