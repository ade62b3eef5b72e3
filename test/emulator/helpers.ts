/** Shared helpers of the emulator contract tests: a raw HTTP client that never throws on status. */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator';

export interface ErrorBody {
	code: number;
	message: string;
}

export interface Clients {
	emu: Emulator;
	/** Demo user's bearer token, base `${url}/v5`. */
	api: AxiosInstance;
	/** No Authorization header, base `${url}`. */
	raw: AxiosInstance;
}

export function client(baseURL: string, token?: string): AxiosInstance {
	return axios.create({
		baseURL,
		validateStatus: () => true,
		headers: token ? { Authorization: `Bearer ${token}` } : {},
	});
}

/** Starts an emulator (rate limits off unless given) and clients for it. */
export async function setup(options: EmulatorOptions = {}): Promise<Clients> {
	const emu = await startEmulator({ writesPerSecond: 0, ...options });
	return { emu, api: client(emu.apiBaseUrl, emu.demo.accessToken), raw: client(emu.url) };
}

export function expectError(
	res: AxiosResponse,
	status: number,
	code: number,
	message?: string | RegExp,
): void {
	expect(res.status).toBe(status);
	const body = res.data as ErrorBody;
	expect(body.code).toBe(code);
	expect(typeof body.message).toBe('string');
	if (typeof message === 'string') expect(body.message).toBe(message);
	else if (message) expect(body.message).toMatch(message);
}

export function records(n: number, prefix = 'r'): string[] {
	return Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);
}

/** 64-hex records, like SHA-256 hashed e-mails. */
export function hexRecords(n: number, salt = 0): string[] {
	return Array.from({ length: n }, (_, i) => (salt * 1e9 + i).toString(16).padStart(64, '0'));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function form(fields: Record<string, string>): string {
	return new URLSearchParams(fields).toString();
}

export const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
