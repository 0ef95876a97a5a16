import { UsageError } from './errors.js';

/** Task ids are lowercase slugs: letters, digits and single dashes, 1-48 characters. */
export const TASK_ID_PATTERN = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,47}$/;

export function isTaskId(value: string): boolean {
  return TASK_ID_PATTERN.test(value);
}

export function assertTaskId(value: string, where = 'task id'): string {
  if (!isTaskId(value)) {
    throw new UsageError(
      `${where} "${value}" is not a valid slug (lowercase letters, digits and single dashes, at most 48 characters)`,
    );
  }
  return value;
}

/** Makes a slug from a free-text title: "Fix the login bug!" -> "fix-the-login-bug". */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug || 'task';
}

/** Picks a free id based on `base`, adding -2, -3, ... when taken. */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base.slice(0, 44)}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}
