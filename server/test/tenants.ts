import type {
  AttachmentDto,
  ChannelDto,
  ConversationListResponse,
  CrmConnectionDto,
  MessageDto,
  UserDto,
} from '@onebox/contracts';
import type { FakeAmoCrm, FakeBitrix24, FakeMax, FakeTelegram, FakeWhatsApp } from '@onebox/fakes';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { api, connectAgent, connectVisitor, createWorkspace, eventually, login, type TestApp } from './test-app';

/**
 * Whole workspaces built through the product's own API (users, channels on the fake platforms,
 * a CRM, tags, canned responses, notes with mentions, attachments, offers, surveys, deals), for
 * the security suites: one tenant attacks, the other is attacked.
 */

export type Role = 'admin' | 'head' | 'manager';

export interface Member {
  id: string;
  email: string;
  password: string;
  token: string;
}

export interface Tenant {
  label: string;
  /** A string written into this tenant's names and texts: no other tenant may ever see it. */
  marker: string;
  workspaceId: string;
  widgetKey: string;
  users: Record<Role, Member>;
  channels: ChannelDto[];
  crm: CrmConnectionDto | null;
  /** A visitor of the website chat, with the token the widget keeps. */
  visitor: { visitorToken: string };
}

/** The fake platforms a tenant's messenger channels and CRM connect to (only the ones given). */
export interface TenantPlatforms {
  telegram?: FakeTelegram;
  whatsapp?: { fake: FakeWhatsApp; credentials: Record<string, string> };
  max?: { fake: FakeMax; token: string };
  amocrm?: FakeAmoCrm;
  bitrix24?: FakeBitrix24;
}

const multipart = (name: string, type: string, content: string): FormData => {
  const form = new FormData();
  form.append('file', new Blob([content], { type }), name);
  return form;
};

