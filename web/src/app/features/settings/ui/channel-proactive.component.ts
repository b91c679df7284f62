import { ChangeDetectionStrategy, Component, effect, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import type { ProactiveTrigger } from '@onebox/contracts';
import { apiErrorMessage, fieldErrors } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { SurveysApi } from '../../inbox/data-access/surveys-api.service';

/** A trigger being edited; numbers are strings while typed. */
interface DraftTrigger {
  id?: string;
  name: string;
  enabled: boolean;
  secondsOnPage: number | null;
  urlPattern: string;
  returningVisitor: boolean;
  message: string;
}

/**
 * A website chat's proactive-chat triggers (admin): seconds on the page, URL pattern, returning
 * visitors, and the invitation text. Saved together with `PUT /api/channels/:id/proactive`.
 */
@Component({
  selector: 'ob-channel-proactive',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="proactive" data-testid="channel-proactive" (ngSubmit)="save()" novalidate>
      <span class="muted title">{{ 'proactive.title' | t }}</span>
      <p class="muted hint">{{ 'proactive.hint' | t }}</p>
      @for (tr of triggers(); track $index; let i = $index) {
        <fieldset class="trigger" data-testid="proactive-trigger">
          <label class="field">
            <span class="field__label">{{ 'proactive.name' | t }}</span>
            <input
              class="input input--sm"
              [name]="'name' + i"
              [(ngModel)]="tr.name"
              maxlength="80"
              data-testid="proactive-name"
            />
            @if (errors()['triggers.' + i + '.name']) {
              <span class="field__error">{{ errors()['triggers.' + i + '.name'] }}</span>
            }
          </label>
          <label class="check">
            <input type="checkbox" [name]="'enabled' + i" [(ngModel)]="tr.enabled" data-testid="proactive-enabled" />
            {{ 'proactive.enabled' | t }}
          </label>
          <label class="field field--num">
            <span class="field__label">{{ 'proactive.seconds' | t }}</span>
            <input
              class="input input--sm"
              type="number"
              min="0"
              max="3600"
              [name]="'seconds' + i"
              [(ngModel)]="tr.secondsOnPage"
              data-testid="proactive-seconds"
            />
            @if (errors()['triggers.' + i + '.secondsOnPage']) {
              <span class="field__error">{{ errors()['triggers.' + i + '.secondsOnPage'] }}</span>
            }
          </label>
          <label class="field">
            <span class="field__label">{{ 'proactive.url' | t }}</span>
            <input
              class="input input--sm"
              [name]="'url' + i"
              [(ngModel)]="tr.urlPattern"
              maxlength="300"
              data-testid="proactive-url"
            />
          </label>
          <label class="check">
            <input
              type="checkbox"
              [name]="'returning' + i"
              [(ngModel)]="tr.returningVisitor"
              data-testid="proactive-returning"
            />
            {{ 'proactive.returning' | t }}
          </label>
          <label class="field field--wide">
            <span class="field__label">{{ 'proactive.message' | t }}</span>
            <textarea
              class="input input--sm"
              rows="2"
              maxlength="500"
              [name]="'message' + i"
              [(ngModel)]="tr.message"
              data-testid="proactive-message"
            ></textarea>
            @if (errors()['triggers.' + i + '.message']) {
              <span class="field__error">{{ errors()['triggers.' + i + '.message'] }}</span>
            }
          </label>
          <button type="button" class="btn btn--sm btn--danger" (click)="remove(i)" data-testid="proactive-remove">
            {{ 'proactive.remove' | t }}
          </button>
        </fieldset>
      } @empty {
        <p class="muted small">{{ 'proactive.empty' | t }}</p>
      }
      <div class="actions">
        <button type="button" class="btn btn--sm" (click)="add()" data-testid="proactive-add">
          {{ 'proactive.add' | t }}
        </button>
        <button type="submit" class="btn btn--sm btn--primary" [disabled]="saving()" data-testid="proactive-save">
          {{ 'proactive.save' | t }}
        </button>
      </div>
    </form>
  `,
  styles: `
    .proactive {
      display: flex;
      flex-direction: column;
      gap: 8px;
      margin-top: 10px;
      padding-top: 10px;
      border-top: 1px solid var(--border);
    }
    .title {
      font-size: 12px;
    }
    .hint {
      margin: 0;
      font-size: 12px;
    }
    .trigger {
      display: flex;
      flex-wrap: wrap;
      align-items: flex-end;
      gap: 8px 12px;
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
    .field--num input {
      width: 110px;
    }
    .field--wide {
      flex-basis: 100%;
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
export class ChannelProactiveComponent {
  private readonly api = inject(SurveysApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  /** The website chat channel whose triggers are edited. */
  readonly channelId = input.required<string>();

  protected readonly triggers = signal<DraftTrigger[]>([]);
  protected readonly saving = signal(false);
  protected readonly errors = signal<Record<string, string>>({});

  constructor() {
    effect((onCleanup) => {
      const request = this.api.proactive(this.channelId()).subscribe({
        next: (triggers) => this.triggers.set(triggers.map(toDraft)),
        error: () => this.triggers.set([]),
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  protected add(): void {
    this.triggers.update((list) => [
      ...list,
      { name: '', enabled: true, secondsOnPage: 30, urlPattern: '', returningVisitor: false, message: '' },
    ]);
  }

  protected remove(index: number): void {
    this.triggers.update((list) => list.filter((_, i) => i !== index));
  }

  protected save(): void {
    this.saving.set(true);
    this.errors.set({});
    this.api.saveProactive(this.channelId(), this.triggers().map(toRequest)).subscribe({
      next: (saved) => {
        this.saving.set(false);
        this.triggers.set(saved.map(toDraft));
        this.toast.success(this.i18n.t('proactive.saved'));
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.errors.set(fieldErrors(err));
        this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
      },
    });
  }
}

function toDraft(t: ProactiveTrigger): DraftTrigger {
  return {
    id: t.id,
    name: t.name,
    enabled: t.enabled,
    secondsOnPage: t.secondsOnPage ?? null,
    urlPattern: t.urlPattern ?? '',
    returningVisitor: t.returningVisitor === true,
    message: t.message,
  };
}

/** Only the fields that are set, as the API expects. */
export function toRequest(d: DraftTrigger): Partial<ProactiveTrigger> {
  const body: Partial<ProactiveTrigger> = { name: d.name.trim(), enabled: d.enabled, message: d.message.trim() };
  if (d.id) body.id = d.id;
  if (d.secondsOnPage !== null && String(d.secondsOnPage) !== '') body.secondsOnPage = Number(d.secondsOnPage);
  if (d.urlPattern.trim()) body.urlPattern = d.urlPattern.trim();
  if (d.returningVisitor) body.returningVisitor = true;
  return body;
}
