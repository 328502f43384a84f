/**
 * Page-number paging for dialects that page by `page`/`pageSize` and answer
 * the total count of matches (ote-stack). Lists that page this way are read
 * whole from one partition (or one registry listing), filtered, ordered and
 * cut here, so `total` counts every match, not the page.
 */
export type PageRequest = {
  /** From 1. */
  page: number;
  /** 0 means "all", up to `PAGE_SIZE_CAP`. */
  pageSize: number;
  order: 'asc' | 'desc';
};

/** What `pageSize=0` ("no limit") returns at most, so one answer stays bounded. */
export const PAGE_SIZE_CAP = 1000;

export type Paged<T> = { items: T[]; total: number };

export function takePage<T>(
  matches: readonly T[],
  { page, pageSize }: Pick<PageRequest, 'page' | 'pageSize'>,
): Paged<T> {
  const size = pageSize === 0 ? PAGE_SIZE_CAP : Math.min(pageSize, PAGE_SIZE_CAP);
  const start = (page - 1) * size;
  return { items: matches.slice(start, start + size), total: matches.length };
}

/** Orders by a key (an id; a name for what has no id) and pages. */
export function orderAndPage<T>(
  matches: readonly T[],
  key: (item: T) => number | string,
  request: PageRequest,
): Paged<T> {
  const direction = request.order === 'asc' ? 1 : -1;
  const compare = (a: T, b: T) => {
    const [x, y] = [key(a), key(b)];
    return x < y ? -direction : x > y ? direction : 0;
  };
  return takePage([...matches].sort(compare), request);
}

/** How a name filter compares: the whole name, a part of it, or its start. */
export type NameMode = 'strict' | 'partial' | 'prefix';

export function nameMatches(name: string, filter: string | undefined, mode: NameMode): boolean {
  if (filter === undefined || filter === '') return true;
  switch (mode) {
    case 'strict':
      return name === filter;
    case 'partial':
      return name.includes(filter);
    case 'prefix':
      return name.startsWith(filter);
  }
}
