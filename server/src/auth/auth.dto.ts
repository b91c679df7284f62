import { ApiProperty } from '@nestjs/swagger';
import type { MeDto, WorkspaceDto } from '@onebox/contracts';
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

export function mapWorkspace(row: WorkspaceRow): WorkspaceDto {
  return { id: row.id, name: row.name, timeZone: row.time_zone, locale: row.locale };
}

export function mapMe(user: AuthUser, workspace: WorkspaceRow): MeDto {
  return { id: user.id, email: user.email, name: user.name, role: user.role, workspace: mapWorkspace(workspace) };
}
