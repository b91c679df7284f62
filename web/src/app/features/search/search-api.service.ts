import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { SearchResponse } from '@onebox/contracts';
import type { Observable } from 'rxjs';

/** `GET /api/search`: conversations, contacts and messages the signed-in user may open. */
@Injectable({ providedIn: 'root' })
export class SearchApi {
  private readonly http = inject(HttpClient);

  search(q: string, limit = 8): Observable<SearchResponse> {
    return this.http.get<SearchResponse>('/api/search', { params: { q, limit } });
  }
}
