import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CannedResponseDto, CreateCannedResponseRequest, UpdateCannedResponseRequest } from '@onebox/contracts';
import { Observable } from 'rxjs';

/** HTTP calls for canned responses: the caller's own plus the shared ones. */
@Injectable({ providedIn: 'root' })
export class CannedResponsesApi {
  private readonly http = inject(HttpClient);

  /** `q` filters by title, shortcut and text on the server. */
  list(q?: string): Observable<CannedResponseDto[]> {
    const query = q?.trim();
    const params = query ? new HttpParams().set('q', query) : undefined;
    return this.http.get<CannedResponseDto[]>('/api/canned-responses', { params });
  }

  /** `shared: true` only for heads and admins (else 403). */
  create(body: CreateCannedResponseRequest): Observable<CannedResponseDto> {
    return this.http.post<CannedResponseDto>('/api/canned-responses', body);
  }

  update(id: string, body: UpdateCannedResponseRequest): Observable<CannedResponseDto> {
    return this.http.patch<CannedResponseDto>(`/api/canned-responses/${encodeURIComponent(id)}`, body);
  }

  /** Answers 204. */
  remove(id: string): Observable<unknown> {
    return this.http.delete(`/api/canned-responses/${encodeURIComponent(id)}`);
  }
}

/** Fill the composer placeholders of a canned response's text. */
export function fillPlaceholders(text: string, values: { contactName: string; managerName: string }): string {
  return text
    .replace(/\{\{\s*contact\.name\s*\}\}/g, values.contactName)
    .replace(/\{\{\s*manager\.name\s*\}\}/g, values.managerName);
}
