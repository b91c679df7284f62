import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import type { UpdateWorkspaceSettingsRequest, WeeklySchedule, WorkspaceSettingsDto } from '@onebox/contracts';
import { apiErrorMessage, fieldErrors } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { WorkspaceSettingsApi } from '../data-access/workspace-settings-api.service';
import { OFFICE_HOURS, WorkingHoursEditorComponent } from '../ui/working-hours-editor.component';

/** The form's working copy: numbers as typed, auto-resolve empty when off. */
interface Draft {
  timeZone: string;
  missedChatThresholdSec: number | null;
  firstResponseTargetSec: number | null;
  autoResolveHours: number | null;
  fcrWindowDays: number | null;
  conversionWindowDays: number | null;
  alwaysOpen: boolean;
  schedule: WeeklySchedule;
  afterHoursEnabled: boolean;
  afterHoursText: string;
  messageRetentionDays: number | null;
}

function draftOf(s: WorkspaceSettingsDto): Draft {
  return {
    timeZone: s.timeZone,
    missedChatThresholdSec: s.missedChatThresholdSec,
    firstResponseTargetSec: s.firstResponseTargetSec,
    autoResolveHours: s.autoResolveHours,
    fcrWindowDays: s.fcrWindowDays,
    conversionWindowDays: s.conversionWindowDays,
    alwaysOpen: s.workingHours === null,
    schedule: s.workingHours ?? OFFICE_HOURS,
    afterHoursEnabled: s.afterHoursReply.enabled,
    afterHoursText: s.afterHoursReply.text,
    messageRetentionDays: s.messageRetentionDays,
  };
}

/** Numbers the browser could not parse go to the server as they are, so it names the field. */
function requestOf(d: Draft): UpdateWorkspaceSettingsRequest {
  return {
    timeZone: d.timeZone.trim(),
    missedChatThresholdSec: d.missedChatThresholdSec as number,
    firstResponseTargetSec: d.firstResponseTargetSec as number,
    autoResolveHours: d.autoResolveHours === null || (d.autoResolveHours as unknown) === '' ? null : d.autoResolveHours,
    fcrWindowDays: d.fcrWindowDays as number,
    conversionWindowDays: d.conversionWindowDays as number,
    workingHours: d.alwaysOpen ? null : d.schedule,
    afterHoursReply: { enabled: d.afterHoursEnabled, text: d.afterHoursText },
    messageRetentionDays:
      d.messageRetentionDays === null || (d.messageRetentionDays as unknown) === '' ? null : d.messageRetentionDays,
  };
}

const TIME_ZONES: string[] =
  typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['Europe/Moscow', 'UTC'];

