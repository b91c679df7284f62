import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { SURVEY_SCALES, type ConversationSurveyDto } from '@onebox/contracts';
import { FormatService } from '../../../core/i18n/format.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { AgentSocketService } from '../../../core/socket/agent-socket.service';
import { SurveysApi } from '../data-access/surveys-api.service';

/**
 * The customer's survey answers for this conversation, one per rated cycle (score, scale,
 * comment), in the contact panel. Live through the socket's `survey.answered`.
 */
@Component({
  selector: 'ob-survey-ratings',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (answered().length) {
      <section class="ratings" data-testid="survey-ratings">
        <h3 class="section">{{ 'survey.ratings' | t }}</h3>
        <ul class="list">
          @for (s of answered(); track s.id) {
            <li
              class="rating"
              data-testid="survey-rating"
              [attr.data-kind]="s.kind"
              [attr.data-score]="s.score"
              [attr.data-cycle]="s.cycle"
            >
              <span class="rating__score" [class.rating__score--good]="good(s)" [class.rating__score--bad]="bad(s)">
                {{ 'survey.kind.' + s.kind | t }} {{ s.score }}/{{ max(s) }}
              </span>
              <span class="rating__meta">
                {{ 'survey.cycle' | t: { n: s.cycle } }}
                @if (s.answeredAt) {
                  · {{ format.date(s.answeredAt) }}
                }
              </span>
              @if (s.comment) {
                <q class="rating__comment">{{ s.comment }}</q>
              }
            </li>
          }
        </ul>
      </section>
    }
  `,
  styles: `
    .section {
      margin: 12px 0 4px;
      font-size: 11px;
      text-transform: uppercase;
      letter-spacing: 0.06em;
      color: var(--text-muted);
    }
    .list {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 6px;
      font-size: 13px;
    }
    .rating {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 8px;
      align-items: baseline;
    }
    .rating__score {
      font-weight: 600;
    }
    .rating__score--good {
      color: var(--success, #15803d);
    }
    .rating__score--bad {
      color: var(--danger, #b91c1c);
    }
    .rating__meta {
      color: var(--text-muted);
      font-size: 12px;
    }
    .rating__comment {
      flex-basis: 100%;
      overflow-wrap: anywhere;
      color: var(--text-muted);
    }
  `,
})
export class SurveyRatingsComponent {
  /** The conversation whose ratings to show. */
  readonly conversationId = input.required<string>();

  protected readonly format = inject(FormatService);
  private readonly api = inject(SurveysApi);
  private readonly surveys = signal<ConversationSurveyDto[]>([]);
  protected readonly answered = computed(() => this.surveys().filter((s) => s.score !== null));

  constructor() {
    const destroyRef = inject(DestroyRef);
    effect((onCleanup) => {
      const id = this.conversationId();
      this.surveys.set([]);
      const request = this.api.listForConversation(id).subscribe({
        next: (items) => this.surveys.set(items),
        error: () => this.surveys.set([]),
      });
      onCleanup(() => request.unsubscribe());
    });
    inject(AgentSocketService)
      .on('survey.answered')
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe(({ conversationId, survey }) => {
        if (conversationId !== this.conversationId()) return;
        this.surveys.update((list) =>
          [...list.filter((s) => s.id !== survey.id), survey].sort((a, b) => a.cycle - b.cycle),
        );
      });
  }

  protected max(s: ConversationSurveyDto): number {
    return SURVEY_SCALES[s.kind].max;
  }

  /** CSAT 4–5, NPS 9–10, CES 1–2 (1 = very easy). */
  protected good(s: ConversationSurveyDto): boolean {
    const score = s.score ?? 0;
    return s.kind === 'ces' ? score <= 2 : s.kind === 'nps' ? score >= 9 : score >= 4;
  }

  protected bad(s: ConversationSurveyDto): boolean {
    const score = s.score ?? 0;
    return s.kind === 'ces' ? score >= 4 : s.kind === 'nps' ? score <= 6 : score <= 2;
  }
}
