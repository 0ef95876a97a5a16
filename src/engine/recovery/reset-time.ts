/**
 * The reset time an agent CLI names in a usage-limit message, as an instant. The forms the CLIs
 * print (read from their bundles):
 * - Claude Code 2.1: "You've hit your session limit · resets 3pm (Europe/Berlin)", "resets 3:30pm
 *   (UTC)", more than a day ahead "resets Dec 5, 3pm (Europe/Berlin)", another year "resets Jan 2,
 *   2027, 3pm (…)"; older releases "5-hour limit reached ∙ resets 3pm" (this machine's clock).
 * - Codex 0.171: "… or try again at 3:04 PM.", another day "try again at Dec 5th, 2026 3:04 PM."
 *   (this machine's clock); older releases "try again in 2 hours 5 minutes".
 * - Gemini CLI 0.61: "Access resets at 3:04 PM PST." (an en-US short zone name).
 * Pure: the caller passes the clock. Null when the text names no time that can be read.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** en-US short zone names Gemini CLI prints for US zones (Intl's `timeZoneName: "short"`), as UTC offsets in minutes. */
const SHORT_ZONES: Readonly<Record<string, number>> = {
  UTC: 0,
  GMT: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  AKST: -540,
  AKDT: -480,
  HST: -600,
};

type Zone = { kind: 'local' } | { kind: 'iana'; name: string } | { kind: 'offset'; minutes: number };

interface WallTime {
  year: number;
  month: number; // 0-11
  day: number;
  hour: number;
  minute: number;
}

function validZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date and time at `ms` in `zone`. */
function wallAt(ms: number, zone: Zone): WallTime {
  if (zone.kind === 'local') {
    const d = new Date(ms);
    return { year: d.getFullYear(), month: d.getMonth(), day: d.getDate(), hour: d.getHours(), minute: d.getMinutes() };
  }
  if (zone.kind === 'offset') {
    const d = new Date(ms + zone.minutes * 60_000);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone.name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month') - 1, day: get('day'), hour: get('hour') % 24, minute: get('minute') };
}

/** The instant a wall-clock time in `zone` names (the later one in a DST overlap is fine here). */
function instantOf(w: WallTime, zone: Zone): number {
  if (zone.kind === 'local') return new Date(w.year, w.month, w.day, w.hour, w.minute, 0, 0).getTime();
  const asUtc = Date.UTC(w.year, w.month, w.day, w.hour, w.minute);
  if (zone.kind === 'offset') return asUtc - zone.minutes * 60_000;
  // Offset of the zone near that time, applied twice so a DST change between the guesses settles.
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const seen = wallAt(guess, zone);
    const offset = Date.UTC(seen.year, seen.month, seen.day, seen.hour, seen.minute) - guess;
    guess = asUtc - offset;
  }
  return guess;
}

/** The zone named after a clock time: "(Europe/Berlin)", "(UTC)", "PST", "GMT+1", or this machine's. */
function zoneOf(rest: string): Zone | null {
  const iana = /^\s*\(([A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*)\)/.exec(rest);
  if (iana) return validZone(iana[1]!) ? { kind: 'iana', name: iana[1]! } : null;
  const gmt = /^\s*\(?(?:GMT|UTC)([+-])(\d{1,2})(?::?(\d{2}))?\)?(?![\w:])/.exec(rest);
  if (gmt) {
    const minutes = Number(gmt[2]) * 60 + Number(gmt[3] ?? 0);
    return minutes <= 14 * 60 ? { kind: 'offset', minutes: gmt[1] === '-' ? -minutes : minutes } : null;
  }
  const short = /^\s*\(?([A-Z]{2,5})\)?(?![\w])/.exec(rest);
  if (short) {
    const known = SHORT_ZONES[short[1]!];
    if (known !== undefined) return { kind: 'offset', minutes: known };
    return { kind: 'local' }; // a zone name we cannot place: this machine's clock is the best guess
  }
  return { kind: 'local' };
}

const REL_UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

function relative(message: string, now: Date): string | null {
  const rel = /(?:try again|resets?|available again|retry)\s+in\s+((?:\d+\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b\s*,?\s*(?:and\s+)?)+)/i.exec(message);
  if (!rel) return null;
  let ms = 0;
  for (const m of rel[1]!.matchAll(/(\d+)\s*(d|h|m|s)/gi)) ms += Number(m[1]) * REL_UNITS[m[2]!.toLowerCase()]!;
  return ms > 0 && ms <= 366 * 86_400_000 ? new Date(now.getTime() + ms).toISOString() : null;
}

// "[at] [Dec 5[th][,] [2027][,]] 3[:30][ ]pm" after "resets", "try again" or "Access resets".
const CLOCK =
  /(?:resets?|try again|available again)\s+(?:at\s+)?(?:([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(?:(\d{4}),?\s+)?(?:at\s+)?)?(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?(?![\w:])/i;

function clock(message: string, now: Date): string | null {
  const m = CLOCK.exec(message);
  if (!m) return null;
  const [, mon, dayText, yearText, hourText, minText, apText] = m;
  let hour = Number(hourText);
  const minute = minText ? Number(minText) : 0;
  const ap = apText?.replace(/\./g, '').toLowerCase();
  if (!ap && !minText) return null; // "resets 3" is not a time
  if (ap && (hour < 1 || hour > 12)) return null;
  if (ap === 'pm' && hour < 12) hour += 12;
  if (ap === 'am' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return null;
  const zone = zoneOf(message.slice(m.index + m[0].length));
  if (!zone) return null;
  const today = wallAt(now.getTime(), zone);
  if (mon) {
    const month = MONTHS.indexOf(mon.toLowerCase());
    const day = Number(dayText);
    if (month < 0 || day < 1 || day > 31) return null;
    let year = yearText ? Number(yearText) : today.year;
    let at = instantOf({ year, month, day, hour, minute }, zone);
    // "Jan 2" seen in late December is next year's.
    if (!yearText && at < now.getTime() - 86_400_000) at = instantOf({ year: ++year, month, day, hour, minute }, zone);
    return new Date(at).toISOString();
  }
  let at = instantOf({ ...today, hour, minute }, zone);
  if (at <= now.getTime()) {
    const next = new Date(Date.UTC(today.year, today.month, today.day + 1));
    at = instantOf({ year: next.getUTCFullYear(), month: next.getUTCMonth(), day: next.getUTCDate(), hour, minute }, zone);
  }
  return new Date(at).toISOString();
}

/** The reset time `message` names, as an ISO instant, or null (see the forms above). */
export function parseResetTime(message: string, now: Date): string | null {
  return relative(message, now) ?? clock(message, now);
}
