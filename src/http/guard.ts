/**
 * DNS-rebinding protection and the endpoint's own token. A web page that gets a browser to talk to
 * the server (its host name re-pointed at 127.0.0.1) still sends its own host name in `Host` and its
 * own origin in `Origin`: both must be on an allow-list, loopback names by default.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface GuardSettings {
  /** Extra host names (a port, if given, is ignored). */
  allowedHosts: readonly string[];
  /** Extra origins, exact (`https://app.example.com`). */
  allowedOrigins: readonly string[];
  /** The address the server is bound to; a specific one (not 0.0.0.0 or ::) is accepted as a Host. */
  bindHost: string;
}

export class HostGuard {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(settings: GuardSettings) {
    this.hosts = new Set(['localhost', '127.0.0.1', '::1']);
    for (const host of settings.allowedHosts) {
      const name = hostnameOf(host);
      if (name) this.hosts.add(name);
    }
    const bind = hostnameOf(settings.bindHost);
    if (bind && bind !== '0.0.0.0' && bind !== '::') this.hosts.add(bind);
    this.origins = new Set(settings.allowedOrigins);
  }

  /** Whether the `Host` header names this server; a request without one is refused. */
  hostAllowed(header: string | undefined): boolean {
    const name = header === undefined ? undefined : hostnameOf(header);
    return name !== undefined && (this.hosts.has(name) || name.endsWith('.localhost'));
  }

  /** Whether the `Origin` header, when there is one, is a loopback origin or on the allow-list. */
  originAllowed(header: string | undefined): boolean {
    if (header === undefined) return true; // not a browser, or a same-origin GET: nothing to rebind
    let url: URL;
    try {
      url = new URL(header);
    } catch {
      return false; // includes the opaque origin "null"
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return isLoopbackAddress(url.hostname) || this.origins.has(url.origin);
  }
}

/** The host name of a `Host` header or a host list entry, lower case, without port or IPv6 brackets. */
export function hostnameOf(value: string): string | undefined {
  const trimmed = value.trim().toLowerCase();
  if (trimmed === '') return undefined;
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(trimmed);
  if (bracketed) return bracketed[1];
  if ((trimmed.match(/:/g) ?? []).length > 1) return trimmed; // a bare IPv6 address (config only)
  const match = /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(trimmed);
  return match?.[1];
}

export type TokenCheck = 'ok' | 'missing' | 'invalid';

/** Checks `Authorization: Bearer <token>` against MCP_HTTP_TOKEN, in constant time. */
export function checkEndpointToken(authorization: string | undefined, expected: string): TokenCheck {
  if (authorization === undefined || authorization === '') return 'missing';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) return 'invalid';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]), digest(expected)) ? 'ok' : 'invalid';
}

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare.endsWith('.localhost') ||
    bare === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(bare) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(bare)
  );
}
