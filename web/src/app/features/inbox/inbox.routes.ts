import { Routes } from '@angular/router';

export const INBOX_ROUTES: Routes = [
  {
    path: '',
    loadComponent: () => import('./feature/inbox.page').then((m) => m.InboxPage),
    children: [
      { path: '', loadComponent: () => import('./feature/no-conversation.page').then((m) => m.NoConversationPage) },
      {
        path: ':conversationId',
        loadComponent: () => import('./feature/conversation.page').then((m) => m.ConversationPage),
      },
    ],
  },
];
