import { inject } from '@angular/core';
import { CanActivateFn, Router, Routes } from '@angular/router';
import { AuthService } from '../../core/auth/auth.service';

/** Analytics is for heads of sales and admins (the API answers 403 to managers): others go to the inbox. */
export const analyticsGuard: CanActivateFn = () => {
  const role = inject(AuthService).user()?.role;
  return role === 'head' || role === 'admin' || inject(Router).createUrlTree(['/inbox']);
};

export const ANALYTICS_ROUTES: Routes = [
  {
    path: '',
    canActivate: [analyticsGuard],
    children: [
      {
        path: '',
        pathMatch: 'full',
        loadComponent: () => import('./feature/analytics-dashboard.page').then((m) => m.AnalyticsDashboardPage),
      },
      {
        path: 'cycles',
        loadComponent: () => import('./feature/analytics-cycles.page').then((m) => m.AnalyticsCyclesPage),
      },
      {
        path: 'agents',
        loadComponent: () => import('./feature/analytics-agents.page').then((m) => m.AnalyticsAgentsPage),
      },
    ],
  },
];
