import { HttpClient } from '@angular/common/http';
import { Injectable, inject, signal } from '@angular/core';
import type { MentionDto, MentionListResponse } from '@onebox/contracts';
import type { Subscription } from 'rxjs';
import { I18nService } from '../i18n/i18n.service';
import { AgentSocketService } from '../socket/agent-socket.service';
import { ToastService } from '../toast/toast.service';

/**
 * The signed-in user's @mentions in teammates' notes: loaded from `GET /api/mentions`, added
 * live by `mention.created`, marked read when opened.
 */
@Injectable({ providedIn: 'root' })
export class MentionsStore {
  private readonly http = inject(HttpClient);
  private readonly socket = inject(AgentSocketService);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly itemsSignal = signal<MentionDto[]>([]);
  private readonly unreadSignal = signal(0);
  private readonly failedSignal = signal(false);
  private subscription: Subscription | null = null;

  readonly items = this.itemsSignal.asReadonly();
  readonly unreadCount = this.unreadSignal.asReadonly();
  readonly failed = this.failedSignal.asReadonly();

  start(): void {
    if (this.subscription) return;
    this.subscription = this.socket.on('mention.created').subscribe((mention) => {
      if (this.itemsSignal().some((m) => m.id === mention.id)) return;
      this.itemsSignal.update((list) => [mention, ...list]);
      this.unreadSignal.update((n) => n + 1);
      this.toast.show(this.i18n.t('mentions.toast', { name: mention.author.name }));
    });
    this.reload();
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  reload(): void {
    this.http.get<MentionListResponse>('/api/mentions', { params: { limit: 30 } }).subscribe({
      next: (res) => {
        this.itemsSignal.set(res.items);
        this.unreadSignal.set(res.unreadCount);
        this.failedSignal.set(false);
      },
      error: () => this.failedSignal.set(true),
    });
  }

  markRead(mention: MentionDto): void {
    if (mention.readAt) return;
    const readAt = new Date().toISOString();
    this.itemsSignal.update((list) => list.map((m) => (m.id === mention.id ? { ...m, readAt } : m)));
    this.unreadSignal.update((n) => Math.max(0, n - 1));
    this.http.post(`/api/mentions/${encodeURIComponent(mention.id)}/read`, {}).subscribe({ error: () => undefined });
  }
}
