import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type {
  CreateDealRequest,
  CrmConnectionDto,
  CrmPipelineDto,
  DealDto,
  UpdateDealRequest,
} from '@onebox/contracts';
import { Observable, Subscription } from 'rxjs';
import { apiErrorMessage, apiErrorOf } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { AgentSocketService } from '../../../core/socket/agent-socket.service';
import { ToastService } from '../../../core/toast/toast.service';
import { DealsApi } from './deals-api.service';

/** What the deal card shows. */
export type DealPanelState = 'loading' | 'error' | 'no-crm' | 'none' | 'deal';

export type DealStage = CrmPipelineDto['stages'][number];

/**
 * The open conversation's deal: loaded over HTTP, created/linked/updated on request, and kept
 * live by the socket's `deal.updated`. Also knows whether a CRM is connected and which stages
 * the deal's pipeline has. Provided per deal card; `load()` picks the conversation.
 */
@Injectable()
export class DealStore {
  private readonly api = inject(DealsApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private requests = new Subscription();

  readonly conversationId = signal<string | null>(null);
  readonly deal = signal<DealDto | null>(null);
  /** A create, link or update is running. */
  readonly busy = signal(false);
  private readonly dealState = signal<'loading' | 'ready' | 'error'>('loading');
  private readonly crmState = signal<'loading' | 'ready'>('loading');
  private readonly noCrm = signal(false);
  private readonly connection = signal<CrmConnectionDto | null>(null);
  private readonly pipelines = signal<CrmPipelineDto[]>([]);
  private crmRequested = false;
  /** Requests whose answer may be older than a socket update arriving meanwhile. */
  private inFlight = 0;
  private socketWhileInFlight = false;
  /** A stage/amount change the CRM has not confirmed yet; shown while the deal is pending. */
  private requested: { dealId: string; body: UpdateDealRequest } | null = null;

  readonly state = computed<DealPanelState>(() => {
    if (this.deal()) return 'deal';
    if (this.dealState() === 'loading' || this.crmState() === 'loading') return 'loading';
    if (this.noCrm()) return 'no-crm';
    return this.dealState() === 'error' ? 'error' : 'none';
  });

  /** The stages of the deal's pipeline (else the one new deals go to, else the main one), in CRM order. */
  readonly stages = computed<DealStage[]>(() => {
    const pipelines = this.pipelines();
    const wanted = this.deal()?.pipelineId ?? this.connection()?.pipelineId;
    const pipeline = pipelines.find((p) => p.id === wanted) ?? pipelines.find((p) => p.isMain) ?? pipelines[0] ?? null;
    return [...(pipeline?.stages ?? [])].sort((a, b) => a.sort - b.sort);
  });

  constructor() {
    const destroyRef = inject(DestroyRef);
    inject(AgentSocketService)
      .on('deal.updated')
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe(({ conversationId, ...deal }) => {
        if (conversationId !== this.conversationId()) return;
        if (this.inFlight > 0) this.socketWhileInFlight = true;
        this.show(deal);
        this.noCrm.set(false);
      });
    destroyRef.onDestroy(() => this.requests.unsubscribe());
  }

  load(conversationId: string): void {
    this.requests.unsubscribe();
    this.requests = new Subscription();
    this.inFlight = 0;
    this.socketWhileInFlight = false;
    this.requested = null;
    this.conversationId.set(conversationId);
    this.deal.set(null);
    this.busy.set(false);
    this.loadCrm();
    this.fetchDeal();
  }

  reload(): void {
    if (this.conversationId()) this.fetchDeal();
  }

  /** Create a deal in the CRM now (`{}`) or link an existing one (`{externalId}`). */
  create(body: CreateDealRequest = {}): void {
    const id = this.conversationId();
    if (!id || this.busy()) return;
    this.write(id, this.api.create(id, body));
  }

  update(body: UpdateDealRequest): void {
    const id = this.conversationId();
    const current = this.deal();
    if (!id || !current || this.busy() || !Object.keys(body).length) return;
    this.requested = { dealId: current.id, body };
    this.write(id, this.api.update(id, body), () => (this.requested = null));
  }

  private fetchDeal(): void {
    const id = this.conversationId()!;
    this.dealState.set('loading');
    this.track(
      id,
      this.api.get(id),
      (deal) => {
        this.dealState.set('ready');
        return deal;
      },
      (err) => {
        if (this.isNoCrm(err)) this.dealState.set('ready');
        else this.dealState.set(this.deal() ? 'ready' : 'error');
      },
    );
  }

  private write(id: string, request: Observable<DealDto>, failed: () => void = () => undefined): void {
    this.busy.set(true);
    this.track(
      id,
      request,
      (deal) => {
        this.busy.set(false);
        return deal;
      },
      (err) => {
        this.busy.set(false);
        failed();
        if (!this.isNoCrm(err)) this.toast.error(this.errorText(err));
      },
    );
  }

  /**
   * The server answers a change with the deal as the CRM last confirmed it, marked pending; the
   * card shows the requested stage and amount meanwhile, and whatever the CRM says once it answers.
   */
  private show(deal: DealDto): void {
    const requested = this.requested;
    if (!requested || requested.dealId !== deal.id || deal.syncState !== 'pending') {
      if (deal.syncState !== 'pending') this.requested = null;
      this.deal.set(deal);
      return;
    }
    const { stageId, amount } = requested.body;
    const stage = stageId ? this.stages().find((s) => s.id === stageId) : undefined;
    this.deal.set({
      ...deal,
      ...(stage ? { stageId: stage.id, stageName: stage.name, semantic: stage.semantic } : {}),
      ...(amount !== undefined ? { amount } : {}),
    });
  }

  /**
   * Runs a request for conversation `id`; its deal is shown unless the conversation changed or
   * the socket already brought a newer copy while it ran (the answer would be older then).
   */
  private track(
    id: string,
    request: Observable<DealDto | null>,
    next: (deal: DealDto | null) => DealDto | null,
    error: (err: unknown) => void,
  ): void {
    this.inFlight++;
    const settle = () => {
      this.inFlight--;
      const stale = this.socketWhileInFlight;
      if (this.inFlight === 0) this.socketWhileInFlight = false;
      return stale;
    };
    this.requests.add(
      request.subscribe({
        next: (answer) => {
          const stale = settle();
          if (this.conversationId() !== id) return;
          const deal = next(answer);
          if (deal && !(stale && this.deal()?.id === deal.id)) this.show(deal);
          if (deal) this.noCrm.set(false);
        },
        error: (err: unknown) => {
          settle();
          if (this.conversationId() === id) error(err);
        },
      }),
    );
  }

  /** `409 no_crm` from any deal call: the workspace has no CRM (any more). */
  private isNoCrm(err: unknown): boolean {
    if (apiErrorOf(err)?.code !== 'no_crm') return false;
    this.noCrm.set(true);
    return true;
  }

  /** The connection and its pipelines, once per card: the stage list and the "no CRM" hint come from them. */
  private loadCrm(): void {
    if (this.crmRequested) return;
    this.crmRequested = true;
    this.api.connections().subscribe({
      next: (connections) => {
        const connection = connections[0] ?? null;
        this.connection.set(connection);
        this.noCrm.set(!connection);
        this.crmState.set('ready');
        if (connection)
          this.api.pipelines(connection.id).subscribe({ next: (p) => this.pipelines.set(p), error: () => undefined });
      },
      // Without the connection there is no stage list; the deal itself still shows.
      error: () => this.crmState.set('ready'),
    });
  }

  private errorText(err: unknown): string {
    return apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'));
  }
}
