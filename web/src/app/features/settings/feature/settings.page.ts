import { ChangeDetectionStrategy, Component, computed, inject, input, linkedSignal } from '@angular/core';
import { AuthService } from '../../../core/auth/auth.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { AccountSettingsComponent } from './account-settings.component';
import { CannedSettingsComponent } from './canned-settings.component';
import { ChannelsSettingsComponent } from './channels-settings.component';
import { CostsSettingsComponent } from './costs-settings.component';
import { CrmSettingsComponent } from './crm-settings.component';
import { SurveySettingsComponent } from './survey-settings.component';
import { TagsSettingsComponent } from './tags-settings.component';
import { UsersSettingsComponent } from './users-settings.component';
import { WorkspaceSettingsComponent } from './workspace-settings.component';

const SECTIONS = ['channels', 'users', 'workspace', 'costs', 'crm', 'tags', 'canned', 'surveys', 'account'] as const;
type Section = (typeof SECTIONS)[number];
/** What every agent may open; the rest is for admins. */
const EVERYONE: readonly Section[] = ['canned', 'account'];

/**
 * Settings, one section at a time: admins see channels, users, the workspace, costs, the CRM,
 * tags, canned responses and surveys; everyone else only their canned responses. Everyone has
 * their own account (`?tab=account`, also the top bar's user link).
 */
@Component({
  selector: 'ob-settings-page',
  imports: [
    TranslatePipe,
    AccountSettingsComponent,
    CannedSettingsComponent,
    ChannelsSettingsComponent,
    CostsSettingsComponent,
    CrmSettingsComponent,
    TagsSettingsComponent,
    UsersSettingsComponent,
    WorkspaceSettingsComponent,
    SurveySettingsComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="settings">
      <nav class="side">
        <h1>{{ 'settings.title' | t }}</h1>
        @for (s of sections(); track s) {
          <button
            type="button"
            class="side__link"
            [class.side__link--on]="section() === s"
            [attr.data-testid]="'settings-' + s"
            (click)="section.set(s)"
          >
            {{ 'settings.' + s | t }}
          </button>
        }
      </nav>
      <div class="body">
        @if (section() === 'workspace') {
          <ob-workspace-settings />
        } @else if (section() === 'costs') {
          <ob-costs-settings />
        } @else if (section() === 'channels') {
          <ob-channels-settings />
        } @else if (section() === 'crm') {
          <ob-crm-settings />
        } @else if (section() === 'tags') {
          <ob-tags-settings />
        } @else if (section() === 'canned') {
          <ob-canned-settings />
        } @else if (section() === 'surveys') {
          <ob-survey-settings />
        } @else if (section() === 'account') {
          <ob-account-settings />
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
  private readonly auth = inject(AuthService);
  /** The sections this user may open. */
  protected readonly sections = computed<readonly Section[]>(() =>
    this.auth.isAdmin() ? SECTIONS : SECTIONS.filter((s) => EVERYONE.includes(s)),
  );
  protected readonly section = linkedSignal<Section>(() => {
    const tab = this.tab();
    const sections = this.sections();
    return sections.find((s) => s === tab) ?? sections[0];
  });
}
