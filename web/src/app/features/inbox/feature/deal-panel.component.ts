import { ChangeDetectionStrategy, Component, effect, inject, input, signal, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import { AuthService } from '../../../core/auth/auth.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { DealStore } from '../data-access/deal.store';
import { DealDetailsComponent } from '../ui/deal-details.component';

let nextId = 0;

/**
 * The conversation's deal in the contact panel: the deal with its stage, amount and history;
 * "Create deal" / "Link existing deal" when there is none; a pointer to Settings when no CRM is
 * connected. Updates live from the socket.
 */
@Component({
  selector: 'ob-deal-panel',
  imports: [RouterLink, TranslatePipe, DealDetailsComponent],
  providers: [DealStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="deal" data-testid="deal-card" [attr.data-state]="store.state()" [attr.aria-labelledby]="ids.title">
      <h3 class="section" [id]="ids.title">{{ 'contact.deal' | t }}</h3>
      @switch (store.state()) {
        @case ('loading') {
          <span class="skeleton skeleton--line" aria-busy="true"></span>
        }
        @case ('error') {
          <p class="muted note">
            {{ 'deal.loadFailed' | t }}
            <button type="button" class="link" data-testid="deal-reload" (click)="store.reload()">
              {{ 'deal.retry' | t }}
            </button>
          </p>
        }
        @case ('no-crm') {
          <p class="muted note" data-testid="deal-no-crm">
            {{ 'deal.noCrm' | t }}
            @if (auth.isAdmin()) {
              <a routerLink="/settings" [queryParams]="{ tab: 'crm' }" data-testid="deal-connect-crm">{{
                'deal.connectCrm' | t
              }}</a>
            } @else {
              {{ 'deal.askAdmin' | t }}
            }
          </p>
        }
        @case ('none') {
          <p class="muted note">{{ 'deal.none' | t }}</p>
          <button
            type="button"
            class="btn btn--sm btn--primary"
            data-testid="deal-create"
            [disabled]="store.busy()"
            (click)="store.create({})"
          >
            {{ 'deal.create' | t }}
          </button>
          <form class="link-form" novalidate (submit)="$event.preventDefault(); link()">
            <label class="field__label" [for]="ids.link">{{ 'deal.linkLabel' | t }}</label>
            <div class="link-form__row">
              <input
                class="input input--sm"
                autocomplete="off"
                data-testid="deal-link-input"
                [id]="ids.link"
                [placeholder]="'deal.linkPlaceholder' | t"
                [value]="externalId()"
                [disabled]="store.busy()"
                (input)="externalId.set($any($event.target).value)"
              />
              <button
                type="submit"
                class="btn btn--sm"
                data-testid="deal-link"
                [disabled]="store.busy() || !externalId().trim()"
              >
                {{ 'deal.link' | t }}
              </button>
            </div>
          </form>
        }
        @case ('deal') {
          <ob-deal-details
            [deal]="store.deal()!"
            [stages]="store.stages()"
            [busy]="store.busy()"
            (save)="store.update($event)"
          />
        }
      }
    </section>
  `,
  styles: `
    .deal {
      display: flex;
      flex-direction: column;
      gap: 8px;
      padding: 10px 0;
      border-top: 1px solid var(--border);
      border-bottom: 1px solid var(--border);
    }
    .section {
      margin: 0;
      font-size: 11px;
      text-transform: uppercase;
      letter-spacing: 0.06em;
      color: var(--text-muted);
    }
    .note {
      margin: 0;
      font-size: 13px;
    }
    .muted {
      color: var(--text-muted);
    }
    .btn--primary {
      align-self: flex-start;
    }
    .link-form {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .link-form__row {
      display: flex;
      gap: 6px;
    }
    .link {
      border: 0;
      padding: 0;
      background: none;
      font: inherit;
      color: var(--accent);
      cursor: pointer;
    }
    .skeleton--line {
      width: 80%;
      height: 14px;
      border-radius: 4px;
    }
  `,
})
export class DealPanelComponent {
  protected readonly store = inject(DealStore);
  protected readonly auth = inject(AuthService);
  protected readonly ids = { title: `deal-heading-${nextId}`, link: `deal-link-${nextId++}` };

  /** The open conversation, whose deal is shown. */
  readonly conversationId = input.required<string>();

  protected readonly externalId = signal('');

  constructor() {
    effect(() => {
      const id = this.conversationId();
      untracked(() => {
        this.externalId.set('');
        this.store.load(id);
      });
    });
  }

  protected link(): void {
    const externalId = this.externalId().trim();
    if (externalId) this.store.create({ externalId });
  }
}
