/**
 * What the expand-only rule reads in a goose SQL migration: its Up section's statements, the destructive
 * ones among them (what they drop, rename, retype or empty), and its `-- contract:` markers. A
 * deliberately small reading of PostgreSQL: comments, string literals and dollar-quoted bodies are
 * blanked out first, so a keyword in a comment or a string never counts.
 */

/** A destructive statement of a migration's Up section. */
export interface DestructiveStatement {
  /** What it does, in words: `drops table`, `drops column`, `renames table`, `renames column`, `changes the type of column`, `empties table`. */
  readonly action: string;
  /** The object it destroys, lower case, without schema or quotes: `items` or `items.legacy_name`. */
  readonly object: string;
  /** The statement, whitespace collapsed, at most 120 characters. */
  readonly statement: string;
}

/** The `-- contract:` marker's prefix. */
export const CONTRACT_MARKER = "-- contract:";

/** Blanks out comments, string literals and dollar-quoted bodies (keeping line breaks), so that only SQL keywords remain. */
export function stripSqlNoise(sql: string): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest);
    let end: number;
    if (rest.startsWith("--")) {
      end = sql.indexOf("\n", i);
      end = end < 0 ? sql.length : end;
    } else if (rest.startsWith("/*")) {
      end = sql.indexOf("*/", i + 2);
      end = end < 0 ? sql.length : end + 2;
    } else if (rest.startsWith("'")) {
      end = i + 1;
      for (;;) {
        const quote = sql.indexOf("'", end);
        if (quote < 0) {
          end = sql.length;
          break;
        }
        if (sql[quote + 1] === "'") {
          end = quote + 2;
          continue;
        }
        end = quote + 1;
        break;
      }
    } else if (dollar !== null) {
      const close = sql.indexOf(dollar[0], i + dollar[0].length);
      end = close < 0 ? sql.length : close + dollar[0].length;
    } else {
      out += sql[i];
      i++;
      continue;
    }
    out += sql.slice(i, end).replace(/[^\n]/g, " ");
    i = end;
  }
  return out;
}

