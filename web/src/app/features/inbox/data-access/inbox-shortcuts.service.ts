import { Injectable } from '@angular/core';
import { Subject } from 'rxjs';

/** Lets the inbox page's keyboard handler reach the routed conversation (composer and header actions). */
@Injectable()
export class InboxShortcuts {
  /** `r` */
  readonly focusComposer = new Subject<void>();
  /** `e`: resolve the open conversation. */
  readonly resolve = new Subject<void>();
  /** `a`: assign the open conversation to me. */
  readonly assignToMe = new Subject<void>();
  /** `s`: open the snooze menu. */
  readonly snooze = new Subject<void>();
}
