import { ChangeDetectionStrategy, Component, effect, inject, input, signal, untracked } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ROUTING_MODES, type ChannelDto, type RoutingMode } from '@onebox/contracts';
import { apiErrorMessage, fieldErrors } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { RoutingApi } from '../../../shared/data-access/routing-api.service';

/** A channel's routing (admin): open queue, round-robin or last manager first, and the offer timeouts. */
@Component({
  selector: 'ob-channel-routing',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="routing" data-testid="channel-routing" (ngSubmit)="save()" novalidate>
      <span class="muted title">{{ 'routing.title' | t }}</span>
      <label class="field">
        <span class="field__label">{{ 'routing.mode' | t }}</span>
        <select class="input input--sm" name="mode" [(ngModel)]="mode" data-testid="routing-mode">
          @for (m of modes; track m) {
            <option [value]="m">{{ 'routing.mode.' + m | t }}</option>
          }
        </select>
      </label>
      @if (mode !== 'open') {
        <label class="field field--num">
          <span class="field__label">{{ 'routing.offerTimeout' | t }}</span>
          <input
            class="input input--sm"
            name="offerTimeoutSec"
            type="number"
            min="1"
            max="3600"
            [(ngModel)]="offerTimeoutSec"
            data-testid="routing-offer-timeout"
          />
          @if (errors()['offerTimeoutSec']) {
            <span class="field__error">{{ errors()['offerTimeoutSec'] }}</span>
          }
        </label>
      }
      @if (mode === 'owner') {
        <label class="field field--num">
          <span class="field__label">{{ 'routing.ownerTimeout' | t }}</span>
          <input
            class="input input--sm"
            name="ownerTimeoutSec"
            type="number"
            min="1"
            max="86400"
            [(ngModel)]="ownerTimeoutSec"
            data-testid="routing-owner-timeout"
          />
          @if (errors()['ownerTimeoutSec']) {
            <span class="field__error">{{ errors()['ownerTimeoutSec'] }}</span>
          }
        </label>
      }
      <button type="submit" class="btn btn--sm" [disabled]="saving()" data-testid="routing-save">
        {{ 'routing.save' | t }}
      </button>
    </form>
  `,
  styles: `
    .routing {
      display: flex;
      flex-wrap: wrap;
      align-items: flex-end;
      gap: 10px;
      margin-top: 10px;
      padding-top: 10px;
      border-top: 1px solid var(--border);
    }
    .title {
      width: 100%;
      font-size: 12px;
    }
    .field {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .field--num input {
      width: 110px;
    }
  `,
})
export class ChannelRoutingComponent {
  private readonly api = inject(RoutingApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  /** The channel whose routing is edited. */
  readonly channel = input.required<ChannelDto>();

  protected readonly modes = ROUTING_MODES;
  protected readonly saving = signal(false);
  protected readonly errors = signal<Record<string, string>>({});
  protected mode: RoutingMode = 'open';
  protected offerTimeoutSec = 30;
  protected ownerTimeoutSec = 60;

  constructor() {
    effect(() => {
      const routing = this.channel().routing;
      untracked(() => {
        this.mode = routing?.mode ?? 'open';
        this.offerTimeoutSec = routing?.offerTimeoutSec ?? 30;
        this.ownerTimeoutSec = routing?.ownerTimeoutSec ?? 60;
      });
    });
  }

  protected save(): void {
    this.saving.set(true);
    this.errors.set({});
    this.api
      .setChannelRouting(this.channel().id, {
        mode: this.mode,
        offerTimeoutSec: Number(this.offerTimeoutSec),
        ownerTimeoutSec: Number(this.ownerTimeoutSec),
      })
      .subscribe({
        next: () => {
          this.saving.set(false);
          this.toast.success(this.i18n.t('routing.saved'));
        },
        error: (err: unknown) => {
          this.saving.set(false);
          this.errors.set(fieldErrors(err));
          this.toast.error(apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network')));
        },
      });
  }
}
