import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { TranslatePipe } from '../i18n/translate.pipe';
import { ToastService } from './toast.service';

@Component({
  selector: 'ob-toast-host',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="toasts" aria-live="polite">
      @for (toast of toasts.toasts(); track toast.id) {
        <div
          class="toast"
          [class]="'toast toast--' + toast.kind"
          data-testid="toast"
          [attr.role]="toast.kind === 'error' ? 'alert' : 'status'"
        >
          <span class="toast__text">{{ toast.text }}</span>
          <button
            type="button"
            class="toast__close"
            (click)="toasts.dismiss(toast.id)"
            [attr.aria-label]="'shortcuts.close' | t"
          >
            ×
          </button>
        </div>
      }
    </div>
  `,
  styles: `
    .toasts {
      position: fixed;
      right: 16px;
      bottom: 16px;
      display: flex;
      flex-direction: column;
      gap: 8px;
      z-index: 100;
      max-width: 380px;
    }
    .toast {
      display: flex;
      gap: 12px;
      align-items: flex-start;
      padding: 10px 12px;
      border-radius: 8px;
      background: #1f2937;
      color: #fff;
      box-shadow: var(--shadow-lg);
      font-size: 13px;
    }
    .toast--error {
      background: #b42318;
    }
    .toast--success {
      background: #067647;
    }
    .toast__text {
      flex: 1;
      white-space: pre-wrap;
    }
    .toast__close {
      background: none;
      border: 0;
      color: inherit;
      cursor: pointer;
      font-size: 16px;
      line-height: 1;
      opacity: 0.8;
    }
  `,
})
export class ToastHostComponent {
  protected readonly toasts = inject(ToastService);
}
