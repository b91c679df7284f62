import { ChangeDetectionStrategy, Component, DestroyRef, effect, inject, signal, untracked } from '@angular/core';
import { OfferCardComponent } from './offer-card.component';
import { OffersStore } from './offers.store';

/** The stack of offer cards, bottom right above the toasts; owns the countdown clock. */
@Component({
  selector: 'ob-offers',
  imports: [OfferCardComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="offers" aria-live="assertive">
      @for (offer of store.offers(); track offer.id) {
        <ob-offer-card
          [offer]="offer"
          [now]="now()"
          [busy]="store.busy() === offer.id"
          (accept)="store.accept($event)"
          (decline)="store.decline($event)"
        />
      }
    </div>
  `,
  styles: `
    .offers {
      position: fixed;
      right: 16px;
      bottom: 80px;
      display: flex;
      flex-direction: column;
      gap: 8px;
      z-index: 110;
    }
  `,
})
export class OffersHostComponent {
  protected readonly store = inject(OffersStore);
  protected readonly now = signal(Date.now());

  constructor() {
    let timer: ReturnType<typeof setInterval> | null = null;
    // Tick only while a card is shown; a card whose time ran out goes (the server moves the offer on).
    effect(() => {
      const shown = this.store.offers().length > 0;
      untracked(() => {
        if (shown && !timer) {
          this.now.set(Date.now());
          timer = setInterval(() => this.tick(), 1000);
        } else if (!shown && timer) {
          clearInterval(timer);
          timer = null;
        }
      });
    });
    inject(DestroyRef).onDestroy(() => {
      if (timer) clearInterval(timer);
    });
  }

  private tick(): void {
    const now = Date.now();
    this.now.set(now);
    for (const offer of this.store.offers()) {
      // A little grace: the server's answer (offer.closed) normally comes first.
      if (new Date(offer.expiresAt).getTime() + 2000 < now) this.store.expired(offer);
    }
  }
}
