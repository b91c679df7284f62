import { HttpErrorResponse } from '@angular/common/http';
import { signal } from '@angular/core';
import { Observable, Subscription } from 'rxjs';

export type SectionStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Why a request failed, as the UI tells it. */
export type SectionError = 'forbidden' | 'network' | 'unknown';

export interface SectionState<T> {
  status: SectionStatus;
  data: T | null;
  error: SectionError | null;
}

export function errorKind(err: unknown): SectionError {
  if (err instanceof HttpErrorResponse) {
    if (err.status === 403) return 'forbidden';
    if (err.status === 0) return 'network';
  }
  return 'unknown';
}

/**
 * One independently loading part of a page (a chart, a table): its own loading, data and error, so a
 * failing chart does not blank the others. A new `run` cancels the one in flight.
 */
export class Section<T> {
  private readonly stateSignal = signal<SectionState<T>>({ status: 'idle', data: null, error: null });
  private subscription: Subscription | null = null;

  readonly state = this.stateSignal.asReadonly();

  run(source: Observable<T>): void {
    this.subscription?.unsubscribe();
    this.stateSignal.set({ status: 'loading', data: null, error: null });
    this.subscription = source.subscribe({
      next: (data) => this.stateSignal.set({ status: 'ready', data, error: null }),
      error: (err: unknown) => this.stateSignal.set({ status: 'error', data: null, error: errorKind(err) }),
    });
  }

  cancel(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }
}
