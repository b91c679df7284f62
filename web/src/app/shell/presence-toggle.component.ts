import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { PRESENCE_STATUSES, type PresenceStatus } from '@onebox/contracts';
import { TranslatePipe } from '../core/i18n/translate.pipe';
import { PresenceService } from '../core/presence/presence.service';

/** The user's own presence in the top bar: online (gets offers), away or offline. */
@Component({
  selector: 'ob-presence-toggle',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <label class="presence" [attr.data-status]="presence.status()">
      <span class="dot" aria-hidden="true"></span>
      <select
        class="select"
        data-testid="presence-toggle"
        [attr.aria-label]="'presence.label' | t"
        [value]="presence.status()"
        (change)="set($any($event.target).value)"
      >
        @for (s of statuses; track s) {
          <option [value]="s" [selected]="s === presence.status()">{{ 'presence.' + s | t }}</option>
        }
      </select>
    </label>
  `,
  styles: `
    .presence {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      padding: 2px 4px 2px 8px;
      border: 1px solid var(--border);
      border-radius: 6px;
      background: var(--surface);
    }
    .dot {
      width: 8px;
      height: 8px;
      border-radius: 50%;
      background: #98a2b3;
    }
    [data-status='online'] .dot {
      background: #12b76a;
    }
    [data-status='away'] .dot {
      background: #f79009;
    }
    .select {
      border: 0;
      background: transparent;
      font: inherit;
      font-size: 12px;
      color: var(--text);
      cursor: pointer;
      padding: 2px 0;
    }
  `,
})
export class PresenceToggleComponent {
  protected readonly presence = inject(PresenceService);
  protected readonly statuses = PRESENCE_STATUSES;

  protected set(status: PresenceStatus): void {
    void this.presence.set(status);
  }
}
