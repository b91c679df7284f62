import type { PresenceDto } from '@onebox/contracts';
import type { TeamPresenceRow } from './presence.repository';

export function mapPresence(row: TeamPresenceRow): PresenceDto {
  return {
    userId: row.user_id,
    name: row.name,
    role: row.role,
    status: row.status ?? 'offline',
    since: row.started_at?.toISOString() ?? null,
    activeChats: row.active_chats,
    maxChats: row.max_chats,
  };
}
