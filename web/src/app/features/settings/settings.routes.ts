import { Routes } from '@angular/router';

export const SETTINGS_ROUTES: Routes = [
  { path: '', loadComponent: () => import('./feature/settings.page').then((m) => m.SettingsPage) },
];
