import { ChangeDetectionStrategy, Component } from '@angular/core';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';

@Component({
  selector: 'ob-no-conversation',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="empty-state" data-testid="no-conversation">
      <div class="empty-state__art" aria-hidden="true">💬</div>
      <h2>{{ 'thread.noneSelected' | t }}</h2>
      <p>{{ 'thread.noneSelectedHint' | t }}</p>
      <p class="hint">{{ 'shortcuts.hint' | t }}</p>
    </div>
  `,
  styles: `
    :host {
      display: grid;
      height: 100%;
      place-items: center;
      background: var(--bg);
    }
    .hint {
      font-size: 12px;
      color: var(--text-faint);
    }
  `,
})
export class NoConversationPage {}
