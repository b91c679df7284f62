import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CannedResponseDto } from '@onebox/contracts';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import type { CannedResponseRow } from './canned-responses.repository';

const SHORTCUT = /^[\p{L}\p{N}_-]{1,30}$/u;

export class ListCannedQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class CreateCannedBody {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  title: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Matches(SHORTCUT, { message: 'shortcut must be letters, digits, - or _ (up to 30)' })
  shortcut?: string | null;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  text: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  shared?: boolean;
}

export class UpdateCannedBody {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  title?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Matches(SHORTCUT, { message: 'shortcut must be letters, digits, - or _ (up to 30)' })
  shortcut?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  text?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  shared?: boolean;
}

export function mapCanned(row: CannedResponseRow): CannedResponseDto {
  return {
    id: row.id,
    title: row.title,
    shortcut: row.shortcut,
    text: row.text,
    shared: row.owner_id === null,
    ownerId: row.owner_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
