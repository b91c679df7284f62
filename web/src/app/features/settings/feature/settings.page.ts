import { ChangeDetectionStrategy, Component, input, linkedSignal } from '@angular/core';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ChannelsSettingsComponent } from './channels-settings.component';
import { CrmSettingsComponent } from './crm-settings.component';
import { UsersSettingsComponent } from './users-settings.component';

const SECTIONS = ['channels', 'users', 'crm'] as const;
type Section = (typeof SECTIONS)[number];

/** Workspace settings for admins: channels, users and the CRM, one section at a time. */
@Component({
  selector: 'ob-settings-page',
  imports: [TranslatePipe, ChannelsSettingsComponent, CrmSettingsComponent, UsersSettingsComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="settings">
      <nav class="side">
        <h1>{{ 'settings.title' | t }}</h1>
        <button
          type="button"
          class="side__link"
          [class.side__link--on]="section() === 'channels'"
          data-testid="settings-channels"
          (click)="section.set('channels')"
        >
          {{ 'settings.channels' | t }}
        </button>
        <button
          type="button"
          class="side__link"
          [class.side__link--on]="section() === 'users'"
          data-testid="settings-users"
          (click)="section.set('users')"
        >
          {{ 'settings.users' | t }}
        </button>
        <button
          type="button"
          class="side__link"
          [class.side__link--on]="section() === 'crm'"
          data-testid="settings-crm"
          (click)="section.set('crm')"
        >
          {{ 'settings.crm' | t }}
        </button>
      </nav>
      <div class="body">
        @if (section() === 'channels') {
          <ob-channels-settings />
        } @else if (section() === 'crm') {
          <ob-crm-settings />
        } @else {
          <ob-users-settings />
        }
      </div>
    </div>
  `,
  styles: `
    .settings {
      display: grid;
      grid-template-columns: 220px minmax(0, 1fr);
      height: 100%;
    }
    .side {
      padding: 20px 12px;
      border-right: 1px solid var(--border);
      background: var(--surface);
      display: flex;
      flex-direction: column;
      gap: 2px;
    }
    h1 {
      font-size: 16px;
      margin: 0 8px 12px;
    }
    .side__link {
      text-align: left;
      padding: 7px 10px;
      border: 0;
      border-radius: 6px;
      background: none;
      font: inherit;
      color: var(--text-muted);
      cursor: pointer;
    }
    .side__link:hover {
      background: var(--hover);
    }
    .side__link--on {
      background: var(--accent-soft);
      color: var(--accent);
      font-weight: 600;
    }
    .body {
      overflow-y: auto;
      padding: 24px 32px;
    }
  `,
})
export class SettingsPage {
  /** Query parameter `?tab=`: the section to open first, e.g. `crm` from the inbox's "Connect a CRM" link. */
  readonly tab = input<string | undefined>();
  protected readonly section = linkedSignal<Section>(() => {
    const tab = this.tab();
    return SECTIONS.find((s) => s === tab) ?? 'channels';
  });
}
