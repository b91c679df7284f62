import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import type { SectionError, SectionStatus } from '../data-access/section';

/**
 * A titled card around a chart or table with its loading skeleton, error (with retry) and
 * empty states; the content is shown only when the data is there.
 */
@Component({
  selector: 'ob-panel',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="panel card">
      <header class="panel__head">
        <div>
          <h2 class="panel__title">{{ title() }}</h2>
          @if (caption()) {
            <p class="panel__caption">{{ caption() }}</p>
          }
        </div>
        <ng-content select="[panel-actions]" />
      </header>
      @switch (status()) {
        @case ('error') {
          <div class="panel__state" role="alert" data-testid="panel-error">
            <p>{{ 'analytics.error.' + (error() ?? 'unknown') | t }}</p>
            <button type="button" class="btn btn--sm" data-testid="panel-retry" (click)="retry.emit()">
              {{ 'analytics.retry' | t }}
            </button>
          </div>
        }
        @case ('ready') {
          @if (empty()) {
            <div class="panel__state" data-testid="panel-empty">
              <p>{{ emptyText() || ('analytics.noData' | t) }}</p>
            </div>
          } @else {
            <ng-content />
          }
        }
        @default {
          <div class="panel__loading" data-testid="panel-loading" [style.height.px]="skeletonHeight()">
            <span class="skeleton"></span>
          </div>
        }
      }
    </section>
  `,
  styles: `
    .panel {
      display: flex;
      flex-direction: column;
      gap: 10px;
      min-width: 0;
      padding: 14px 16px;
    }
    .panel__head {
      display: flex;
      justify-content: space-between;
      align-items: flex-start;
      gap: 12px;
    }
    .panel__title {
      margin: 0;
      font-size: 14px;
      font-weight: 650;
    }
    .panel__caption {
      margin: 2px 0 0;
      font-size: 12px;
      color: var(--text-muted);
    }
    .panel__state {
      display: flex;
      flex-direction: column;
      align-items: center;
      justify-content: center;
      gap: 8px;
      min-height: 120px;
      color: var(--text-muted);
      font-size: 13px;
      text-align: center;
    }
    .panel__state p {
      margin: 0;
    }
    .panel__loading .skeleton {
      width: 100%;
      height: 100%;
      border-radius: 8px;
    }
  `,
})
export class PanelComponent {
  readonly title = input.required<string>();
  readonly caption = input('');
  readonly status = input.required<SectionStatus>();
  readonly error = input<SectionError | null>(null);
  readonly empty = input(false);
  readonly emptyText = input('');
  readonly skeletonHeight = input(220);
  readonly retry = output<void>();
}
