import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import type { WeeklySchedule } from '@onebox/contracts';
import { apiErrorMessage, fieldErrors } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { WorkspaceSettingsApi } from '../data-access/workspace-settings-api.service';
import { OFFICE_HOURS, WorkingHoursEditorComponent } from './working-hours-editor.component';

/**
 * A channel's own working hours (admin), folded until opened: the workspace's hours, or its own
 * weekly schedule (used for the after-hours reply and working-hours metrics of this channel).
 */
@Component({
  selector: 'ob-channel-hours',
  imports: [TranslatePipe, WorkingHoursEditorComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <button
      type="button"
      class="btn btn--ghost btn--sm"
      data-testid="channel-hours-toggle"
      [attr.aria-expanded]="open()"
      (click)="toggle()"
    >
      🕘 {{ 'ws.channelHours' | t }}
    </button>
    @if (open() && loaded()) {
      <div class="hours" data-testid="channel-hours-panel">
        <label>
          <input
            type="radio"
            [name]="'hours-' + channelId()"
            data-testid="channel-hours-workspace"
            [checked]="schedule() === null"
            (change)="schedule.set(null)"
          />
          {{ 'ws.channelHours.workspace' | t }}
        </label>
        <label>
          <input
            type="radio"
            [name]="'hours-' + channelId()"
            data-testid="channel-hours-own"
            [checked]="schedule() !== null"
            (change)="schedule.set(officeHours)"
          />
          {{ 'ws.channelHours.own' | t }}
        </label>
        @if (schedule(); as s) {
          <ob-working-hours-editor testIdPrefix="channel-" [schedule]="s" (scheduleChange)="schedule.set($event)" />
        }
        @if (error()) {
          <span class="field__error" data-testid="channel-hours-error">{{ error() }}</span>
        }
        <div>
          <button
            type="button"
            class="btn btn--sm"
            data-testid="channel-hours-save"
            [disabled]="saving()"
            (click)="save()"
          >
            {{ (saving() ? 'common.saving' : 'ws.save') | t }}
          </button>
        </div>
      </div>
    }
  `,
  styles: `
    .hours {
      display: flex;
      flex-direction: column;
      gap: 8px;
      padding: 8px 0;
    }
  `,
})
export class ChannelHoursComponent {
  private readonly api = inject(WorkspaceSettingsApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  /** The channel whose hours these are. */
  readonly channelId = input.required<string>();

  protected readonly officeHours = OFFICE_HOURS;
  protected readonly open = signal(false);
  protected readonly loaded = signal(false);
  protected readonly saving = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly schedule = signal<WeeklySchedule | null>(null);

  protected toggle(): void {
    this.open.update((o) => !o);
    if (!this.open() || this.loaded()) return;
    this.api.channelHours(this.channelId()).subscribe({
      next: (hours) => {
        this.schedule.set(hours.workingHours);
        this.loaded.set(true);
      },
      error: (err: unknown) => this.error.set(this.messageOf(err)),
    });
  }

  protected save(): void {
    this.saving.set(true);
    this.error.set(null);
    this.api.setChannelHours(this.channelId(), this.schedule()).subscribe({
      next: (hours) => {
        this.saving.set(false);
        this.schedule.set(hours.workingHours);
        this.toast.success(this.i18n.t('ws.channelHours.saved'));
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.error.set(fieldErrors(err)['workingHours'] ?? this.messageOf(err));
      },
    });
  }

  private messageOf(err: unknown): string {
    return apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'));
  }
}
