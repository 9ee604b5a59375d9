import type { Scope } from '../store/types.js';

export const SCOPES: readonly Scope[] = ['user', 'power_user', 'admin'];
const RANK: Record<Scope, number> = { user: 1, power_user: 2, admin: 3 };

export const isScope = (s: unknown): s is Scope => typeof s === 'string' && (SCOPES as readonly string[]).includes(s);
export const scopeAtLeast = (have: Scope, need: Scope): boolean => RANK[have] >= RANK[need];
