/** A workspace tag (admins manage them; managers put them on conversations). */
export interface TagDto {
  id: string;
  name: string;
  /** `#rrggbb` */
  color: string;
  createdAt: string;
}

export interface CreateTagRequest {
  name: string;
  color: string;
}

export interface UpdateTagRequest {
  name?: string;
  color?: string;
}

/**
 * A canned response: personal (only its owner sees it) or shared with the workspace. Its text may
 * hold placeholders `{{contact.name}}` and `{{manager.name}}`, filled in by the composer.
 */
export interface CannedResponseDto {
  id: string;
  title: string;
  /** Typed after `/` in the composer to find it quickly, e.g. `delivery`. */
  shortcut: string | null;
  text: string;
  shared: boolean;
  ownerId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreateCannedResponseRequest {
  title: string;
  shortcut?: string | null;
  text: string;
  /** Shared with the whole workspace (heads and admins only). */
  shared?: boolean;
}

export type UpdateCannedResponseRequest = Partial<CreateCannedResponseRequest>;
