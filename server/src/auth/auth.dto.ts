import { ApiProperty } from '@nestjs/swagger';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  type ChangePasswordRequest,
  type MeDto,
  type WorkspaceDto,
} from '@onebox/contracts';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { AuthUser } from './auth-user';
import type { WorkspaceRow } from '../workspaces/workspaces.repository';

export class LoginBody {
  @ApiProperty()
  @IsString()
  @MinLength(3)
  @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password: string;
}

/** The rules every new password follows, shared with the web app's forms. */
export const PASSWORD_MIN = PASSWORD_MIN_LENGTH;
export const PASSWORD_MAX = PASSWORD_MAX_LENGTH;

export class ChangePasswordBody implements ChangePasswordRequest {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX)
  currentPassword: string;

  @ApiProperty({ minLength: PASSWORD_MIN })
  @IsString()
  @MinLength(PASSWORD_MIN)
  @MaxLength(PASSWORD_MAX)
  newPassword: string;
}

export function mapWorkspace(row: WorkspaceRow): WorkspaceDto {
  return { id: row.id, name: row.name, timeZone: row.time_zone, locale: row.locale };
}

export function mapMe(user: AuthUser, workspace: WorkspaceRow): MeDto {
  return { id: user.id, email: user.email, name: user.name, role: user.role, workspace: mapWorkspace(workspace) };
}
