import { Injectable, signal } from '@angular/core';

export type ToastKind = 'error' | 'success' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

/** Small transient notifications; errors stay a little longer than confirmations. */
@Injectable({ providedIn: 'root' })
export class ToastService {
  private nextId = 1;
  private readonly toastsSignal = signal<Toast[]>([]);
  readonly toasts = this.toastsSignal.asReadonly();

  show(text: string, kind: ToastKind = 'info'): number {
    const id = this.nextId++;
    this.toastsSignal.update((list) => [...list.slice(-3), { id, kind, text }]);
    setTimeout(() => this.dismiss(id), kind === 'error' ? 7000 : 3500);
    return id;
  }

  error(text: string): number {
    return this.show(text, 'error');
  }

  success(text: string): number {
    return this.show(text, 'success');
  }

  dismiss(id: number): void {
    this.toastsSignal.update((list) => list.filter((toast) => toast.id !== id));
  }
}
