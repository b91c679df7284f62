import { HttpStatus, Injectable } from '@nestjs/common';
import type { TagDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { TransactionService } from '../database/transaction.service';
import { CreateTagBody, mapTag, UpdateTagBody } from './tags.dto';
import { TagsRepository } from './tags.repository';

const taken = () =>
  new ApiException(HttpStatus.CONFLICT, 'tag_exists', 'A tag with this name already exists', [
    { field: 'name', message: 'already exists' },
  ]);

/** Tags of a workspace: admins manage them, everyone reads them. */
@Injectable()
export class TagsService {
  constructor(
    private readonly tags: TagsRepository,
    private readonly tx: TransactionService,
  ) {}

  async list(auth: AuthUser): Promise<TagDto[]> {
    return (await this.tags.list(auth.workspaceId)).map(mapTag);
  }

  async create(auth: AuthUser, body: CreateTagBody): Promise<TagDto> {
    const row = await this.tags.insert(auth.workspaceId, body.name.trim(), body.color.toLowerCase());
    if (!row) throw taken();
    return mapTag(row);
  }

  async update(auth: AuthUser, id: string, body: UpdateTagBody): Promise<TagDto> {
    const row = await this.tx.run(async (tx) => {
      const tag = await this.tags.findInWorkspace(auth.workspaceId, id, tx);
      if (!tag) throw ApiException.notFound('Tag');
      const updated = await this.tags.update(tx, tag, {
        name: body.name?.trim() ?? tag.name,
        color: body.color?.toLowerCase() ?? tag.color,
      });
      if (!updated) throw taken();
      return updated;
    });
    return mapTag(row);
  }

  async remove(auth: AuthUser, id: string): Promise<void> {
    await this.tx.run(async (tx) => {
      const tag = await this.tags.findInWorkspace(auth.workspaceId, id, tx);
      if (!tag) throw ApiException.notFound('Tag');
      await this.tags.remove(tx, tag);
    });
  }
}
