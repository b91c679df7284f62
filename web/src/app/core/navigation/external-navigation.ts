import { DOCUMENT } from '@angular/common';
import { Injectable, inject } from '@angular/core';

/**
 * Leaves the app for another site (e.g. a CRM's OAuth consent page). A service so that tests
 * can replace it: jsdom cannot navigate, and a real `location.assign` would end the test page.
 */
@Injectable({ providedIn: 'root' })
export class ExternalNavigation {
  private readonly document = inject(DOCUMENT);

  assign(url: string): void {
    this.document.location.assign(url);
  }
}
