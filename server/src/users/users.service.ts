import { HttpStatus, Injectable } from '@nestjs/common';
import type { UserDto } from '@onebox/contracts';
import { ApiException } from '../common/api.exception';
import type { AuthUser } from '../auth/auth-user';
import { PasswordHasher } from '../auth/password-hasher';
import { RealtimeService } from '../realtime/realtime.service';
import { CreateUserBody, mapUser, ResetPasswordBody, UpdateUserBody } from './users.dto';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly realtime: RealtimeService,
  ) {}

  async list(auth: AuthUser): Promise<UserDto[]> {
    return (await this.users.listByWorkspace(auth.workspaceId)).map(mapUser);
  }

  /** Admin settings of a user (today: routing capacity). */
  async update(auth: AuthUser, id: string, body: UpdateUserBody): Promise<UserDto> {
    const row =
      body.maxChats === undefined
        ? await this.users.findInWorkspace(auth.workspaceId, id)
        : await this.users.setMaxChats(auth.workspaceId, id, body.maxChats);
    if (!row) throw ApiException.notFound('User');
    return mapUser(row);
  }

  /** An admin sets a user's password: the user's sessions end (tokens revoked, sockets closed). */
  async resetPassword(auth: AuthUser, id: string, body: ResetPasswordBody): Promise<void> {
    const row = await this.users.setPassword(auth.workspaceId, id, await this.hasher.hash(body.newPassword));
    if (!row) throw ApiException.notFound('User');
    this.realtime.disconnectUser(row.id);
  }

  async create(auth: AuthUser, body: CreateUserBody): Promise<UserDto> {
    const row = await this.users.insert({
      workspace_id: auth.workspaceId,
      email: body.email,
      name: body.name.trim(),
      role: body.role,
      password_hash: await this.hasher.hash(body.password),
    });
    if (!row) {
      throw new ApiException(HttpStatus.CONFLICT, 'email_taken', 'A user with this email already exists', [
        { field: 'email', message: 'already in use' },
      ]);
    }
    return mapUser(row);
  }
}
