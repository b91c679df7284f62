import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  AttachmentDto,
  ChannelDto,
  ConversationDetail,
  ConversationListItem,
  ConversationListQuery,
  ConversationListResponse,
  ConversationStatus,
  MessageDto,
  MessageListResponse,
  SendMessageRequest,
  UserDto,
} from '@onebox/contracts';
import { Observable } from 'rxjs';

function params(query: object): HttpParams {
  let result = new HttpParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') result = result.set(key, String(value));
  }
  return result;
}

/** HTTP calls of the inbox; nothing else in the feature talks to the server directly. */
@Injectable({ providedIn: 'root' })
export class ConversationsApi {
  private readonly http = inject(HttpClient);

  list(query: ConversationListQuery): Observable<ConversationListResponse> {
    return this.http.get<ConversationListResponse>('/api/conversations', { params: params(query) });
  }

  get(id: string): Observable<ConversationDetail> {
    return this.http.get<ConversationDetail>(`/api/conversations/${encodeURIComponent(id)}`);
  }

  messages(id: string, before: string | null, limit = 30): Observable<MessageListResponse> {
    return this.http.get<MessageListResponse>(`/api/conversations/${encodeURIComponent(id)}/messages`, {
      params: params({ limit, before }),
    });
  }

  send(id: string, body: SendMessageRequest): Observable<MessageDto> {
    return this.http.post<MessageDto>(`/api/conversations/${encodeURIComponent(id)}/messages`, body);
  }

  /** Queue a failed message for delivery again; answers the message with status `queued`. */
  retry(id: string, messageId: string): Observable<MessageDto> {
    return this.http.post<MessageDto>(
      `/api/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(messageId)}/retry`,
      {},
    );
  }

  /** The server answers 204 today; a body, if it ever sends one, is the updated conversation. */
  assign(id: string, assigneeId: string | null): Observable<ConversationListItem | null> {
    return this.http.post<ConversationListItem | null>(`/api/conversations/${encodeURIComponent(id)}/assign`, {
      assigneeId,
    });
  }

  /** `snoozedUntil` (ISO) is required with `snoozed`. */
  setStatus(id: string, status: ConversationStatus, snoozedUntil?: string): Observable<ConversationListItem | null> {
    return this.http.post<ConversationListItem | null>(`/api/conversations/${encodeURIComponent(id)}/status`, {
      status,
      ...(snoozedUntil ? { snoozedUntil } : {}),
    });
  }

  markRead(id: string): Observable<unknown> {
    return this.http.post(`/api/conversations/${encodeURIComponent(id)}/read`, {});
  }

  upload(file: File): Observable<AttachmentDto> {
    const form = new FormData();
    form.append('file', file, file.name);
    return this.http.post<AttachmentDto>('/api/uploads', form);
  }

  channels(): Observable<ChannelDto[]> {
    return this.http.get<ChannelDto[]>('/api/channels');
  }

  users(): Observable<UserDto[]> {
    return this.http.get<UserDto[]>('/api/users');
  }
}
