import { HttpClient } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import type { BotSettings } from '@onebox/contracts';
import { apiErrorMessage, fieldErrors } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';

/** A rule being edited: phrases as one comma-separated line. */
interface DraftRule {
  id?: string;
  phrases: string;
  answer: string;
}

const splitPhrases = (line: string): string[] =>
  line
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

/**
 * A channel's FAQ bot (admin): on/off, greeting, keyword rules, the phrases that call a person,
 * and the fallback and hand-off texts. Saved together with `PUT /api/channels/:id/bot`.
 */
@Component({
  selector: 'ob-channel-bot',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <details class="bot" data-testid="channel-bot" (toggle)="onToggle($any($event.target).open)">
      <summary class="muted title" data-testid="channel-bot-toggle">
        {{ 'bot.title' | t }}
        @if (loaded()) {
          · {{ (enabled() ? 'bot.on' : 'bot.off') | t }}
        }
      </summary>
      @if (loaded()) {
        <form (ngSubmit)="save()" novalidate>
          <p class="muted hint">{{ 'bot.hint' | t }}</p>
          <label class="check">
            <input type="checkbox" name="enabled" [(ngModel)]="draft.enabled" data-testid="bot-enabled" />
            {{ 'bot.enabled' | t }}
          </label>
          <label class="field">
            <span class="field__label">{{ 'bot.greeting' | t }}</span>
            <input class="input input--sm" name="greeting" [(ngModel)]="draft.greeting" maxlength="4000" />
          </label>
          @for (rule of rules(); track $index; let i = $index) {
            <fieldset class="rule" data-testid="bot-rule">
              <label class="field">
                <span class="field__label">{{ 'bot.phrases' | t }}</span>
                <input
                  class="input input--sm"
                  [name]="'phrases' + i"
                  [(ngModel)]="rule.phrases"
                  data-testid="bot-rule-phrases"
                />
                @if (errors()['rules[' + i + '].phrases']) {
                  <span class="field__error">{{ errors()['rules[' + i + '].phrases'] }}</span>
                }
              </label>
              <label class="field">
                <span class="field__label">{{ 'bot.answer' | t }}</span>
                <textarea
                  class="input input--sm"
                  rows="2"
                  [name]="'answer' + i"
                  [(ngModel)]="rule.answer"
                  data-testid="bot-rule-answer"
                ></textarea>
                @if (errors()['rules[' + i + '].answer']) {
                  <span class="field__error">{{ errors()['rules[' + i + '].answer'] }}</span>
                }
              </label>
              <button type="button" class="btn btn--sm btn--danger" (click)="remove(i)">{{ 'bot.remove' | t }}</button>
            </fieldset>
          } @empty {
            <p class="muted small">{{ 'bot.noRules' | t }}</p>
          }
          <label class="field">
            <span class="field__label">{{ 'bot.handoffPhrases' | t }}</span>
            <input class="input input--sm" name="handoffPhrases" [(ngModel)]="draft.handoffPhrases" />
          </label>
          <label class="field">
            <span class="field__label">{{ 'bot.fallbackText' | t }}</span>
            <input class="input input--sm" name="fallbackText" [(ngModel)]="draft.fallbackText" maxlength="4000" />
          </label>
          <label class="field">
            <span class="field__label">{{ 'bot.handoffText' | t }}</span>
            <input class="input input--sm" name="handoffText" [(ngModel)]="draft.handoffText" maxlength="4000" />
          </label>
          <div class="actions">
            <button type="button" class="btn btn--sm" (click)="add()" data-testid="bot-add-rule">
              {{ 'bot.addRule' | t }}
            </button>
            <button type="submit" class="btn btn--sm btn--primary" [disabled]="saving()" data-testid="bot-save">
              {{ 'bot.save' | t }}
            </button>
          </div>
        </form>
      }
    </details>
  `,
  styles: `
    .bot {
      margin-top: 10px;
      padding-top: 10px;
      border-top: 1px solid var(--border);
    }
    .title {
      font-size: 12px;
      cursor: pointer;
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 8px;
      margin-top: 8px;
    }
    .hint {
      margin: 0;
      font-size: 12px;
    }
    .rule {
      display: flex;
      flex-direction: column;
      gap: 6px;
      margin: 0;
      padding: 8px;
      border: 1px solid var(--border);
      border-radius: 8px;
    }
    .field {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .check {
      display: flex;
      align-items: center;
      gap: 6px;
      font-size: 13px;
    }
    .actions {
      display: flex;
      gap: 8px;
    }
  `,
})
export class ChannelBotComponent {
  private readonly http = inject(HttpClient);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  /** The channel whose bot is edited. */
  readonly channelId = input.required<string>();

  protected draft = { enabled: false, greeting: '', handoffPhrases: '', fallbackText: '', handoffText: '' };
  protected readonly enabled = signal(false);
  protected readonly loaded = signal(false);
  protected readonly rules = signal<DraftRule[]>([]);
  protected readonly saving = signal(false);
  protected readonly errors = signal<Record<string, string>>({});

  /** Folded until opened: the settings load on the first opening. */
  protected onToggle(open: boolean): void {
    if (!open || this.loaded()) return;
    this.http.get<BotSettings>(this.url()).subscribe({
      next: (settings) => this.load(settings),
      error: (err: unknown) =>
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'))),
    });
  }

  protected add(): void {
    this.rules.update((list) => [...list, { phrases: '', answer: '' }]);
  }

  protected remove(index: number): void {
    this.rules.update((list) => list.filter((_, i) => i !== index));
  }

  protected save(): void {
    const body = {
      enabled: this.draft.enabled,
      greeting: this.draft.greeting.trim() || null,
      rules: this.rules().map((r) => ({
        ...(r.id ? { id: r.id } : {}),
        phrases: splitPhrases(r.phrases),
        answer: r.answer,
      })),
      handoffPhrases: splitPhrases(this.draft.handoffPhrases),
      fallbackText: this.draft.fallbackText.trim() || null,
      handoffText: this.draft.handoffText.trim() || null,
    };
    this.saving.set(true);
    this.http.put<BotSettings>(this.url(), body).subscribe({
      next: (saved) => {
        this.saving.set(false);
        this.errors.set({});
        this.load(saved);
        this.toast.success(this.i18n.t('bot.saved'));
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.errors.set(fieldErrors(err));
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
      },
    });
  }

  private url(): string {
    return `/api/channels/${encodeURIComponent(this.channelId())}/bot`;
  }

  private load(settings: BotSettings): void {
    this.draft = {
      enabled: settings.enabled,
      greeting: settings.greeting ?? '',
      handoffPhrases: settings.handoffPhrases.join(', '),
      fallbackText: settings.fallbackText,
      handoffText: settings.handoffText,
    };
    this.enabled.set(settings.enabled);
    this.loaded.set(true);
    this.rules.set(settings.rules.map((r) => ({ id: r.id, phrases: r.phrases.join(', '), answer: r.answer })));
  }
}
