/**
 * The body of a size-limited Markdown report (a pull-request comment, a drift issue): resources grouped by
 * type under a `####` heading each, every one in full while it fits, then condensed, then a note that
 * says how many were left out, and where to read them all. Shared by the preview comment and the drift
 * report so that both cut the same way: never in the middle of a resource, never without saying so.
 */

/** What the body needs of one item. */
export interface BoundedItem {
  /** The resource type: a `####` heading is written where it changes. */
  readonly type: string;
}

/** How to write the items. */
export interface BoundedSections<T extends BoundedItem> {
  /** The heading of a type's group. */
  readonly heading: (type: string) => string;
  /** One item, in full or condensed. */
  readonly render: (item: T, condensed: boolean) => string;
  /** The note that says `count` items are not shown. */
  readonly note: (count: number) => string;
  /** Applied to every piece before it is measured (the secret scrubber): what is measured is what is written. */
  readonly scrub: (text: string) => string;
}

/** The items as Markdown within `budget` characters, and how many were left out. */
export function boundedSections<T extends BoundedItem>(items: readonly T[], budget: number, how: BoundedSections<T>): { body: string; omitted: number } {
  const body: string[] = [];
  let left = budget;
  let currentType: string | undefined;
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i] as T;
    const group = item.type === currentType ? "" : how.heading(item.type);
    const note = how.note(items.length - i);
    const full = how.scrub(group + how.render(item, false));
    const condensed = how.scrub(group + how.render(item, true));
    // Keep room for the note that says what was left out, unless this is the last item.
    const reserve = i === items.length - 1 ? 0 : note.length;
    const fits = [full, condensed].find((text) => text.length + reserve <= left);
    if (fits === undefined) {
      body.push(note);
      return { body: body.join(""), omitted: items.length - i };
    }
    body.push(fits);
    left -= fits.length;
    currentType = item.type;
  }
  return { body: body.join(""), omitted: 0 };
}
