import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  CreateDealRequest,
  CrmConnectionDto,
  CrmPipelineDto,
  DealDto,
  UpdateDealRequest,
} from '@onebox/contracts';
import { Observable } from 'rxjs';

/** HTTP calls about a conversation's deal and the CRM pipeline its stages come from. */
@Injectable({ providedIn: 'root' })
export class DealsApi {
  private readonly http = inject(HttpClient);

  /** The conversation's latest deal, or null when it has none. */
  get(conversationId: string): Observable<DealDto | null> {
    return this.http.get<DealDto | null>(this.url(conversationId));
  }

  /** `{}` creates a deal in the CRM, `{externalId}` links an existing one; answers it with `syncState: 'pending'`. */
  create(conversationId: string, body: CreateDealRequest): Observable<DealDto> {
    return this.http.post<DealDto>(this.url(conversationId), body);
  }

  /** Moves the stage or changes the amount; pending until written to the CRM. */
  update(conversationId: string, body: UpdateDealRequest): Observable<DealDto> {
    return this.http.patch<DealDto>(this.url(conversationId), body);
  }

  /** The workspace's CRM connections (at most one in practice); empty when no CRM is connected. */
  connections(): Observable<CrmConnectionDto[]> {
    return this.http.get<CrmConnectionDto[]>('/api/crm');
  }

  pipelines(crmId: string): Observable<CrmPipelineDto[]> {
    return this.http.get<CrmPipelineDto[]>(`/api/crm/${encodeURIComponent(crmId)}/pipelines`);
  }

  private url(conversationId: string): string {
    return `/api/conversations/${encodeURIComponent(conversationId)}/deal`;
  }
}
