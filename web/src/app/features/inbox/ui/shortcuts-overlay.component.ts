import { ChangeDetectionStrategy, Component, output } from '@angular/core';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';

/** The `?` cheat sheet. */
@Component({
  selector: 'ob-shortcuts-overlay',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="backdrop" (click)="closed.emit()"></div>
    <div
      class="dialog"
      role="dialog"
      aria-modal="true"
      [attr.aria-label]="'shortcuts.title' | t"
      data-testid="shortcuts-overlay"
    >
      <div class="dialog__head">
        <h2>{{ 'shortcuts.title' | t }}</h2>
        <button type="button" class="btn btn--ghost btn--sm" (click)="closed.emit()">
          {{ 'shortcuts.close' | t }}
        </button>
      </div>
      <dl>
        <dt><kbd>j</kbd> <kbd>↓</kbd></dt>
        <dd>{{ 'shortcuts.next' | t }}</dd>
        <dt><kbd>k</kbd> <kbd>↑</kbd></dt>
        <dd>{{ 'shortcuts.prev' | t }}</dd>
        <dt><kbd>Enter</kbd></dt>
        <dd>{{ 'shortcuts.open' | t }}</dd>
        <dt><kbd>r</kbd></dt>
        <dd>{{ 'shortcuts.reply' | t }}</dd>
        <dt><kbd>e</kbd></dt>
        <dd data-testid="shortcut-resolve">{{ 'shortcuts.resolve' | t }}</dd>
        <dt><kbd>a</kbd></dt>
        <dd data-testid="shortcut-assign">{{ 'shortcuts.assignMe' | t }}</dd>
        <dt><kbd>s</kbd></dt>
        <dd data-testid="shortcut-snooze">{{ 'shortcuts.snooze' | t }}</dd>
        <dt><kbd>Enter</kbd></dt>
        <dd>{{ 'shortcuts.send' | t }}</dd>
        <dt><kbd>Shift</kbd> + <kbd>Enter</kbd></dt>
        <dd>{{ 'shortcuts.newline' | t }}</dd>
        <dt><kbd>/</kbd></dt>
        <dd data-testid="shortcut-canned">{{ 'shortcuts.canned' | t }}</dd>
        <dt><kbd>Esc</kbd></dt>
        <dd>{{ 'shortcuts.leave' | t }}</dd>
        <dt><kbd>?</kbd></dt>
        <dd>{{ 'shortcuts.help' | t }}</dd>
      </dl>
    </div>
  `,
  styles: `
    .backdrop {
      position: fixed;
      inset: 0;
      background: rgba(15, 23, 42, 0.35);
      z-index: 50;
    }
    .dialog {
      position: fixed;
      z-index: 51;
      top: 50%;
      left: 50%;
      transform: translate(-50%, -50%);
      width: min(440px, calc(100vw - 32px));
      background: var(--surface);
      border-radius: 12px;
      box-shadow: var(--shadow-lg);
      padding: 20px 24px;
    }
    .dialog__head {
      display: flex;
      align-items: center;
      justify-content: space-between;
      margin-bottom: 12px;
    }
    h2 {
      margin: 0;
      font-size: 16px;
    }
    dl {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 8px 16px;
      margin: 0;
      font-size: 13px;
    }
    dt {
      white-space: nowrap;
    }
    dd {
      margin: 0;
      color: var(--text-muted);
    }
    kbd {
      display: inline-block;
      min-width: 20px;
      padding: 1px 6px;
      border: 1px solid var(--border-strong);
      border-bottom-width: 2px;
      border-radius: 4px;
      font:
        12px ui-monospace,
        monospace;
      text-align: center;
      background: var(--bg);
    }
  `,
})
export class ShortcutsOverlayComponent {
  /** The overlay asks to be closed. */
  readonly closed = output<void>();
}
