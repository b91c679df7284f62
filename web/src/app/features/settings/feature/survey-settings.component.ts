import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { SURVEY_KINDS, type SurveyKind, type SurveySettings } from '@onebox/contracts';
import { apiErrorMessage, fieldErrors } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { SurveysApi } from '../../inbox/data-access/surveys-api.service';

/** Surveys after resolution (admin): on/off, CSAT/NPS/CES, the question and the widget's comment field. */
@Component({
  selector: 'ob-survey-settings',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ 'survey.settings.title' | t }}</h2>
    <p class="muted">{{ 'survey.settings.hint' | t }}</p>
    <form class="form" data-testid="survey-settings" (ngSubmit)="save()" novalidate>
      <label class="check">
        <input type="checkbox" name="enabled" [(ngModel)]="enabled" data-testid="survey-enabled" />
        {{ 'survey.settings.enabled' | t }}
      </label>
      <label class="field">
        <span class="field__label">{{ 'survey.settings.kind' | t }}</span>
        <select class="input" name="kind" [(ngModel)]="kind" data-testid="survey-kind">
          @for (k of kinds; track k) {
            <option [value]="k">{{ 'survey.settings.kind.' + k | t }}</option>
          }
        </select>
      </label>
      <label class="field">
        <span class="field__label">{{ 'survey.settings.question' | t }}</span>
        <input class="input" name="question" maxlength="300" [(ngModel)]="question" data-testid="survey-question" />
        @if (errors()['question']) {
          <span class="field__error">{{ errors()['question'] }}</span>
        }
      </label>
      <label class="check">
        <input type="checkbox" name="askComment" [(ngModel)]="askComment" data-testid="survey-ask-comment" />
        {{ 'survey.settings.askComment' | t }}
      </label>
      <div>
        <button type="submit" class="btn btn--primary" [disabled]="saving()" data-testid="survey-save">
          {{ 'survey.settings.save' | t }}
        </button>
      </div>
    </form>
  `,
  styles: `
    h2 {
      margin: 0 0 4px;
      font-size: 18px;
    }
    .form {
      display: flex;
      flex-direction: column;
      gap: 12px;
      max-width: 520px;
      margin-top: 16px;
    }
    .field {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .check {
      display: flex;
      align-items: center;
      gap: 8px;
    }
  `,
})
export class SurveySettingsComponent {
  private readonly api = inject(SurveysApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  protected readonly kinds = SURVEY_KINDS;
  protected readonly saving = signal(false);
  protected readonly errors = signal<Record<string, string>>({});
  protected readonly enabled = signal(false);
  protected readonly kind = signal<SurveyKind>('csat');
  protected readonly question = signal('');
  protected readonly askComment = signal(false);

  constructor() {
    this.api.settings().subscribe((s) => this.apply(s));
  }

  protected save(): void {
    this.saving.set(true);
    this.errors.set({});
    const body: SurveySettings = { enabled: this.enabled(), kind: this.kind(), askComment: this.askComment() };
    if (this.question().trim()) body.question = this.question().trim();
    this.api.saveSettings(body).subscribe({
      next: (saved) => {
        this.saving.set(false);
        this.apply(saved);
        this.toast.success(this.i18n.t('survey.settings.saved'));
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.errors.set(fieldErrors(err));
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
      },
    });
  }

  private apply(s: SurveySettings): void {
    this.enabled.set(s.enabled);
    this.kind.set(s.kind);
    this.question.set(s.question ?? '');
    this.askComment.set(s.askComment === true);
  }
}
