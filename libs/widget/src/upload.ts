import type { ApiError, AttachmentDto } from '@onebox/contracts';
import { mimeTypeOf } from './validation';

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: FormData },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

export class UploadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** `POST /api/webchat/uploads` (multipart field `file`); resolves with the stored attachment. */
export async function uploadFile(
  fetchImpl: FetchLike,
  origin: string,
  widgetKey: string,
  visitorToken: string,
  file: File,
): Promise<AttachmentDto> {
  const body = new FormData();
  // The server checks the part's type against the extension; an untyped file would arrive as octet-stream.
  body.append('file', file.type ? file : new Blob([file], { type: mimeTypeOf(file) }), file.name);
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetchImpl(`${origin}/api/webchat/uploads`, {
      method: 'POST',
      headers: { 'X-Widget-Key': widgetKey, 'X-Visitor-Token': visitorToken },
      body,
    });
  } catch {
    throw new UploadError(0, 'network', 'network error');
  }
  const data = (await res.json().catch(() => null)) as Partial<AttachmentDto & ApiError> | null;
  if (!res.ok || !data || typeof data.id !== 'string') {
    throw new UploadError(res.status, data?.code ?? 'upload_failed', data?.message ?? `HTTP ${res.status}`);
  }
  return data as AttachmentDto;
}
