import type { UserRole } from '@onebox/contracts';

/** The caller of an authenticated request: every query is scoped by `workspaceId`. */
export interface AuthUser {
  id: string;
  workspaceId: string;
  role: UserRole;
  name: string;
  email: string;
}

/** Heads and admins see every conversation of their workspace; managers their own and unassigned. */
export function seesAllConversations(user: Pick<AuthUser, 'role'>): boolean {
  return user.role === 'head' || user.role === 'admin';
}