/** Settings → Workspace (admins): missed-chat threshold, response target, auto-resolve, metric windows, hours, retention. */
@Component({
  selector: 'ob-workspace-settings',
  imports: [FormsModule, TranslatePipe, WorkingHoursEditorComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ 'ws.title' | t }}</h2>
    @if (!draft()) {
      <p class="muted">{{ 'common.loading' | t }}</p>
    } @else {
      @let d = draft()!;
      <form class="form" data-testid="workspace-settings-form" novalidate (ngSubmit)="save()">
        <section class="card">
          <h3>{{ 'ws.section.response' | t }}</h3>
          <div class="grid">
            <label class="field">
              <span class="field__label">{{ 'ws.missedThreshold' | t }}</span>
              <input
                class="input"
                type="number"
                min="1"
                name="missed"
                data-testid="ws-missed-threshold"
                [(ngModel)]="d.missedChatThresholdSec"
              />
              @if (errors()['missedChatThresholdSec']; as e) {
                <span class="field__error" data-testid="error-missedChatThresholdSec">{{ e }}</span>
              }
            </label>
            <label class="field">
              <span class="field__label">{{ 'ws.responseTarget' | t }}</span>
              <input
                class="input"
                type="number"
                min="1"
                name="target"
                data-testid="ws-response-target"
                [(ngModel)]="d.firstResponseTargetSec"
              />
              @if (errors()['firstResponseTargetSec']; as e) {
                <span class="field__error" data-testid="error-firstResponseTargetSec">{{ e }}</span>
              }
            </label>
            <label class="field">
              <span class="field__label">{{ 'ws.autoResolve' | t }}</span>
              <input
                class="input"
                type="number"
                min="0"
                step="any"
                name="autoResolve"
                data-testid="ws-auto-resolve"
                [placeholder]="'ws.autoResolveHint' | t"
                [(ngModel)]="d.autoResolveHours"
              />
              <span class="muted hint">{{ 'ws.autoResolveHint' | t }}</span>
              @if (errors()['autoResolveHours']; as e) {
                <span class="field__error" data-testid="error-autoResolveHours">{{ e }}</span>
              }
            </label>
          </div>
        </section>

        <section class="card">
          <h3>{{ 'ws.section.metrics' | t }}</h3>
          <div class="grid">
            <label class="field">
              <span class="field__label">{{ 'ws.fcrWindow' | t }}</span>
              <input
                class="input"
                type="number"
                min="1"
                name="fcr"
                data-testid="ws-fcr-window"
                [(ngModel)]="d.fcrWindowDays"
              />
              @if (errors()['fcrWindowDays']; as e) {
                <span class="field__error" data-testid="error-fcrWindowDays">{{ e }}</span>
              }
            </label>
            <label class="field">
              <span class="field__label">{{ 'ws.conversionWindow' | t }}</span>
              <input
                class="input"
                type="number"
                min="1"
                name="conversion"
                data-testid="ws-conversion-window"
                [(ngModel)]="d.conversionWindowDays"
              />
              @if (errors()['conversionWindowDays']; as e) {
                <span class="field__error" data-testid="error-conversionWindowDays">{{ e }}</span>
              }
            </label>
          </div>
        </section>

        <section class="card">
          <h3>{{ 'ws.section.hours' | t }}</h3>
          <label class="field zone">
            <span class="field__label">{{ 'ws.timeZone' | t }}</span>
            <input
              class="input"
              name="timeZone"
              list="ws-time-zones"
              data-testid="ws-time-zone"
              [(ngModel)]="d.timeZone"
            />
            <datalist id="ws-time-zones">
              @for (zone of timeZones; track zone) {
                <option [value]="zone"></option>
              }
            </datalist>
            @if (errors()['timeZone']; as e) {
              <span class="field__error" data-testid="error-timeZone">{{ e }}</span>
            }
          </label>
          <div class="modes" role="radiogroup">
            <label>
              <input
                type="radio"
                name="hoursMode"
                data-testid="ws-hours-always"
                [value]="true"
                [(ngModel)]="d.alwaysOpen"
              />
              {{ 'ws.hours.always' | t }}
            </label>
            <label>
              <input
                type="radio"
                name="hoursMode"
                data-testid="ws-hours-schedule"
                [value]="false"
                [(ngModel)]="d.alwaysOpen"
              />
              {{ 'ws.hours.schedule' | t }}
            </label>
          </div>
          @if (!d.alwaysOpen) {
            <ob-working-hours-editor [schedule]="d.schedule" (scheduleChange)="setSchedule($event)" />
          }
          @if (errors()['workingHours']; as e) {
            <span class="field__error" data-testid="error-workingHours">{{ e }}</span>
          }
        </section>

        <section class="card">
          <h3>{{ 'ws.section.afterHours' | t }}</h3>
          <label class="check">
            <input
              type="checkbox"
              name="afterHoursEnabled"
              data-testid="ws-after-hours-enabled"
              [(ngModel)]="d.afterHoursEnabled"
            />
            {{ 'ws.afterHours.enabled' | t }}
          </label>
          <label class="field">
            <span class="field__label">{{ 'ws.afterHours.text' | t }}</span>
            <textarea
              class="input"
              rows="3"
              maxlength="1000"
              name="afterHoursText"
              data-testid="ws-after-hours-text"
              [(ngModel)]="d.afterHoursText"
            ></textarea>
            @if (errors()['afterHoursReply.text']; as e) {
              <span class="field__error" data-testid="error-afterHoursReply.text">{{ e }}</span>
            }
          </label>
        </section>

        <section class="card">
          <h3>{{ 'ws.section.data' | t }}</h3>
          <label class="field">
            <span class="field__label">{{ 'ws.retention' | t }}</span>
            <input
              class="input"
              type="number"
              min="1"
              max="3650"
              name="retention"
              data-testid="ws-retention"
              [(ngModel)]="d.messageRetentionDays"
            />
            <span class="muted hint">{{ 'ws.retentionHint' | t }}</span>
            @if (errors()['messageRetentionDays']; as e) {
              <span class="field__error" data-testid="error-messageRetentionDays">{{ e }}</span>
            }
          </label>
        </section>

        <div>
          <button class="btn btn--primary" type="submit" data-testid="ws-save" [disabled]="saving()">
            {{ (saving() ? 'common.saving' : 'ws.save') | t }}
          </button>
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
      margin: 0 0 12px;
      font-size: 14px;
    }
    .form {
      display: flex;
      flex-direction: column;
      gap: 16px;
    }
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
      gap: 12px 16px;
    }
    .field {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .zone {
      max-width: 320px;
      margin-bottom: 12px;
    }
    .modes {
      display: flex;
      gap: 16px;
      margin-bottom: 12px;
    }
    .check {
      display: flex;
      align-items: center;
      gap: 8px;
      margin-bottom: 12px;
    }
    .hint {
      font-size: 12px;
    }
  `,
})
export class WorkspaceSettingsComponent implements OnInit {
  private readonly api = inject(WorkspaceSettingsApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  protected readonly draft = signal<Draft | null>(null);
  protected readonly errors = signal<Record<string, string>>({});
  protected readonly saving = signal(false);
  protected readonly timeZones = TIME_ZONES;

  ngOnInit(): void {
    this.api.get().subscribe({
      next: (settings) => this.draft.set(draftOf(settings)),
      error: (err: unknown) => this.fail(err),
    });
  }

  protected setSchedule(schedule: WeeklySchedule): void {
    this.draft.update((d) => (d ? { ...d, schedule } : d));
  }

  protected save(): void {
    const d = this.draft();
    if (!d || this.saving()) return;
    if (d.afterHoursEnabled && !d.afterHoursText.trim()) {
      this.errors.set({ 'afterHoursReply.text': this.i18n.t('ws.afterHours.textRequired') });
      return;
    }
    this.saving.set(true);
    this.errors.set({});
    this.api.update(requestOf(d)).subscribe({
      next: (saved) => {
        this.saving.set(false);
        this.draft.set(draftOf(saved));
        this.toast.success(this.i18n.t('ws.saved'));
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.errors.set(fieldErrors(err));
        this.fail(err);
      },
    });
  }

  private fail(err: unknown): void {
    this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
  }
}