async function upload(
  t: TestApp,
  path: string,
  headers: Record<string, string>,
  name: string,
  content: string,
): Promise<AttachmentDto> {
  const res = await fetch(t.url + path, { method: 'POST', headers, body: multipart(name, 'text/plain', content) });
  const body = (await res.json()) as AttachmentDto;
  if (res.status !== 201) throw new Error(`upload ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

function ok<T>(res: { status: number; body: T }, what: string, status = [200, 201, 204]): T {
  if (!status.includes(res.status)) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Builds a populated workspace named `label` through the running product. */
export async function buildTenant(t: TestApp, label: string, platforms: TenantPlatforms): Promise<Tenant> {
  const marker = `${label.toUpperCase()}MARK${randomBytes(4).toString('hex')}`;
  const ws = await createWorkspace(t.db, label);
  const adminToken = await login(t.url, ws.email, ws.password);
  const me = ok(await api<{ id: string }>(t.url, '/api/me', { token: adminToken }), 'me');
  const users: Record<Role, Member> = {
    admin: { id: me.id, email: ws.email, password: ws.password, token: adminToken },
  } as Record<Role, Member>;
  for (const role of ['head', 'manager'] as const) {
    const email = `${role}.${label}.${Date.now()}@onebox.test`;
    const password = `${role}-password-${label}`;
    const created = ok(
      await api<UserDto>(t.url, '/api/users', {
        token: adminToken,
        body: { email, name: `${role} ${marker}`, password, role },
      }),
      `create ${role}`,
    );
    users[role] = { id: created.id, email, password, token: await login(t.url, email, password) };
  }
  const as = (role: Role) => ({ token: users[role].token });
  const admin = as('admin');

  // Messenger channels on the fake platforms, in webhook mode.
  if (platforms.telegram) {
    ok(
      await api(t.url, '/api/channels', {
        ...admin,
        body: { type: 'telegram', name: `tg ${marker}`, credentials: { botToken: platforms.telegram.token } },
      }),
      'telegram channel',
    );
  }
  if (platforms.whatsapp) {
    const channel = ok(
      await api<ChannelDto>(t.url, '/api/channels', {
        ...admin,
        body: { type: 'whatsapp', name: `wa ${marker}`, credentials: platforms.whatsapp.credentials },
      }),
      'whatsapp channel',
    );
    platforms.whatsapp.fake.setWebhook(channel.webhookUrl!, platforms.whatsapp.credentials['verifyToken']);
  }
  if (platforms.max) {
    ok(
      await api(t.url, '/api/channels', {
        ...admin,
        body: { type: 'max', name: `max ${marker}`, credentials: { token: platforms.max.token } },
      }),
      'max channel',
    );
  }

  // A CRM creating a deal for every conversation.
  let crm: CrmConnectionDto | null = null;
  if (platforms.amocrm) {
    crm = ok(
      await api<CrmConnectionDto>(t.url, '/api/crm', {
        ...admin,
        body: {
          type: 'amocrm',
          name: `amo ${marker}`,
          settings: {
            baseUrl: `https://${platforms.amocrm.subdomain}.amocrm.ru`,
            accessToken: platforms.amocrm.accessToken,
          },
        },
      }),
      'amocrm',
    );
  } else if (platforms.bitrix24) {
    const created = ok(
      await api<CrmConnectionDto>(t.url, '/api/crm', {
        ...admin,
        body: { type: 'bitrix24', name: `b24 ${marker}`, settings: { webhookUrl: platforms.bitrix24.webhookUrl } },
      }),
      'bitrix24',
    );
    crm = ok(
      await api<CrmConnectionDto>(t.url, `/api/crm/${created.id}`, {
        ...admin,
        method: 'PATCH',
        body: { settings: { applicationToken: platforms.bitrix24.applicationToken } },
      }),
      'bitrix24 token',
    );
  }

  const channels = ok(await api<ChannelDto[]>(t.url, '/api/channels', admin), 'channels');
  const webchat = channels.find((c) => c.type === 'webchat')!;

  // Workspace furniture: tags, canned responses (shared and a manager's own), surveys, the
  // webchat channel's bot, working hours and proactive invitation.
  for (const name of [`vip-${marker}`, `lead-${marker}`]) {
    ok(await api(t.url, '/api/tags', { ...admin, body: { name, color: '#ff0000' } }), 'tag');
  }
  ok(
    await api(t.url, '/api/canned-responses', {
      ...admin,
      body: { title: `Hello ${marker}`, shortcut: `hi${label}`, text: `Hello from ${marker}`, shared: true },
    }),
    'canned',
  );
  ok(
    await api(t.url, '/api/canned-responses', {
      ...as('manager'),
      body: { title: `Mine ${marker}`, text: `Private canned ${marker}`, shared: false },
    }),
    'own canned',
  );
  ok(
    await api(t.url, '/api/surveys/settings', {
      ...admin,
      method: 'PUT',
      body: { enabled: true, kind: 'csat', question: `How was it? ${marker}`, askComment: true },
    }),
    'surveys',
  );
  ok(
    await api(t.url, `/api/channels/${webchat.id}/bot`, {
      ...admin,
      method: 'PUT',
      body: { enabled: false, greeting: `Bot ${marker}` },
    }),
    'bot',
  );
  ok(
    await api(t.url, `/api/channels/${webchat.id}/proactive`, {
      ...admin,
      method: 'PUT',
      body: { triggers: [{ name: `Invite ${marker}`, enabled: true, secondsOnPage: 5, message: `Hi ${marker}` }] },
    }),
    'proactive',
  );

  // The manager is online and the website chat offers new chats round-robin: the first chat
  // becomes an offer, which the manager accepts.
  const managerSocket: Socket = await connectAgent(t.url, users.manager.token);
  ok(
    await api(t.url, `/api/channels/${webchat.id}/routing`, {
      ...admin,
      method: 'PUT',
      body: { mode: 'round_robin', offerTimeoutSec: 3600 },
    }),
    'routing',
  );
  const { socket: visitor, session } = await connectVisitor(t.url, ws.widgetKey);
  const file = await upload(
    t,
    '/api/webchat/uploads',
    { 'x-widget-key': ws.widgetKey, 'x-visitor-token': session.visitorToken },
    `invoice-${marker}.txt`,
    `customer file ${marker}`,
  );
  await visitor.emitWithAck('profile.update', { name: `Visitor ${marker}`, email: `visitor.${label}@example.com` });
  await visitor.emitWithAck('message.send', {
    clientMessageId: 'v-1',
    text: `I need help ${marker}`,
    attachmentIds: [file.id],
  });
  const offerId = await eventually(async () => {
    const rows: { id: string }[] = await t.db.query(
      `SELECT id FROM routing_offers WHERE workspace_id = $1 AND outcome IS NULL`,
      [ws.workspaceId],
    );
    return rows[0]?.id;
  });
  ok(await api(t.url, `/api/offers/${offerId}/accept`, { ...as('manager'), body: {} }), 'accept offer');
  ok(
    await api(t.url, `/api/channels/${webchat.id}/routing`, { ...admin, method: 'PUT', body: { mode: 'open' } }),
    'routing off',
  );
  managerSocket.close();

  // Customers on every messenger channel.
  if (platforms.telegram) {
    await platforms.telegram.customerWrites({ chatId: 5550001, firstName: `Tg ${marker}`, text: `tg hello ${marker}` });
  }
  if (platforms.whatsapp) {
    await platforms.whatsapp.fake.customerWrites({ waId: '79990001122', name: `Wa ${marker}`, text: `wa ${marker}` });
  }
  if (platforms.max) {
    await platforms.max.fake.customerWrites({ userId: 7770001, name: `Max ${marker}`, text: `max ${marker}` });
  }
  const expected = channels.length;
  const conversations = await eventually(async () => {
    const list = ok(
      await api<ConversationListResponse>(t.url, '/api/conversations?status=all', admin),
      'conversations',
    );
    return list.items.length >= expected ? list.items : null;
  });
  const webchatConversation = conversations.find((c) => c.channel.type === 'webchat')!;

  // The agents' side: a reply with a file, a canned reply, a private note mentioning the manager,
  // tags, an assignment, a failed delivery (for the retry route), and a resolution (the survey).
  const agentFile = await upload(
    t,
    '/api/uploads',
    { authorization: `Bearer ${adminToken}` },
    `quote-${marker}.txt`,
    `agent file ${marker}`,
  );
  const cannedId = (await t.db.query(
    `SELECT id FROM canned_responses WHERE workspace_id = $1 AND owner_id IS NULL LIMIT 1`,
    [ws.workspaceId],
  )) as { id: string }[];
  for (const conversation of conversations) {
    const path = `/api/conversations/${conversation.id}`;
    ok(
      await api<MessageDto>(t.url, `${path}/messages`, {
        ...admin,
        body: {
          text: `Reply ${marker}`,
          attachmentIds: conversation.id === webchatConversation.id ? [agentFile.id] : [],
        },
      }),
      'reply',
    );
    ok(
      await api(t.url, `${path}/messages`, {
        ...admin,
        body: { text: `canned ${marker}`, cannedResponseId: cannedId[0].id },
      }),
      'canned reply',
    );
    ok(
      await api(t.url, `${path}/messages`, {
        ...admin,
        body: { text: `Note for the manager ${marker}`, private: true, mentionedUserIds: [users.manager.id] },
      }),
      'note',
    );
    ok(await api(t.url, `${path}/tags`, { ...admin, method: 'PUT', body: { tags: [`vip-${marker}`] } }), 'tags');
  }
  const messengerConversation = conversations.find((c) => c.channel.type !== 'webchat');
  if (messengerConversation) {
    ok(
      await api(t.url, `/api/conversations/${messengerConversation.id}/assign`, {
        ...admin,
        body: { assigneeId: users.head.id },
      }),
      'assign',
    );
  }
  // Deliveries settle, then one outgoing message is marked failed: the retry route needs one.
  await eventually(async () => {
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM messages WHERE workspace_id = $1 AND status = 'queued'`,
      [ws.workspaceId],
    );
    return n === 0;
  }, 15_000);
  await t.db.query(
    `UPDATE messages SET status = 'failed', error_code = 'temporary', error_message = 'test'
     WHERE id = (SELECT id FROM messages WHERE workspace_id = $1 AND direction = 'out' AND NOT private ORDER BY created_at LIMIT 1)`,
    [ws.workspaceId],
  );
  ok(
    await api(t.url, `/api/conversations/${webchatConversation.id}/status`, { ...admin, body: { status: 'resolved' } }),
    'resolve',
  );
  await eventually(async () => {
    const rows = await t.db.query(`SELECT id FROM surveys WHERE workspace_id = $1`, [ws.workspaceId]);
    return rows.length > 0;
  });
  visitor.close();

  if (crm) {
    await eventually(async () => {
      const rows = await t.db.query(`SELECT id FROM deals WHERE workspace_id = $1`, [ws.workspaceId]);
      return rows.length >= conversations.length;
    }, 15_000);
  }
  return {
    label,
    marker,
    workspaceId: ws.workspaceId,
    widgetKey: ws.widgetKey,
    users,
    channels: ok(await api<ChannelDto[]>(t.url, '/api/channels', admin), 'channels'),
    crm,
    visitor: { visitorToken: session.visitorToken },
  };
}

/** Waits until the tenant's durable jobs that are due have run (so a snapshot stays still). */
export async function settle(t: TestApp, workspaceId: string): Promise<void> {
  await eventually(async () => {
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM jobs WHERE workspace_id = $1 AND status = 'pending' AND run_at <= now() + interval '2 seconds'`,
      [workspaceId],
    );
    const [{ d }] = await t.db.query(`SELECT count(*)::int AS d FROM analytics_dirty WHERE workspace_id = $1`, [
      workspaceId,
    ]);
    return n === 0 && d === 0;
  }, 20_000);
}
