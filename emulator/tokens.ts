/**
 * OAuth tokens and authorization codes.
 *
 * - Access tokens `pina_…` live `accessTokenLifetimeSec`; refresh tokens `pinr.…` live 60 days.
 * - Refresh tokens rotate: a refresh returns a new pair and invalidates the old refresh token;
 *   the old access token stays valid until it expires (like Pinterest).
 * - Authorization codes are single use, valid 10 minutes, bound to client_id and redirect_uri.
 */
import { randomBytes } from 'node:crypto';
import type { TokenPair } from './types';

export const REFRESH_TOKEN_LIFETIME_SEC = 5_184_000;
const CODE_LIFETIME_MS = 10 * 60 * 1000;

interface TokenRecord {
	userId: string;
	expiresAt: number;
	revoked: boolean;
}

interface CodeRecord {
	userId: string;
	clientId: string;
	redirectUri: string;
	expiresAt: number;
}

export interface IssuedTokens {
	pair: TokenPair;
	accessExpiresInSec: number;
	refreshExpiresAtSec: number;
}

export type RefreshResult =
	| { ok: true; userId: string; issued: IssuedTokens }
	| { ok: false; userId: string | null; reason: string };

export type RedeemResult = { ok: true; userId: string } | { ok: false; reason: string };

const random = (bytes: number): string => randomBytes(bytes).toString('base64url');

export class TokenStore {
	private readonly access = new Map<string, TokenRecord>();
	private readonly refreshTokens = new Map<string, TokenRecord>();
	private readonly codes = new Map<string, CodeRecord>();

	/** Registers a fixed token pair (the demo tokens). */
	register(
		userId: string,
		accessToken: string,
		refreshToken: string,
		accessLifetimeSec: number,
	): void {
		const now = Date.now();
		this.access.set(accessToken, {
			userId,
			expiresAt: now + accessLifetimeSec * 1000,
			revoked: false,
		});
		this.refreshTokens.set(refreshToken, {
			userId,
			expiresAt: now + REFRESH_TOKEN_LIFETIME_SEC * 1000,
			revoked: false,
		});
	}

	issue(userId: string, accessLifetimeSec: number, opts: { expired?: boolean } = {}): IssuedTokens {
		const now = Date.now();
		const pair: TokenPair = {
			access_token: `pina_${random(48)}`,
			refresh_token: `pinr.${random(48)}`,
		};
		const accessExpiresAt = opts.expired ? now - 1000 : now + accessLifetimeSec * 1000;
		const refreshExpiresAt = now + REFRESH_TOKEN_LIFETIME_SEC * 1000;
		this.access.set(pair.access_token, { userId, expiresAt: accessExpiresAt, revoked: false });
		this.refreshTokens.set(pair.refresh_token, {
			userId,
			expiresAt: refreshExpiresAt,
			revoked: false,
		});
		return {
			pair,
			accessExpiresInSec: opts.expired ? 0 : accessLifetimeSec,
			refreshExpiresAtSec: Math.floor(refreshExpiresAt / 1000),
		};
	}

	/** The user owning a valid access token, or null (unknown, expired or revoked). */
	authenticate(accessToken: string | null): string | null {
		if (!accessToken) return null;
		const rec = this.access.get(accessToken);
		if (!rec || rec.revoked || rec.expiresAt <= Date.now()) return null;
		return rec.userId;
	}

	/** The owner of an access token whatever its state (for the request log only). */
	ownerOf(accessToken: string | null): string | null {
		if (!accessToken) return null;
		return this.access.get(accessToken)?.userId ?? null;
	}

	refresh(refreshToken: string, accessLifetimeSec: number): RefreshResult {
		const rec = this.refreshTokens.get(refreshToken);
		if (!rec) return { ok: false, userId: null, reason: 'unknown refresh token' };
		if (rec.revoked)
			return { ok: false, userId: rec.userId, reason: 'refresh token revoked or already used' };
		if (rec.expiresAt <= Date.now())
			return { ok: false, userId: rec.userId, reason: 'refresh token expired' };
		rec.revoked = true; // rotation: the old refresh token is used up
		return { ok: true, userId: rec.userId, issued: this.issue(rec.userId, accessLifetimeSec) };
	}

	createCode(userId: string, clientId: string, redirectUri: string): string {
		const code = random(24);
		this.codes.set(code, {
			userId,
			clientId,
			redirectUri,
			expiresAt: Date.now() + CODE_LIFETIME_MS,
		});
		return code;
	}

	redeemCode(code: string, clientId: string, redirectUri: string | null): RedeemResult {
		const rec = this.codes.get(code);
		if (!rec) return { ok: false, reason: 'unknown or already used authorization code' };
		this.codes.delete(code);
		if (rec.expiresAt <= Date.now()) return { ok: false, reason: 'authorization code expired' };
		if (rec.clientId !== clientId)
			return { ok: false, reason: 'authorization code issued to another client' };
		if (redirectUri !== rec.redirectUri)
			return { ok: false, reason: 'redirect_uri does not match' };
		return { ok: true, userId: rec.userId };
	}

	revoke(userId?: string): void {
		for (const map of [this.access, this.refreshTokens]) {
			for (const rec of map.values())
				if (userId === undefined || rec.userId === userId) rec.revoked = true;
		}
	}

	expireAccess(userId?: string): void {
		const past = Date.now() - 1000;
		for (const rec of this.access.values()) {
			if (userId === undefined || rec.userId === userId)
				rec.expiresAt = Math.min(rec.expiresAt, past);
		}
	}

	clear(): void {
		this.access.clear();
		this.refreshTokens.clear();
		this.codes.clear();
	}
}