/** The Up section of a goose migration (between `-- +goose Up` and `-- +goose Down`); the whole text when it has no annotation. */
export function upSection(sql: string): string {
  const up = /^--\s*\+goose\s+up\b.*$/im.exec(sql);
  const start = up === null ? 0 : up.index + up[0].length;
  const down = /^--\s*\+goose\s+down\b.*$/im.exec(sql.slice(start));
  return sql.slice(start, down === null ? undefined : start + down.index);
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT})*`;

/** An identifier as PostgreSQL folds it: quotes removed, unquoted names lower-cased, the schema dropped. */
export function objectName(qualified: string): string {
  const parts = qualified.match(new RegExp(IDENT, "g")) ?? [qualified];
  const last = parts[parts.length - 1] ?? qualified;
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last.toLowerCase();
}

function names(list: string): string[] {
  return (list.match(new RegExp(QUALIFIED, "g")) ?? []).map(objectName).filter((name) => !["cascade", "restrict", "only"].includes(name));
}

/** Splits an ALTER TABLE's actions on the commas between them (none inside parentheses). */
function actions(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") parts.push(current.trim());
  return parts;
}

function alterTable(table: string, action: string): { action: string; object: string } | undefined {
  let m = new RegExp(String.raw`^drop\s+(?:column\s+)?(?:if\s+exists\s+)?(${IDENT})`, "i").exec(action);
  if (m?.[1] !== undefined && !/^drop\s+(constraint|default|not\s+null|identity|expression)\b/i.test(action)) {
    return { action: "drops column", object: `${table}.${objectName(m[1])}` };
  }
  m = new RegExp(String.raw`^rename\s+to\s+(${IDENT})`, "i").exec(action);
  if (m !== null) return { action: "renames table", object: table };
  m = new RegExp(String.raw`^rename\s+(?:column\s+)?(${IDENT})\s+to\s+`, "i").exec(action);
  if (m?.[1] !== undefined && !/^rename\s+constraint\b/i.test(action)) return { action: "renames column", object: `${table}.${objectName(m[1])}` };
  m = new RegExp(String.raw`^alter\s+(?:column\s+)?(${IDENT})\s+(?:set\s+data\s+)?type\b`, "i").exec(action);
  if (m?.[1] !== undefined) return { action: "changes the type of column", object: `${table}.${objectName(m[1])}` };
  return undefined;
}

/**
 * The destructive statements of a migration's Up section: DROP TABLE/VIEW/MATERIALIZED VIEW/SCHEMA,
 * ALTER TABLE … DROP [COLUMN], ALTER TABLE … RENAME [COLUMN] … TO / RENAME TO, ALTER TABLE … ALTER
 * [COLUMN] … [SET DATA] TYPE, ALTER VIEW/SCHEMA … RENAME TO, and TRUNCATE. Not read: anything inside a
 * function body (`DO $$ … $$`, `EXECUTE`), which no static check can follow.
 */
export function destructiveStatements(sql: string): DestructiveStatement[] {
  const found: DestructiveStatement[] = [];
  for (const raw of stripSqlNoise(upSection(sql)).split(";")) {
    const statement = raw.replace(/\s+/g, " ").trim();
    if (statement === "") continue;
    const shown = statement.length > 120 ? `${statement.slice(0, 117)}...` : statement;
    const add = (action: string, object: string) => found.push({ action, object, statement: shown });
    let m = /^drop\s+(table|view|materialized\s+view|schema)\s+(?:if\s+exists\s+)?(.*)$/i.exec(statement);
    if (m?.[1] !== undefined && m[2] !== undefined) {
      const kind = m[1].toLowerCase().replace(/\s+/, " ");
      for (const name of names(m[2])) add(`drops ${kind}`, name);
      continue;
    }
    m = /^truncate\s+(?:table\s+)?(?:only\s+)?(.*)$/i.exec(statement);
    if (m?.[1] !== undefined) {
      for (const name of names(m[1].replace(/\b(restart|continue)\s+identity\b/gi, ""))) add("empties table", name);
      continue;
    }
    m = new RegExp(String.raw`^alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?(${QUALIFIED})\s*\*?\s+(.*)$`, "i").exec(statement);
    if (m?.[1] !== undefined && m[2] !== undefined) {
      const table = objectName(m[1]);
      for (const action of actions(m[2])) {
        const hit = alterTable(table, action);
        if (hit !== undefined) add(hit.action, hit.object);
      }
      continue;
    }
    m = new RegExp(String.raw`^alter\s+(view|materialized\s+view|schema)\s+(?:if\s+exists\s+)?(${QUALIFIED})\s+rename\s+to\b`, "i").exec(statement);
    if (m?.[1] !== undefined && m[2] !== undefined) add(`renames ${m[1].toLowerCase().replace(/\s+/, " ")}`, objectName(m[2]));
  }
  return found;
}

/** The objects a migration's `-- contract: <table>[.<column>], …` markers name, lower case, without schema. */
export function contractedObjects(sql: string): string[] {
  const objects: string[] = [];
  for (const line of sql.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed.toLowerCase().startsWith(CONTRACT_MARKER)) continue;
    for (const item of trimmed.slice(CONTRACT_MARKER.length).split(",")) {
      const parts = item
        .trim()
        .split(/\s+/)[0]
        ?.split(".")
        .filter((part) => part !== "")
        .map((part) => (part.startsWith('"') ? part.slice(1, -1) : part.toLowerCase()));
      if (parts === undefined || parts.length === 0) continue;
      // schema.table.column → table.column; schema.table is read as table.column only when the statement names it so.
      objects.push(parts.slice(-2).join("."));
      if (parts.length >= 2) objects.push(parts[parts.length - 1] ?? "");
    }
  }
  return [...new Set(objects.filter((o) => o !== ""))];
}

/** The name the service's code would use for an object: the column of `table.column`, else the table. */
export function referenceName(object: string): string {
  return object.includes(".") ? (object.split(".").pop() ?? object) : object;
}
