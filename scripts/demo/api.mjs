// A small client for Onebox's public HTTP API (what the inbox itself uses), for the demo set-up
// and the simulated colleagues.
export class ApiError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} → ${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

export class OneboxApi {
  constructor(base, token = null) {
    this.base = base;
    this.token = token;
  }

  static async login(base, email, password) {
    const api = new OneboxApi(base);
    const { accessToken } = await api.request('POST', '/api/auth/login', { email, password });
    api.token = accessToken;
    return api;
  }

  get(path) {
    return this.request('GET', path);
  }

  post(path, body = {}) {
    return this.request('POST', path, body);
  }

  delete(path) {
    return this.request('DELETE', path);
  }

  async request(method, path, body) {
    const headers = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    if (!response.ok) throw new ApiError(method, path, response.status, parsed);
    return parsed;
  }
}
