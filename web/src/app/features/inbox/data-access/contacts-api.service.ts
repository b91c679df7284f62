import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ContactDto } from '@onebox/contracts';
import { Observable } from 'rxjs';

/** HTTP calls about contacts: same-person suggestions, search and merging. */
@Injectable({ providedIn: 'root' })
export class ContactsApi {
  private readonly http = inject(HttpClient);

  /** Other contacts with the same phone digits or email: probably the same customer elsewhere. */
  suggestions(id: string): Observable<ContactDto[]> {
    return this.http.get<ContactDto[]>(`/api/contacts/${encodeURIComponent(id)}/suggestions`);
  }

  /** Name, email or phone search; the server wants `q` of 1–100 characters. */
  search(q: string, limit = 10): Observable<ContactDto[]> {
    return this.http.get<ContactDto[]>('/api/contacts', { params: new HttpParams().set('q', q).set('limit', limit) });
  }

  /** Folds `otherId` into `id` (its identities and conversations move, it is deleted); answers the kept contact. */
  merge(id: string, otherId: string): Observable<ContactDto> {
    return this.http.post<ContactDto>(`/api/contacts/${encodeURIComponent(id)}/merge`, { contactId: otherId });
  }
}
