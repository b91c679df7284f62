import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreateTagRequest, TagDto, UpdateTagRequest } from '@onebox/contracts';
import { Observable } from 'rxjs';

/** HTTP calls for the workspace's tags and the tags of a conversation. */
@Injectable({ providedIn: 'root' })
export class TagsApi {
  private readonly http = inject(HttpClient);

  /** Every tag of the workspace (any signed-in user). */
  list(): Observable<TagDto[]> {
    return this.http.get<TagDto[]>('/api/tags');
  }

  /** Admins only; 409 `tag_exists` when the name is taken. */
  create(body: CreateTagRequest): Observable<TagDto> {
    return this.http.post<TagDto>('/api/tags', body);
  }

  update(id: string, body: UpdateTagRequest): Observable<TagDto> {
    return this.http.patch<TagDto>(`/api/tags/${encodeURIComponent(id)}`, body);
  }

  /** Answers 204; the tag is taken off every conversation. */
  remove(id: string): Observable<unknown> {
    return this.http.delete(`/api/tags/${encodeURIComponent(id)}`);
  }

  /** Replaces the conversation's tags (by name); answers 204, a `conversation.updated` event follows. */
  setConversationTags(conversationId: string, tags: string[]): Observable<unknown> {
    return this.http.put(`/api/conversations/${encodeURIComponent(conversationId)}/tags`, { tags });
  }
}
