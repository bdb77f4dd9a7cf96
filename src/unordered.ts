/**
 * Removes `item` from an array whose order does not matter: the last item takes its place. For
 * the short lists the warm path keeps (busy connections, leases, deadlines in flight), where a Set
 * that goes from one entry to none and back, or splice's copy, costs more on every statement.
 */
export function removeUnordered<T>(items: T[], item: T): boolean {
  const at = items.indexOf(item);
  if (at < 0) return false;
  const last = items.pop()!;
  if (at < items.length) items[at] = last;
  return true;
}
