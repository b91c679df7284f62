import type { AnalyticsSummaryResponse, WorkspaceSettingsDto } from '@onebox/contracts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { APP_CONFIG, type AppConfig } from '../src/config/app-config';
import { api, connectVisitor, createWorkspace, eventually, login, startTestApp, type TestApp } from './test-app';

jest.setTimeout(30_000);

interface Chat {
  socket: Socket;
  visitorId: string;
  contactId: string;
  conversationId: string;
  messageIds: string[];
  attachmentId: string;
  filePath: string;
}

describe('Data lifecycle: message retention and erasing a contact', () => {
  let t: TestApp;
  let token: string;
  let adminId: string;
  let managerId: string;
  let widgetKey: string;
  let workspaceId: string;
  let dataDir: string;
  const chats: Chat[] = [];

  const count = async (sql: string, params: unknown[]): Promise<number> =>
    (await t.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n;

  /** A website visitor who uploads a file, writes `texts` (the file with the first) and browses a page. */
  async function visitorChat(texts: string[]): Promise<Chat> {
    const { socket, session } = await connectVisitor(t.url, widgetKey);
    const form = new FormData();
    form.append('file', new Blob([`file of ${texts[0]}`], { type: 'text/plain' }), 'order.txt');
    const upload = await fetch(`${t.url}/api/webchat/uploads`, {
      method: 'POST',
      headers: { 'x-widget-key': widgetKey, 'x-visitor-token': session.visitorToken },
      body: form,
    });
    expect(upload.status).toBe(201);
    const attachmentId = ((await upload.json()) as { id: string }).id;
    const messageIds: string[] = [];
    for (const [i, text] of texts.entries()) {
      const ack = (await socket.emitWithAck('message.send', {
        clientMessageId: `c-${Date.now()}-${i}`,
        text,
        attachmentIds: i === 0 ? [attachmentId] : [],
      })) as { id: string };
      messageIds.push(ack.id);
    }
    expect(await socket.emitWithAck('page.view', { url: 'https://shop.example/sofa' })).toEqual({ ok: true });
    const [row] = await t.db.query(
      `SELECT m.conversation_id, m.author_id, ci.external_id FROM messages m
         JOIN contact_identities ci ON ci.contact_id = m.author_id WHERE m.id = $1`,
      [messageIds[0]],
    );
    const [file] = await t.db.query('SELECT storage_key FROM attachments WHERE id = $1', [attachmentId]);
    const chat = {
      socket,
      visitorId: row.external_id,
      contactId: row.author_id,
      conversationId: row.conversation_id,
      messageIds,
      attachmentId,
      filePath: join(dataDir, file.storage_key),
    };
    chats.push(chat);
    return chat;
  }

  /** An agent's reply and a private note mentioning a colleague. */
  async function answer(chat: Chat, text: string): Promise<string[]> {
    const reply = await api<{ id: string }>(t.url, `/api/conversations/${chat.conversationId}/messages`, {
      token,
      body: { text },
    });
    const note = await api<{ id: string }>(t.url, `/api/conversations/${chat.conversationId}/messages`, {
      token,
      body: { text: `note about ${text}`, private: true, mentionedUserIds: [managerId] },
    });
    expect([reply.status, note.status]).toEqual([201, 201]);
    return [reply.body.id, note.body.id];
  }

  beforeAll(async () => {
    t = await startTestApp();
    token = await login(t.url, 'admin@onebox.test', 'admin-password-1');
    adminId = (await api<{ id: string }>(t.url, '/api/me', { token })).body.id;
    const manager = await api<{ id: string }>(t.url, '/api/users', {
      token,
      body: { email: 'manager@onebox.test', name: 'Mila', password: 'manager-pass-1', role: 'manager' },
    });
    expect(manager.status).toBe(201);
    managerId = manager.body.id;
    [{ widget_key: widgetKey, workspace_id: workspaceId }] = await t.db.query(
      `SELECT widget_key, workspace_id FROM channels WHERE type = 'webchat'`,
    );
    dataDir = t.app.get<AppConfig>(APP_CONFIG).dataDir;
  });

  afterAll(async () => {
    for (const chat of chats) chat.socket.close();
    await t.close();
  });

  describe('retention', () => {
    const put = (body: unknown) =>
      api<WorkspaceSettingsDto & { details?: { field: string }[] }>(t.url, '/api/workspace/settings', {
        method: 'PUT',
        token,
        body,
      });

    it('is off by default and accepts 1..3650 days or null, naming the field otherwise', async () => {
      expect((await api<WorkspaceSettingsDto>(t.url, '/api/workspace/settings', { token })).body).toMatchObject({
        messageRetentionDays: null,
      });
      for (const bad of [0, 3651, 2.5, '30', true]) {
        const res = await put({ messageRetentionDays: bad });
        expect(res.status).toBe(400);
        expect(new Set(res.body.details?.map((d) => d.field))).toEqual(new Set(['messageRetentionDays']));
      }
      expect((await put({ messageRetentionDays: 3650 })).body.messageRetentionDays).toBe(3650);
      expect((await put({ messageRetentionDays: null })).body.messageRetentionDays).toBeNull();
      // One sweep for the workspace however often the setting changes; the worker may already have
      // run it (retention is off again, so it ends), hence any status.
      expect(await count(`jobs WHERE queue = 'retention'`, [])).toBe(1);
    });

    it('deletes messages older than the retention with their files and mentions, daily, and keeps newer ones', async () => {
      const chat = await visitorChat(['old question with file', 'new question']);
      const [oldReply, oldNote] = await answer(chat, 'old answer');
      const [newReply] = await answer(chat, 'new answer');
      const old = [chat.messageIds[0], oldReply, oldNote];
      await t.db.query(`UPDATE messages SET created_at = now() - interval '40 days' WHERE id = ANY($1::uuid[])`, [old]);
      expect(existsSync(chat.filePath)).toBe(true);
      expect(await count('mentions WHERE message_id = $1', [oldNote])).toBe(1);
      // Another conversation, silent for 40 days: its preview quotes an expired message.
      const silent = await visitorChat(['long forgotten']);
      await t.db.query(`UPDATE messages SET created_at = now() - interval '40 days' WHERE conversation_id = $1`, [
        silent.conversationId,
      ]);
      await t.db.query(`UPDATE conversations SET last_message_at = now() - interval '40 days' WHERE id = $1`, [
        silent.conversationId,
      ]);

      expect((await put({ messageRetentionDays: 30 })).body.messageRetentionDays).toBe(30);

      await eventually(async () => (await count('messages WHERE id = ANY($1::uuid[])', [old])) === 0, 10_000);
      const kept = [chat.messageIds[1], newReply];
      expect(await count('messages WHERE id = ANY($1::uuid[])', [kept])).toBe(2);
      expect(await count('attachments WHERE id = $1', [chat.attachmentId])).toBe(0);
      expect(existsSync(chat.filePath)).toBe(false);
      expect(await count('mentions WHERE message_id = $1', [oldNote])).toBe(0);
      await eventually(async () => {
        const [row] = await t.db.query('SELECT last_message_text FROM conversations WHERE id = $1', [
          silent.conversationId,
        ]);
        return row.last_message_text === null;
      });
      expect(existsSync(silent.filePath)).toBe(false);
      // The conversations and their analytics stay; the sweep comes back tomorrow.
      expect(
        await count('conversations WHERE id = ANY($1::uuid[])', [[chat.conversationId, silent.conversationId]]),
      ).toBe(2);
      const [job] = await t.db.query(
        `SELECT extract(epoch FROM run_at - now()) / 3600 AS hours FROM jobs
          WHERE queue = 'retention' AND status = 'pending' AND workspace_id = $1`,
        [workspaceId],
      );
      expect(Number(job.hours)).toBeGreaterThan(23.5);
    });
  });

  describe('erasing a contact', () => {
    const day = 86_400_000;
    const range = () => {
      const today = Math.floor(Date.now() / day) * day;
      return { from: new Date(today - day).toISOString(), to: new Date(today + day).toISOString() };
    };
    const summary = async () => {
      const res = await api<AnalyticsSummaryResponse>(
        t.url,
        `/api/analytics/summary?${new URLSearchParams({ ...range(), groupBy: 'none' })}`,
        { token },
      );
      expect(res.status).toBe(200);
      return res.body.rows[0].metrics;
    };

    it('removes the contact and every row and file about them, and corrects the analytics', async () => {
      const keep = await visitorChat(['I stay']);
      const gone = await visitorChat(['Please forget me', 'my phone is +7 900 000 00 00']);
      await answer(gone, 'Sure');
      await answer(keep, 'Hello');
      const [{ id: crmId }] = await t.db.query(
        `INSERT INTO crm_connections (workspace_id, type, name, settings_enc, webhook_secret)
         VALUES ($1, 'amocrm', 'CRM', '', 's') RETURNING id`,
        [workspaceId],
      );
      const [{ channel_id: channelId }] = await t.db.query('SELECT channel_id FROM conversations WHERE id = $1', [
        gone.conversationId,
      ]);
      const deals = new Map<Chat, string>();
      for (const chat of [keep, gone]) {
        const [{ id: dealId }] = await t.db.query(
          `INSERT INTO deals (workspace_id, crm_connection_id, conversation_id, cycle, origin, external_id, title, semantic, amount, currency, closed_at)
           VALUES ($1, $2, $3, 1, 'auto', $4, 'Sofa', 'won', 1000, 'RUB', now()) RETURNING id`,
          [workspaceId, crmId, chat.conversationId, `deal-${chat.contactId}`],
        );
        deals.set(chat, dealId);
        const [conversation, contact, visitor] = [chat.conversationId, chat.contactId, chat.visitorId];
        const rows: [string, unknown[]][] = [
          [
            `INSERT INTO deal_stage_history (workspace_id, deal_id, stage_id, semantic) VALUES ($1, $2, '142', 'won')`,
            [dealId],
          ],
          [
            `INSERT INTO crm_contact_links (workspace_id, crm_connection_id, contact_id, external_id) VALUES ($1, $2, $3, $4)`,
            [crmId, contact, `crm-contact-${contact}`],
          ],
          [
            `INSERT INTO routing_offers (workspace_id, conversation_id, channel_id, cycle, user_id, reason, offered_at, expires_at)
             VALUES ($1, $2, $3, 1, $4, 'round_robin', now(), now())`,
            [conversation, channelId, adminId],
          ],
          [
            `INSERT INTO proactive_invitations (workspace_id, channel_id, visitor_id, trigger_id, shown_day, accepted_at, conversation_id, cycle)
             VALUES ($1, $2, $3, 'shown', current_date, NULL, NULL, NULL), ($1, $2, $3, 'taken', current_date, now(), $4, 1)`,
            [channelId, visitor, conversation],
          ],
          [
            `WITH s AS (INSERT INTO surveys (workspace_id, kind, channel_id, cycle, conversation_id)
                        VALUES ($1, 'csat', $2, 1, $3) RETURNING id)
             INSERT INTO survey_responses (survey_id, workspace_id, conversation_id, cycle, channel_id, kind, score)
             SELECT id, $1, $3, 1, $2, 'csat', 5 FROM s`,
            [channelId, conversation],
          ],
          [
            `INSERT INTO jobs (workspace_id, queue, payload, run_at)
             VALUES ($1, 'timers', jsonb_build_object('action', 'wake', 'conversationId', $2::text), now() + interval '1 day')`,
            [conversation],
          ],
        ];
        for (const [sql, params] of rows) await t.db.query(sql, [workspaceId, ...params]);
      }
      const before = await summary();
      const dailyChats = async () => (await t.db.query('SELECT sum(chats)::int AS n FROM analytics_daily'))[0].n;
      expect(before.chats).toBeGreaterThanOrEqual(2);
      expect(await dailyChats()).toBe(before.chats);
      expect(Number(before.revenue['RUB'])).toBe(2000);

      /** Rows about a chat's contact, conversation, messages and visitor, table by table. */
      const rowsAbout = async (chat: Chat) => {
        const conv = [chat.conversationId];
        const byConversation = [
          'messages',
          'conversation_events',
          'conversation_cycles',
          'deals',
          'mentions',
          'routing_offers',
          'surveys',
          'survey_responses',
          'proactive_invitations',
        ];
        const counts: Record<string, number> = {};
        for (const table of byConversation)
          counts[table] = await count(`${table} WHERE conversation_id = ANY($1::uuid[])`, [conv]);
        counts['conversations'] = await count('conversations WHERE id = $1', [chat.conversationId]);
        counts['contacts'] = await count('contacts WHERE id = $1', [chat.contactId]);
        counts['contact_identities'] = await count('contact_identities WHERE contact_id = $1', [chat.contactId]);
        counts['crm_contact_links'] = await count('crm_contact_links WHERE contact_id = $1', [chat.contactId]);
        counts['deal_stage_history'] = await count('deal_stage_history WHERE deal_id = $1', [deals.get(chat)]);
        counts['attachments'] = await count('attachments WHERE id = $1', [chat.attachmentId]);
        counts['visitor rows'] =
          (await count('widget_page_views WHERE visitor_id = $1', [chat.visitorId])) +
          (await count('proactive_invitations WHERE visitor_id = $1', [chat.visitorId]));
        counts['pending jobs'] = await count(`jobs WHERE status = 'pending' AND payload->>'conversationId' = $1`, [
          chat.conversationId,
        ]);
        return counts;
      };
      const goneBefore = await rowsAbout(gone);
      expect(Object.entries(goneBefore).filter(([, n]) => n === 0)).toEqual([]);
      const keepBefore = await rowsAbout(keep);

      const erased = await api(t.url, `/api/contacts/${gone.contactId}`, { method: 'DELETE', token });
      expect(erased).toMatchObject({ status: 204, body: null });

      const goneAfter = await rowsAbout(gone);
      expect(goneAfter).toEqual(Object.fromEntries(Object.keys(goneBefore).map((k) => [k, 0])));
      expect(existsSync(gone.filePath)).toBe(false);
      expect(await rowsAbout(keep)).toEqual(keepBefore);
      expect(existsSync(keep.filePath)).toBe(true);
      const messages = await t.db.query('SELECT text FROM messages');
      expect(JSON.stringify(messages)).not.toMatch(/forget me|\+7 900|note about Sure/);

      const after = await summary();
      expect(after.chats).toBe(before.chats - 1);
      expect(await dailyChats()).toBe(before.chats - 1);
      expect(Number(after.revenue['RUB'])).toBe(1000);
      expect(await api(t.url, `/api/contacts/${gone.contactId}`, { token })).toMatchObject({ status: 404 });
    });

    it('answers 404 for another workspace’s contact and 403 to non-admins, erasing nothing', async () => {
      const target = chats[0];
      const other = await createWorkspace(t.db, 'erasure-other');
      const otherToken = await login(t.url, other.email, other.password);
      expect(await api(t.url, `/api/contacts/${target.contactId}`, { method: 'DELETE', token: otherToken })).toEqual(
        expect.objectContaining({ status: 404, body: { code: 'not_found', message: 'Contact not found' } }),
      );
      const missing = await api(t.url, `/api/contacts/00000000-0000-4000-8000-000000000000`, {
        method: 'DELETE',
        token,
      });
      expect(missing).toMatchObject({ status: 404, body: { code: 'not_found', message: 'Contact not found' } });

      const managerToken = await login(t.url, 'manager@onebox.test', 'manager-pass-1');
      expect(
        (await api(t.url, `/api/contacts/${target.contactId}`, { method: 'DELETE', token: managerToken })).status,
      ).toBe(403);
      expect(await count('contacts WHERE id = $1', [target.contactId])).toBe(1);
    });
  });
});
