import { Injectable } from '@nestjs/common';
import type { CannedResponseDto } from '@onebox/contracts';
import { seesAllConversations, type AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { CreateCannedBody, mapCanned, UpdateCannedBody } from './canned-responses.dto';
import { CannedResponsesRepository, type CannedResponseRow } from './canned-responses.repository';

/**
 * Canned responses: everyone keeps personal ones; heads and admins also share them with the
 * workspace. Another user's personal response answers exactly like a missing one.
 */
@Injectable()
export class CannedResponsesService {
  constructor(private readonly canned: CannedResponsesRepository) {}

  async list(auth: AuthUser, q: string | undefined): Promise<CannedResponseDto[]> {
    return (await this.canned.listUsable(auth.workspaceId, auth.id, q?.trim() || null)).map(mapCanned);
  }

  async create(auth: AuthUser, body: CreateCannedBody): Promise<CannedResponseDto> {
    if (body.shared && !seesAllConversations(auth))
      throw ApiException.forbidden('Only heads and admins share canned responses');
    const row = await this.canned.insert({
      workspace_id: auth.workspaceId,
      owner_id: body.shared ? null : auth.id,
      title: body.title.trim(),
      shortcut: body.shortcut?.trim() || null,
      text: body.text,
    });
    return mapCanned(row);
  }

  async update(auth: AuthUser, id: string, body: UpdateCannedBody): Promise<CannedResponseDto> {
    const row = await this.editable(auth, id);
    if (body.shared !== undefined && body.shared !== (row.owner_id === null) && !seesAllConversations(auth)) {
      throw ApiException.forbidden('Only heads and admins share canned responses');
    }
    const shared = body.shared ?? row.owner_id === null;
    const updated = await this.canned.update(id, {
      owner_id: shared ? null : (row.owner_id ?? auth.id),
      title: body.title?.trim() ?? row.title,
      shortcut: body.shortcut === undefined ? row.shortcut : body.shortcut?.trim() || null,
      text: body.text ?? row.text,
    });
    return mapCanned(updated);
  }

  async remove(auth: AuthUser, id: string): Promise<void> {
    await this.editable(auth, id);
    await this.canned.remove(id);
  }

  /** Own personal responses, and shared ones for heads and admins; the rest answers 404. */
  private async editable(auth: AuthUser, id: string): Promise<CannedResponseRow> {
    const row = await this.canned.findUsable(auth.workspaceId, auth.id, id);
    if (!row || (row.owner_id === null && !seesAllConversations(auth))) throw ApiException.notFound('Canned response');
    return row;
  }
}
