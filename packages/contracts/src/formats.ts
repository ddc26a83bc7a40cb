// The `format` semantics of the package, the same answers as Python's saas_contracts._formats:
// RFC 3339 section 5.6 `date-time` and `time`, read strictly (upper- or lower-case T/Z, offsets
// as +HH:MM, a real calendar day from year 1 on), a leap second only at 23:59:60 UTC, and
// `regex` as ECMA-262 with the u flag. The precompiled validators use `isDateTime`.

const TIME = "([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(?:\\.[0-9]+)?(?:[Zz]|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))";
const TIME_RE = new RegExp(`^${TIME}$`, "u");
const DATE_TIME_RE = new RegExp(`^([0-9]{4})-(0[1-9]|1[0-2])-([0-9]{2})[Tt]${TIME}$`, "u");
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const MINUTES_PER_DAY = 1440;

function timeOk(parts: readonly (string | undefined)[]): boolean {
  const [hour, minute, second, sign, offsetHour, offsetMinute] = parts;
  if (second !== "60") return true;
  const offset = (Number(offsetHour ?? 0) * 60 + Number(offsetMinute ?? 0)) * (sign === "-" ? -1 : 1);
  const utc = (((Number(hour) * 60 + Number(minute) - offset) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  return utc === 23 * 60 + 59;
}

/** RFC 3339 `full-time` (offset required); a leap second only at 23:59:60 UTC. */
export function isTime(text: string): boolean {
  const found = TIME_RE.exec(text);
  return found !== null && timeOk(found.slice(1));
}

/** RFC 3339 `date-time`: a real calendar day from year 1 on, then a `full-time`. */
export function isDateTime(text: string): boolean {
  const found = DATE_TIME_RE.exec(text);
  if (found === null) return false;
  const year = Number(found[1]);
  const month = Number(found[2]);
  const day = Number(found[3]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const last = month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0);
  return year !== 0 && day >= 1 && day <= last && timeOk(found.slice(4));
}

/** ECMA-262 with the u flag (the flag Ajv compiles `pattern` with). */
export function isRegex(text: string): boolean {
  try {
    new RegExp(text, "u");
    return true;
  } catch {
    return false;
  }
}
