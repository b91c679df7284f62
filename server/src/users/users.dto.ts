import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_ROLES, type ResetPasswordRequest, type UserDto, type UserRole } from '@onebox/contracts';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PASSWORD_MAX, PASSWORD_MIN } from '../auth/auth.dto';
import type { UserRow } from './users.repository';

export class CreateUserBody {
  @ApiProperty()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(120)
  name: string;

  @ApiProperty({ minLength: PASSWORD_MIN })
  @IsString()
  @MinLength(PASSWORD_MIN)
  @MaxLength(PASSWORD_MAX)
  password: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES)
  role: UserRole;
}

export class UpdateUserBody {
  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: 'most open conversations routing gives the user' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  maxChats?: number;
}

export class ResetPasswordBody implements ResetPasswordRequest {
  @ApiProperty({ minLength: PASSWORD_MIN })
  @IsString()
  @MinLength(PASSWORD_MIN)
  @MaxLength(PASSWORD_MAX)
  newPassword: string;
}

export function mapUser(row: UserRow): UserDto {
  return { id: row.id, email: row.email, name: row.name, role: row.role, maxChats: row.max_chats };
}
