import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import type { OfferDto } from '@onebox/contracts';
import type { Subscription } from 'rxjs';
import { I18nService } from '../i18n/i18n.service';
import { AgentSocketService } from '../socket/agent-socket.service';
import { ToastService } from '../toast/toast.service';

/**
 * Conversations offered to the signed-in manager: restored from `GET /api/offers/pending`, added by
 * `offer.created`, removed by `offer.closed` or an answer. Accepting opens the conversation.
 */
@Injectable({ providedIn: 'root' })
export class OffersStore {
  private readonly http = inject(HttpClient);
  private readonly socket = inject(AgentSocketService);
  private readonly router = inject(Router);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly offersSignal = signal<OfferDto[]>([]);
  private readonly busySignal = signal<string | null>(null);
  private subscriptions: Subscription[] = [];

  readonly offers = this.offersSignal.asReadonly();
  /** The offer being answered. */
  readonly busy = this.busySignal.asReadonly();

  start(): void {
    if (this.subscriptions.length) return;
    this.subscriptions = [
      this.socket.on('offer.created').subscribe((offer) => this.add(offer)),
      this.socket.on('offer.closed').subscribe((event) => this.remove(event.offerId)),
      // After a reconnect, offers may have come and gone meanwhile.
      this.socket.on('conversation.updated').subscribe((c) => {
        if (c.assignee) this.offersSignal.update((list) => list.filter((o) => o.conversationId !== c.id));
      }),
    ];
    this.reload();
  }

  stop(): void {
    this.subscriptions.forEach((s) => s.unsubscribe());
    this.subscriptions = [];
    this.offersSignal.set([]);
  }

  reload(): void {
    this.http.get<OfferDto[]>('/api/offers/pending').subscribe({
      next: (offers) => this.offersSignal.set(offers),
      error: () => undefined,
    });
  }

  accept(offer: OfferDto): void {
    this.answer(offer, 'accept', () => void this.router.navigate(['/inbox', offer.conversationId]));
  }

  decline(offer: OfferDto): void {
    this.answer(offer, 'decline');
  }

  /** The countdown ran out here: the server's timer moves it on; the card goes. */
  expired(offer: OfferDto): void {
    this.remove(offer.id);
  }

  private answer(offer: OfferDto, action: 'accept' | 'decline', then?: () => void): void {
    if (this.busySignal()) return;
    this.busySignal.set(offer.id);
    this.http.post(`/api/offers/${encodeURIComponent(offer.id)}/${action}`, {}).subscribe({
      next: () => {
        this.busySignal.set(null);
        this.remove(offer.id);
        then?.();
      },
      error: (err: HttpErrorResponse) => {
        this.busySignal.set(null);
        this.remove(offer.id);
        this.toast.error(this.i18n.t(err.status === 409 || err.status === 404 ? 'offer.gone' : 'offer.failed'));
      },
    });
  }

  private add(offer: OfferDto): void {
    this.offersSignal.update((list) => [...list.filter((o) => o.id !== offer.id), offer]);
  }

  private remove(offerId: string): void {
    this.offersSignal.update((list) => list.filter((o) => o.id !== offerId));
  }
}
