// The streaming twins of the List RPCs send the same answer in pages: at least one message (an
// empty page for an empty list, so clients see an answer), stopping once the call is cancelled.
export async function sendPages<T, R>(
  items: readonly T[],
  pageSize: number,
  signal: AbortSignal,
  page: (items: T[]) => R | Promise<R>,
  send: (res: R) => Promise<void>,
): Promise<void> {
  if (items.length === 0) return send(await page([]));
  for (let i = 0; i < items.length && !signal.aborted; i += pageSize) await send(await page(items.slice(i, i + pageSize)));
}
