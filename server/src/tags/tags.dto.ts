import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { TagDto } from '@onebox/contracts';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { TagRow } from './tags.repository';

const COLOR = /^#[0-9a-fA-F]{6}$/;

export class CreateTagBody {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(40)
  @Matches(/^[^,]+$/, { message: 'name must not contain commas' })
  name: string;

  @ApiProperty({ example: '#4f46e5' })
  @IsString()
  @Matches(COLOR, { message: 'color must be #rrggbb' })
  color: string;
}

export class UpdateTagBody {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(40)
  @Matches(/^[^,]+$/, { message: 'name must not contain commas' })
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(COLOR, { message: 'color must be #rrggbb' })
  color?: string;
}

export class SetTagsBody {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  tags: string[];
}

export function mapTag(row: TagRow): TagDto {
  return { id: row.id, name: row.name, color: row.color, createdAt: row.created_at.toISOString() };
}
