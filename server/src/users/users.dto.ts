import { ApiProperty } from '@nestjs/swagger';
import { USER_ROLES, type UserDto, type UserRole } from '@onebox/contracts';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
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

  @ApiProperty({ minLength: 8 })
  @IsString()
  @MinLength(8)
  @MaxLength(200)
  password: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES)
  role: UserRole;
}

export function mapUser(row: UserRow): UserDto {
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}
