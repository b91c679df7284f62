import { Injectable } from '@angular/core';
import { Subject } from 'rxjs';

/** Lets the inbox page's keyboard handler reach the composer of the routed conversation. */
@Injectable()
export class InboxShortcuts {
  readonly focusComposer = new Subject<void>();
}
